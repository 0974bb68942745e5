"""train --streaming --document-window: whole texts in windows, state carried per text."""

import json

import pytest

from apps.sentiment import load
from apps.sentiment.cli import main
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import DataOptions
from apps.sentiment.run_settings import run_settings
from shared.training.history import read_history
from shared.training.run_directory import RunDirectory
from tests.helpers.cli import TINY_SENTIMENT_FLAGS, train_argv

WINDOW = "6"


@pytest.fixture(scope="module")
def whole_document_run(corpus_csv, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "whole-documents"
    flags = (*TINY_SENTIMENT_FLAGS, "--streaming", "--document-window", WINDOW)
    assert main(train_argv(corpus_csv, run_dir, *flags)) == 0
    return run_dir


def test_the_run_trains_on_windows_and_reports_whole_text_accuracy(whole_document_run):
    config = json.loads((whole_document_run / "config.json").read_text())
    assert (config["streaming"], config["document_window"]) == (True, int(WINDOW))
    metrics = json.loads((whole_document_run / "metrics.json").read_text())
    assert 0.0 <= metrics["whole_document_accuracy"] <= 1.0
    assert metrics["whole_document_loss"] > 0
    assert f"windows of {WINDOW} words" in (whole_document_run / "report.txt").read_text()
    history = read_history(RunDirectory(whole_document_run).history_path)
    assert "val_document_accuracy" in history[-1] and len(history) == 2


def test_the_trained_run_streams(whole_document_run):
    classifier = load(whole_document_run)
    answer, state = classifier.stream("a wonderful film", None)
    assert set(answer["probabilities"]) == {"negative", "positive"} and state


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"document_window": 8}, "0 without --streaming"),
        ({"document_window": -1, "streaming": True}, ">= 0"),
        (
            {"document_window": 8, "streaming": True, "strategy": "mirrored"},
            "0 with --strategy mirrored/multi-worker",
        ),
    ],
)
def test_settings_whole_documents_cannot_use_are_refused(settings, expected):
    with pytest.raises(ValueError, match="Expected `document_window`") as error:
        SentimentConfig(**settings).validate()
    assert expected in str(error.value)


def test_runs_without_whole_documents_keep_their_settings_hash():
    settings = run_settings(SentimentConfig(), None, None, DataOptions(), None, None, None)
    assert "document_window" not in settings
    windowed = SentimentConfig(streaming=True, document_window=64)
    settings = run_settings(windowed, None, None, DataOptions(), None, None, None)
    assert settings["document_window"] == 64
