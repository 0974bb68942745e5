"""Callbacks every trainer uses, wired so that an interrupted run resumes exactly."""

from __future__ import annotations

import keras

from shared.training.history import plot_learning_curves, read_history
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
                self.best, self.best_epoch, self.wait = value, int(row["epoch"]), 0
            else:
                self.wait += 1


def best_logged_value(run_dir: RunDirectory, monitor: str = MONITOR) -> float | None:
    values = [row[monitor] for row in read_history(run_dir.history_path) if monitor in row]
    return min(values) if values else None


def training_callbacks(
    run_dir: RunDirectory, patience: int, title: str = ""
) -> list[keras.callbacks.Callback]:
    """The standard set: history CSV, resume backup, best model, early stopping, logs, plot.

    Order matters: the history row of an epoch is written before that epoch's backup, so
    a kill between the two repeats a row (deduplicated on read) rather than losing one.
    """
    best_so_far = best_logged_value(run_dir)
    return [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(str(run_dir.history_path), append=True),
        # Keeps the previous backup until the new one is written, and falls back to it
        # if the newest is corrupt (a kill in the middle of a write).
        keras.callbacks.BackupAndRestore(str(run_dir.backup_dir), delete_checkpoint=False),
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
