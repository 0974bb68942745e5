"""Validation accuracy against training time, sampled inside epochs.

"How long until the model is as good as X" needs more points than one per epoch: a
`ValidationTrace` scores the validation set every `every_steps` training steps and keeps
`(training seconds, steps, accuracy)`. The time spent scoring is excluded from the clock;
everything else the fit does (Keras' own validation, checkpoints) stays in it, because
users pay for it too.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import keras
import numpy as np


@dataclasses.dataclass(frozen=True)
class TracePoint:
    seconds: float
    steps: int
    accuracy: float


class ValidationTrace(keras.callbacks.Callback):
    """Scores `validation_batches` every `every_steps` steps (and at the end of each epoch).

    Args:
        validation_batches: `(inputs, labels)` numpy pairs, scored with `predict_on_batch`;
            or a function returning them, called when training begins (the app's train
            command builds its vocabulary just before fitting).
        every_steps: training steps between two scores.
        to_labels: maps the model's outputs to predicted label ids (softmax: argmax;
            a single sigmoid: `> 0.5`).
    """

    def __init__(
        self,
        validation_batches: list[tuple[np.ndarray, np.ndarray]] | Callable[[], list],
        every_steps: int,
        to_labels: Callable[[np.ndarray], np.ndarray] | None = None,
    ):
        super().__init__()
        if every_steps < 1:
            raise ValueError(f"Expected `every_steps` >= 1. Received: {every_steps}")
        self.validation_batches = validation_batches
        self.every_steps = every_steps
        self.to_labels = to_labels or (lambda outputs: np.argmax(outputs, axis=-1))
        self.points: list[TracePoint] = []
        self._started = None
        self.excluded_seconds = 0.0
        self._steps = 0
        self.total_seconds = 0.0

    def training_seconds(self) -> float:
        """Seconds since training began, minus the time spent scoring."""
        return time.perf_counter() - self._started - self.excluded_seconds

    def accuracy(self) -> float:
        correct = total = 0
        for inputs, labels in self.validation_batches:
            predicted = self.to_labels(np.asarray(self.model.predict_on_batch(inputs)))
            correct += int(np.sum(predicted.reshape(-1) == np.asarray(labels).reshape(-1)))
            total += len(labels)
        return correct / max(total, 1)

    def _record(self) -> None:
        if self.points and self.points[-1].steps == self._steps:
            return
        seconds = self.training_seconds()
        paused = time.perf_counter()
        self.points.append(TracePoint(round(seconds, 3), self._steps, self.accuracy()))
        self.excluded_seconds += time.perf_counter() - paused

    def on_train_begin(self, logs=None):
        if callable(self.validation_batches):
            self.validation_batches = self.validation_batches()
        self._started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._steps += 1
        if self._steps % self.every_steps == 0:
            self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()

    def on_train_end(self, logs=None):
        self.total_seconds = self.training_seconds()


def seconds_to_reach(points: list[TracePoint], accuracy: float) -> float | None:
    """Training seconds at the first point with at least `accuracy`; None if never."""
    for point in points:
        if point.accuracy >= accuracy:
            return point.seconds
    return None


def batches_of(dataset, limit: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """A `tf.data` dataset of `(inputs, labels)` as numpy pairs (scored many times, so cached)."""
    batches = []
    for inputs, labels, *_ in dataset.as_numpy_iterator():
        batches.append((inputs, labels))
        if limit is not None and sum(len(b[1]) for b in batches) >= limit:
            break
    return batches
