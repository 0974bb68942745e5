"""The sentiment app's `train` command end to end, on a tiny model and made-up data."""

import json
import subprocess
import sys

import pytest

from apps.sentiment.cli import main
from shared.training.history import read_history
from tests.helpers.cli import (
    TINY_SENTIMENT_FLAGS,
    assert_rerun_reports_the_finished_run,
    train_argv,
)


def test_train_writes_a_complete_run_folder(trained_run):
    for name in [
        "model.keras",
        "vocabulary.txt",
        "labels.json",
        "config.json",
        "history.csv",
        "learning_curves.png",
        "report.txt",
        "metrics.json",
        "baseline.npz",
        "confusion_matrix.png",
    ]:
        assert (trained_run / name).is_file(), name
    assert not (trained_run / "baseline.joblib").exists()  # no pickle: loading runs no code
    assert (trained_run / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list((trained_run / "tensorboard" / "train").glob("events.out.tfevents.*"))
    assert json.loads((trained_run / "labels.json").read_text())["names"] == [
        "negative",
        "positive",
    ]
    assert [int(row["epoch"]) for row in read_history(trained_run / "history.csv")] == [1, 2]
    vocabulary = (trained_run / "vocabulary.txt").read_text(encoding="utf-8").splitlines()
    assert vocabulary[:2] == ["[PAD]", "[UNK]"] and len(vocabulary) <= 400


def test_report_sets_model_beside_baseline_on_the_same_examples(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    report = (trained_run / "report.txt").read_text()
    # 10% of 600, stratified by unique text: the copies of a held-out text go with it.
    assert 60 <= metrics["n"] <= 64
    assert 0.0 <= metrics["accuracy"] <= 1.0 and 0.0 <= metrics["baseline"]["accuracy"] <= 1.0
    assert f"{metrics['accuracy']:.4f}" in report
    assert f"{metrics['baseline']['accuracy']:.4f}" in report
    assert "TF-IDF + logistic regr." in report and "confusion matrix" in report


def test_rerunning_a_finished_train_reports_instead_of_retraining(corpus_csv, trained_run, capsys):
    argv = train_argv(corpus_csv, trained_run, *TINY_SENTIMENT_FLAGS)
    assert_rerun_reports_the_finished_run(main, argv, trained_run, capsys)


def test_other_settings_in_the_same_run_folder_are_refused(corpus_csv, trained_run, capsys):
    args = train_argv(corpus_csv, trained_run, *TINY_SENTIMENT_FLAGS)
    assert main([*args, "--units", "9"]) == 2
    err = capsys.readouterr().err
    assert "differs in ['encoder_units']" in err and "--overwrite" in err


def test_mirrored_strategy_trains_on_two_replicas(corpus_csv, tmp_path, capsys):
    run_dir = tmp_path / "mirrored"
    code = main(train_argv(corpus_csv, run_dir, "--strategy", "mirrored", *TINY_SENTIMENT_FLAGS))
    out = capsys.readouterr().out
    assert code == 0
    assert "strategy: mirrored (2 replica(s))" in out
    losses = [row["loss"] for row in read_history(run_dir / "history.csv")]
    assert len(losses) == 2 and losses[1] < losses[0]


def test_help_teaches_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "apps.sentiment", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("train", "evaluate", "predict", "download"):
        assert command in result.stdout
    assert "rnn-sentiment predict" in result.stdout  # an example to copy


def test_overwrite_refuses_a_folder_that_is_not_a_run(corpus_csv, tmp_path, capsys):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.txt").write_text("years of work")
    code = main(train_argv(corpus_csv, precious, "--overwrite", *TINY_SENTIMENT_FLAGS))
    assert code == 2
    assert "refusing to delete it" in capsys.readouterr().err
    assert (precious / "chapter1.txt").read_text() == "years of work"


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--clipnorm", "-1", "Expected `clipnorm` >= 0"),
        ("--patience", "0", "Expected `patience` >= 1"),
        ("--embedding-dim", "0", "Expected `embedding_dim` >= 1"),
    ],
)
def test_out_of_range_settings_are_refused_before_training(
    corpus_csv, tmp_path, capsys, flag, value, message
):
    code = main(train_argv(corpus_csv, tmp_path / "r", *TINY_SENTIMENT_FLAGS, flag, value))
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
