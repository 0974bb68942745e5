"""Slow: the models `make train-sentiment` trains by default, judged on ordinary text.

The default run takes ~5 minutes on 2 cores, so this lives in `make test-slow`. It needs no
data from ../shared/data: the corpus is embedded and the judge is
benchmarks/data/everyday_sentences.tsv (written for the project, never trained on).
"""

from __future__ import annotations

import json

import pytest

from apps.sentiment.cli import main
from tests.helpers.paths import REPO_ROOT

pytestmark = pytest.mark.slow

EVERYDAY = REPO_ROOT / "benchmarks" / "data" / "everyday_sentences.tsv"
# Sentences a bag of words gets wrong; the default model must read their word order.
ORDER_SENSITIVE = {
    "anything but a masterpiece": "negative",
    "not bad at all, I loved every minute of it": "positive",
    "I expected to hate it, but it was wonderful": "positive",
    "A masterpiece? Hardly.": "negative",
    "Great!": "positive",
    "Terrible.": "negative",
    "The best film of the year.": "positive",
}


def _last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_default_sentiment_model_reads_everyday_sentences(tmp_path, capsys):
    run_dir = tmp_path / "default"
    assert main(["train", "--run-dir", str(run_dir)]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--data", str(EVERYDAY), "--run-dir", str(run_dir)]) == 0
    everyday = _last_json(capsys.readouterr().out)
    assert everyday["n"] == 480
    # Measured 0.80-0.82 on this harder-than-usual set (a TF-IDF + LR trained on SST-2
    # gets 0.78 on it, VADER 0.68); the floor leaves room for run-to-run noise (SE 0.018).
    assert everyday["accuracy"] >= 0.77, everyday
    assert main(["predict", "--run-dir", str(run_dir), *ORDER_SENSITIVE]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert {a["text"]: a["label"] for a in answers} == ORDER_SENSITIVE
