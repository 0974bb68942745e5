"""Callbacks every trainer uses, wired so that an interrupted run resumes exactly."""

from __future__ import annotations

import json
import os
import shutil
import sys

import h5py
import keras

from shared.training.history import (
    plot_learning_curves,
    read_history,
    renumber_zero_based_history,
    trim_history,
)
from shared.training.run_directory import RunDirectory

MONITOR = "val_loss"


class LearningCurvePlot(keras.callbacks.Callback):
    """Redraws the learning-curve PNG after every epoch from the whole run's history."""

    def __init__(self, run_dir: RunDirectory, title: str = ""):
        super().__init__()
        self.run_dir = run_dir
        self.title = title

    def on_epoch_end(self, epoch, logs=None):
        history = read_history(self.run_dir.history_path)
        if history:
            plot_learning_curves(history, self.run_dir.curves_path, self.title)


class EpochCSVLogger(keras.callbacks.CSVLogger):
    """Keras' CSVLogger, with epochs numbered from 1 (as Keras prints `Epoch 1/10`).

    Keras passes callbacks 0-based epoch indices; the CSV is read by people next to the
    progress bar and the learning-curve plot, which both count from 1.
    """

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch + 1, logs)


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping that, after a resume, remembers the epochs before the interruption.

    Keras' EarlyStopping starts counting afresh in `on_train_begin`; a run killed and
    resumed would then train `patience` epochs longer than one that never stopped.
    """

    def __init__(self, run_dir: RunDirectory, **kwargs):
        super().__init__(**kwargs)
        self.run_dir = run_dir

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.monitor_op is None:  # Keras sets it lazily at the first epoch end
            self._set_monitor_op()
        for row in read_history(self.run_dir.history_path):
            value = row.get(self.monitor)
            if value is None:
                continue
            if self._is_improvement(value, self.best):
                # history.csv counts from 1; Keras' best_epoch is a 0-based index.
                self.best, self.best_epoch, self.wait = value, int(row["epoch"]) - 1, 0
            else:
                self.wait += 1

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        if self.stopped_epoch > 0:  # Keras' 0-based index of the last epoch trained
            print(
                f"early stopping: {self.monitor} did not improve for {self.patience} "
                f"epoch(s) after epoch {self.best_epoch + 1} ({self.best:.4f}); stopped "
                f"after epoch {self.stopped_epoch + 1}, keeping the model of epoch "
                f"{self.best_epoch + 1}."
            )


def make_backup(run_dir: RunDirectory) -> keras.callbacks.BackupAndRestore:
    """Keras' epoch backup, keeping the previous one beside the newest (double_checkpoint)."""
    return keras.callbacks.BackupAndRestore(
        str(run_dir.backup_dir), delete_checkpoint=False, double_checkpoint=True
    )


def _readable(weights_path: str, metadata_path: str) -> bool:
    try:
        with open(metadata_path, encoding="utf-8") as f:
            int(json.load(f)["epoch"])
        with h5py.File(weights_path, "r") as weights:
            # Touch every array: a torn file can open and still fail on read.
            weights.visititems(lambda _, item: item[()] if isinstance(item, h5py.Dataset) else None)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _trim_history_to_backup(run_dir: RunDirectory, metadata_path: str) -> None:
    # Rows logged after the restored epoch belong to work that will be redone. The backup
    # stores how many epochs it completed, which is the last 1-based epoch number kept.
    with open(metadata_path, encoding="utf-8") as f:
        trim_history(run_dir.history_path, int(json.load(f)["epoch"]))


def recover_backup(run_dir: RunDirectory, backup: keras.callbacks.BackupAndRestore) -> str:
    """Makes the backup loadable before training starts, whatever instant a kill hit.

    Keras falls back to the previous backup only for unreadable weights, not for a torn
    metadata file, and fails for good when a kill hit the very first save. Checked here,
    before any callback opens a file:

    Returns:
        `"none"` (nothing to resume), `"latest"`, `"previous"` (newest pair torn, the one
        before restored) or `"restart"` (nothing readable: start again from epoch 0).
    """
    latest = (backup._weights_path, backup._training_metadata_path)
    previous = (backup._prev_weights_path, backup._prev_training_metadata_path)
    if not any(os.path.exists(p) for p in (*latest, *previous)):
        return "none"
    if _readable(*latest):
        _trim_history_to_backup(run_dir, latest[1])
        return "latest"
    if _readable(*previous):
        for source, target in zip(previous, latest, strict=True):
            shutil.copy(source, target)
        _trim_history_to_backup(run_dir, latest[1])
        print(
            "warning: the newest backup was torn by an interruption; resuming from the "
            "one before it.",
            file=sys.stderr,
        )
        return "previous"
    print(
        f"warning: no readable backup in {run_dir.backup_dir}; starting this run from its "
        "first epoch.",
        file=sys.stderr,
    )
    shutil.rmtree(run_dir.backup_dir, ignore_errors=True)
    run_dir.history_path.unlink(missing_ok=True)
    return "restart"


def early_stopping_reached(run_dir: RunDirectory, patience: int, monitor: str = MONITOR) -> bool:
    """True when the logged history already ran `patience` epochs past its best one."""
    values = [row[monitor] for row in read_history(run_dir.history_path) if monitor in row]
    if not values:
        return False
    best_epoch = min(range(len(values)), key=values.__getitem__)
    return len(values) - 1 - best_epoch >= patience


def best_logged_value(run_dir: RunDirectory, monitor: str = MONITOR) -> float | None:
    values = [row[monitor] for row in read_history(run_dir.history_path) if monitor in row]
    return min(values) if values else None


def training_callbacks(
    run_dir: RunDirectory, patience: int, title: str = "", ema: bool = False
) -> list[keras.callbacks.Callback]:
    """The standard set: history CSV, resume backup, best model, early stopping, logs, plot.

    Order matters: the history row of an epoch is written before that epoch's backup, so
    a kill between the two repeats a row (deduplicated on read) rather than losing one.
    With `ema` (an optimizer with `use_ema`), Keras' `SwapEMAWeights` puts the averaged
    weights in the model for validation and, after the backup has saved the raw ones (a
    resumed run continues training on those), for the best-model checkpoint.
    """
    renumber_zero_based_history(run_dir.history_path)  # a run started by older code
    backup = make_backup(run_dir)
    recover_backup(run_dir, backup)
    best_so_far = best_logged_value(run_dir)  # after recovery: it may clear the history
    return [
        keras.callbacks.TerminateOnNaN(),
        EpochCSVLogger(str(run_dir.history_path), append=True),
        backup,
        *([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if ema else []),
        keras.callbacks.ModelCheckpoint(
            str(run_dir.best_model_path),
            monitor=MONITOR,
            save_best_only=True,
            initial_value_threshold=best_so_far,
        ),
        ResumableEarlyStopping(run_dir, monitor=MONITOR, mode="min", patience=patience),
        keras.callbacks.TensorBoard(str(run_dir.tensorboard_dir), update_freq="epoch"),
        LearningCurvePlot(run_dir, title),
    ]
