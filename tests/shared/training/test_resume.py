"""A run killed with SIGKILL resumes from its last epoch; the history stays exact."""

import csv
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from apps.sentiment.cli import main
from apps.sentiment.corpus import generate_reviews
from shared.training.callbacks import (
    ResumableEarlyStopping,
    make_backup,
    recover_backup,
    training_callbacks,
)
from shared.training.history import read_history
from shared.training.run_directory import RunDirectory
from tests.helpers.paths import REPO_ROOT

# Enough epochs that the kill (after epoch 2) lands well inside the run; no more, since
# the rerun trains all the rest.
EPOCHS = 5
ARGS = [
    "--epochs",
    str(EPOCHS),
    "--patience",
    "100",
    "--units",
    "8",
    "--embedding-dim",
    "16",
    "--max-length",
    "30",
    "--batch-size",
    "32",
    "--max-tokens",
    "300",
    "--min-count",
    "1",
    # A data file gets the `sentences` preset: its bag of n-grams stays, but with 64 hash
    # buckets, not 1M (a 1M-row table made each epoch seconds slower: Adam and backups).
    "--ngram-buckets",
    "64",
]


def train_argv(data, run_dir):
    return ["train", "--data", str(data), "--run-dir", str(run_dir), *ARGS]


def test_sigkill_mid_training_then_rerun_resumes_after_the_last_epoch(tmp_path, capsys):
    texts, labels = generate_reviews(400, seed=3)
    data = tmp_path / "reviews.csv"
    with open(data, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("text", "label"), *zip(texts, labels, strict=True)])
    run_dir = tmp_path / "run"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}

    process = subprocess.Popen(
        [sys.executable, "-m", "apps.sentiment", *train_argv(data, run_dir)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    history_path = run_dir / "history.csv"
    deadline = time.monotonic() + 240
    # Kill once two epochs are logged: well inside the run, after a backup exists.
    while len(read_history(history_path)) < 2:
        assert process.poll() is None, "training ended before it could be killed"
        assert time.monotonic() < deadline, "no epoch finished within 240 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    epochs_done = len(read_history(history_path))
    assert epochs_done < EPOCHS, "the run finished before the kill; make it longer"
    assert not RunDirectory(run_dir).is_finished

    # The rerun reads only the killed run's folder, so it runs in this process (a second
    # process would add its TensorFlow start-up and nothing the assertions look at).
    assert main(train_argv(data, run_dir)) == 0
    stdout = capsys.readouterr().out
    assert "(resume)" in stdout
    # Keras numbers epochs from the restored one: nothing before the last backup reruns.
    first_epoch = int(stdout.split("Epoch ")[1].split("/")[0])
    assert 2 <= first_epoch <= epochs_done + 1
    assert f"Epoch 1/{EPOCHS}" not in stdout
    # Numbered from 1, as Keras prints "Epoch 1/N" and the plot counts.
    assert [int(row["epoch"]) for row in read_history(history_path)] == list(range(1, EPOCHS + 1))
    assert history_path.read_text().splitlines()[1].startswith("1,")
    assert RunDirectory(run_dir).is_finished


def test_read_history_keeps_the_last_row_per_epoch_and_skips_a_torn_line(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n1,0.9,0.8\n2,0.7,0.75\n2,0.69,0.74\n3,0.6,0.7\n4,0.5")
    rows = read_history(path)
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert rows[1] == {"epoch": 2.0, "loss": 0.69, "val_loss": 0.74}
    assert "val_loss" not in rows[3]


def test_a_zero_based_history_from_older_runs_is_read_and_renumbered_from_one(tmp_path):
    from shared.training.history import renumber_zero_based_history

    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,0.75\n")
    assert [int(r["epoch"]) for r in read_history(path)] == [1, 2]
    renumber_zero_based_history(path)  # before a resumed run appends 1-based rows
    assert path.read_text().splitlines() == ["epoch,loss,val_loss", "1,0.9,0.8", "2,0.7,0.75"]
    renumber_zero_based_history(path)  # a 1-based file is left alone
    assert [int(r["epoch"]) for r in read_history(path)] == [1, 2]


def test_early_stopping_counts_the_epochs_before_an_interruption(tmp_path):
    run_dir = RunDirectory(tmp_path)
    run_dir.history_path.write_text(
        "epoch,loss,val_loss\n1,1.0,0.50\n2,0.9,0.40\n3,0.8,0.45\n4,0.7,0.47\n"
    )
    stopper = ResumableEarlyStopping(run_dir, monitor="val_loss", mode="min", patience=3)
    stopper.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    stopper.on_train_begin()
    # Epoch 2 of the CSV is Keras' 0-based epoch index 1.
    assert stopper.best == np.float64(0.40) and stopper.best_epoch == 1
    assert stopper.wait == 2  # epochs 3 and 4 did not improve
    stopper.model.stop_training = False
    stopper.on_epoch_end(4, {"val_loss": 0.48})
    assert stopper.model.stop_training  # third epoch without improvement


def test_early_stopping_says_when_it_stopped_and_which_epoch_is_kept(tmp_path, capsys):
    stopper = ResumableEarlyStopping(RunDirectory(tmp_path), monitor="val_loss", patience=2)
    stopper.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    stopper.model.stop_training = False
    stopper.on_train_begin()
    for epoch, value in enumerate([0.5, 0.4, 0.45, 0.47, 0.3]):
        stopper.on_epoch_end(epoch, {"val_loss": value})
        if stopper.model.stop_training:
            break
    stopper.on_train_end()
    assert capsys.readouterr().out.strip() == (
        "early stopping: val_loss did not improve for 2 epoch(s) after epoch 2 (0.4000); "
        "stopped after epoch 4, keeping the model of epoch 2."
    )
    finished = ResumableEarlyStopping(RunDirectory(tmp_path / "b"), monitor="val_loss")
    finished.set_model(stopper.model)
    finished.on_train_begin()
    finished.on_epoch_end(0, {"val_loss": 0.5})
    finished.on_train_end()  # ran all its epochs: nothing to say
    assert capsys.readouterr().out == ""


def _fit_tiny(run_dir: RunDirectory, epochs: int):
    """A tiny regression model through the real callback set; returns its history."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    return model.fit(
        x,
        y,
        validation_data=(x, y),
        epochs=epochs,
        verbose=0,
        callbacks=training_callbacks(run_dir, patience=100),
    )


def _backup_files(run_dir):
    backup = make_backup(run_dir)
    return backup._weights_path, backup._training_metadata_path


def test_a_torn_newest_backup_falls_back_to_the_previous_one(tmp_path):
    run_dir = RunDirectory(tmp_path)
    _fit_tiny(run_dir, epochs=3)
    weights, _ = _backup_files(run_dir)
    with open(weights, "r+b") as f:  # a kill in the middle of writing the weights
        f.truncate(200)
    assert recover_backup(run_dir, make_backup(run_dir)) == "previous"
    # The previous backup holds 2 epochs: the rows of epoch 3 are dropped, epoch 3 reruns.
    assert [int(r["epoch"]) for r in read_history(run_dir.history_path)] == [1, 2]
    history = _fit_tiny(run_dir, epochs=3)
    assert history.epoch == [2]  # Keras' 0-based index of the third epoch
    assert [int(r["epoch"]) for r in read_history(run_dir.history_path)] == [1, 2, 3]


def test_a_torn_metadata_file_falls_back_too(tmp_path):
    run_dir = RunDirectory(tmp_path)
    _fit_tiny(run_dir, epochs=3)
    _, metadata = _backup_files(run_dir)
    with open(metadata, "w") as f:
        f.write('{"epo')
    assert recover_backup(run_dir, make_backup(run_dir)) == "previous"


def test_nothing_readable_restarts_from_the_first_epoch(tmp_path, capsys):
    run_dir = RunDirectory(tmp_path)
    _fit_tiny(run_dir, epochs=1)  # one save only: no previous backup exists
    weights, _ = _backup_files(run_dir)
    with open(weights, "r+b") as f:
        f.truncate(100)
    history = _fit_tiny(run_dir, epochs=2)
    assert history.epoch == [0, 1]
    assert "starting this run from its first epoch" in capsys.readouterr().err
    assert [int(r["epoch"]) for r in read_history(run_dir.history_path)] == [1, 2]


def test_an_early_stopped_run_does_not_train_again_after_an_interruption(tmp_path):
    from shared.training.callbacks import early_stopping_reached

    run_dir = RunDirectory(tmp_path)
    run_dir.history_path.write_text(
        "epoch,loss,val_loss\n1,1.0,0.50\n2,0.9,0.40\n3,0.8,0.45\n4,0.7,0.47\n5,0.6,0.49\n"
    )
    assert early_stopping_reached(run_dir, patience=3)
    assert not early_stopping_reached(run_dir, patience=4)


def test_a_resumed_run_continues_the_cosine_schedule_where_it_stopped(tmp_path):
    """The schedule is a function of the optimizer's step counter: the backup must bring
    the counter back, or a resumed run would warm up and decay all over again."""
    from apps.sentiment.config import SentimentConfig
    from shared.training.trainer import learning_rate_schedule, make_optimizer

    config = SentimentConfig(epochs=4, learning_rate=1e-2, lr_schedule="cosine")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    steps_per_epoch = 8  # 64 examples, batch 8

    def fit(run_dir, epochs):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer=make_optimizer(config, steps_per_epoch), loss="mse")
        model.fit(
            x,
            y,
            batch_size=8,
            shuffle=False,
            validation_data=(x, y),
            epochs=epochs,
            verbose=0,
            callbacks=training_callbacks(run_dir, patience=100),
        )
        return model

    interrupted = RunDirectory(tmp_path / "a")
    fit(interrupted, epochs=2)  # as if killed after epoch 2 of 4
    resumed = fit(interrupted, epochs=4)
    uninterrupted = fit(RunDirectory(tmp_path / "b"), epochs=4)
    assert int(resumed.optimizer.iterations) == 4 * steps_per_epoch
    schedule = learning_rate_schedule(config, steps_per_epoch)
    assert float(resumed.optimizer.learning_rate) == pytest.approx(
        float(schedule(4 * steps_per_epoch)), abs=1e-9
    )
    # Same data order (no shuffling here), same schedule: the same weights as one long run.
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
