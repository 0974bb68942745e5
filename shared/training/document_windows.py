"""Whole documents as stateful batches of consecutive windows (truncated BPTT's data).

`batch_slots` slots each read one document at a time as consecutive windows of `window`
token ids; when a slot's document ends, the next document (in a seeded order) starts in that
slot at the next step, with the slot's `reset` flag set so the trainer zeroes its state
there. A document never shares a slot step with another, so state never leaks between
documents or slots.

Loss policy: **every window is a training example** carrying its document's label ("the
label, given everything read so far"), and `last_window` marks where the document ends (the
whole-document prediction: the accuracy comparable to a truncated baseline). Loss on the
last window only would, with gradients cut at window boundaries, give the weights no signal
for storing anything read before the last window, so a label decided early in a long
document could not be learned; loss on every window trains both writing into the state
(early windows) and keeping it (later ones). `shared.training.stateful_steps` applies it.

Each step is `(features, labels)`: `features` holds `ids [slots, window]` (right padded
with `PAD_ID`), `reset`, `last_window` and `active` `[slots]` booleans; `labels [slots]`.
A slot with no document left (the last, partial steps) is idle: padding, `active` false
(no loss) and `reset` true. An empty document is read as one all-padding window.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from shared.ids import PAD_ID


@dataclass(frozen=True)
class WindowStep:
    """One step of every slot; `documents` gives each slot's document index (-1: idle)."""

    ids: np.ndarray
    reset: np.ndarray
    last_window: np.ndarray
    active: np.ndarray
    labels: np.ndarray
    documents: np.ndarray

    def features(self) -> dict[str, np.ndarray]:
        return {
            "ids": self.ids,
            "reset": self.reset,
            "last_window": self.last_window,
            "active": self.active,
        }


def check_window_settings(window: int, batch_slots: int) -> None:
    """A ValueError a user can act on for a window or slot count below 1."""
    for name, value in (("window", window), ("batch_slots", batch_slots)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"Expected `{name}` to be an integer >= 1. Received: {value!r}")


def checked_documents(
    documents: Sequence[Sequence[int]], labels: Sequence[int]
) -> list[np.ndarray]:
    """The documents as int32 arrays, after checking they fit their labels."""
    if len(documents) != len(labels):
        raise ValueError(
            f"Expected one label per document. Received: {len(documents)} document(s) and "
            f"{len(labels)} label(s)."
        )
    if not len(documents):
        raise ValueError("Expected at least one document. Received: none.")
    arrays = [np.asarray(doc, dtype=np.int64).reshape(-1) for doc in documents]
    for index, array in enumerate(arrays):
        if array.size and array.min() < 0:
            raise ValueError(
                f"Expected token ids >= 0. Received: {int(array.min())} in document {index}."
            )
    return [array.astype(np.int32) for array in arrays]


def document_order(count: int, *, shuffle: bool, seed: int, epoch: int) -> np.ndarray:
    """Document indices in reading order: seeded and different per epoch when shuffling."""
    if not shuffle:
        return np.arange(count)
    return np.random.default_rng([seed, epoch]).permutation(count)


def window_steps(
    documents: Sequence[np.ndarray],
    labels: Sequence[int],
    order: Sequence[int],
    *,
    window: int,
    batch_slots: int,
) -> Iterator[WindowStep]:
    """The steps that read `documents` in `order` through `batch_slots` slots."""
    check_window_settings(window, batch_slots)
    queue = iter(order)
    # Per slot: (document index, next position), or None when the slot needs a document.
    cursors: list[tuple[int, int] | None] = [None] * batch_slots
    exhausted = False
    while True:
        step = WindowStep(
            ids=np.full((batch_slots, window), PAD_ID, dtype=np.int32),
            reset=np.zeros(batch_slots, dtype=bool),
            last_window=np.zeros(batch_slots, dtype=bool),
            active=np.zeros(batch_slots, dtype=bool),
            labels=np.zeros(batch_slots, dtype=np.int32),
            documents=np.full(batch_slots, -1, dtype=np.int64),
        )
        for slot in range(batch_slots):
            if cursors[slot] is None:
                step.reset[slot] = True
                document = None if exhausted else next(queue, None)
                exhausted = document is None
                if document is None:
                    continue  # idle: padding, no loss
                cursors[slot] = (int(document), 0)
            document, position = cursors[slot]
            tokens = documents[document][position : position + window]
            step.ids[slot, : len(tokens)] = tokens
            step.active[slot] = True
            step.labels[slot] = labels[document]
            step.documents[slot] = document
            position += window
            step.last_window[slot] = position >= len(documents[document])
            cursors[slot] = None if step.last_window[slot] else (document, position)
        if not step.active.any():
            return
        yield step


def estimated_steps_per_epoch(
    documents: Sequence[Sequence[int]], *, window: int, batch_slots: int
) -> int:
    """Windows per epoch over slots, rounded up: the steps of an epoch give or take the few
    where some slots are already idle (for learning-rate schedules)."""
    check_window_settings(window, batch_slots)
    windows = sum(max(1, math.ceil(len(doc) / window)) for doc in documents)
    return math.ceil(windows / batch_slots)


def document_windows_dataset(
    documents: Sequence[Sequence[int]],
    labels: Sequence[int],
    *,
    window: int,
    batch_slots: int,
    shuffle: bool,
    seed: int = 0,
    first_epoch: int = 0,
) -> tf.data.Dataset:
    """A dataset of `(features, labels)` steps (see the module docstring).

    Each iteration over the dataset is one epoch; with `shuffle`, epoch `e` reads the
    documents in the order seeded by `(seed, e)`, counting from `first_epoch` (a resumed
    run passes the epoch it resumes at to continue the same sequence of orders).

    Args:
        documents: token id sequences of any length (no truncation).
        labels: one class id per document.
        window: tokens per window (the truncated-BPTT length).
        batch_slots: documents read side by side (the batch size).
        shuffle: read the documents in a seeded random order, new per epoch.
        seed: the shuffling seed.
        first_epoch: the epoch number of the first iteration.
    """
    check_window_settings(window, batch_slots)
    arrays = checked_documents(documents, labels)
    label_array = np.asarray(labels, dtype=np.int32)
    epochs = itertools.count(first_epoch)

    def one_epoch():
        order = document_order(len(arrays), shuffle=shuffle, seed=seed, epoch=next(epochs))
        steps = window_steps(arrays, label_array, order, window=window, batch_slots=batch_slots)
        for step in steps:
            yield step.features(), step.labels

    flag = tf.TensorSpec((batch_slots,), tf.bool)
    signature = (
        {
            "ids": tf.TensorSpec((batch_slots, window), tf.int32),
            "reset": flag,
            "last_window": flag,
            "active": flag,
        },
        tf.TensorSpec((batch_slots,), tf.int32),
    )
    return tf.data.Dataset.from_generator(one_epoch, output_signature=signature)
