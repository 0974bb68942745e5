"""Slow: the sentiment app on the real data sets in ../shared/data (skips when absent)."""

import csv
import json
import random

import pytest

from apps.sentiment.cli import main
from shared.datasets.tabular import read_labelled_table

pytestmark = pytest.mark.slow


def test_sst2_subset_trains_and_evaluates_on_dev(shared_data, tmp_path, capsys):
    train = read_labelled_table(shared_data / "sst2" / "train.tsv.gz", text_column="sentence")
    indices = random.Random(0).sample(range(len(train)), 8000)
    subset = tmp_path / "sst2-8k.csv"
    with open(subset, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows((train.texts[i], train.labels[i]) for i in indices)
    run_dir = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(subset),
                "--run-dir",
                str(run_dir),
                "--epochs",
                "2",
                "--units",
                "32",
                "--embedding-dim",
                "64",
                "--max-length",
                "64",
            ]
        )
        == 0
    )
    capsys.readouterr()
    dev = shared_data / "sst2" / "dev.tsv.gz"
    assert (
        main(
            ["evaluate", "--data", str(dev), "--text-column", "sentence", "--run-dir", str(run_dir)]
        )
        == 0
    )
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["n"] == 872
    # Learning, not chance: 8k phrases and 2 epochs reach ~0.75 on dev.
    assert metrics["accuracy"] > 0.68
    assert metrics["baseline"]["accuracy"] > 0.65
