"""Checkpoint averaging: the elementwise mean of the last epochs' weights.

As fairseq's `scripts/average_checkpoints.py` or OpenNMT-tf's `average_checkpoints`: the
weights at the end of each of the last K epochs are kept (`KeepEpochWeights`), and the
final model is their mean (`average_last_epochs`). The mean is taken over the
floating-point variables; others (e.g. dropout seed states) keep the newest values.
"""

from __future__ import annotations

import io
import re

import keras
import numpy as np

from shared.training.run_directory import RunDirectory, write_atomic

EPOCH_FILE = "epoch-{epoch:04d}.npz"
_EPOCH_PATTERN = re.compile(r"epoch-(\d+)\.npz$")


def epoch_weights_dir(run_dir: RunDirectory):
    return run_dir.path / "checkpoints" / "epochs"


def saved_epochs(run_dir: RunDirectory) -> list[int]:
    """Epoch numbers (from 1) whose weights are kept, ascending."""
    folder = epoch_weights_dir(run_dir)
    if not folder.is_dir():
        return []
    return sorted(
        int(m.group(1)) for p in folder.iterdir() if (m := _EPOCH_PATTERN.fullmatch(p.name))
    )


class KeepEpochWeights(keras.callbacks.Callback):
    """Saves the model's weights after every epoch, keeping the newest `keep` epochs.

    Files are written atomically, so a kill mid-save never leaves a torn one, and a
    resumed run overwrites the epochs it redoes. Placed after `SwapEMAWeights`, it keeps
    the averaged weights when the optimizer has a moving average (what the run keeps).
    """

    def __init__(self, run_dir: RunDirectory, keep: int):
        super().__init__()
        if keep < 1:
            raise ValueError(f"Expected keep >= 1. Received: keep={keep}")
        self.run_dir = run_dir
        self.keep = keep

    def on_epoch_end(self, epoch, logs=None):
        number = epoch + 1  # Keras counts from 0; history.csv and the files from 1
        folder = epoch_weights_dir(self.run_dir)
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, *[np.asarray(v.numpy()) for v in self.model.weights])
        write_atomic(folder / EPOCH_FILE.format(epoch=number), buffer.getvalue())
        for old in saved_epochs(self.run_dir):
            if old <= number - self.keep or old > number:  # too old, or from a redone future
                (folder / EPOCH_FILE.format(epoch=old)).unlink(missing_ok=True)


def average_weights(weight_lists: list[list[np.ndarray]]) -> list[np.ndarray]:
    """The elementwise mean of several models' weights (same architecture).

    Floating-point arrays are averaged (in float64, then cast back); any other array
    (integer seed states) is taken from the last model.
    """
    if not weight_lists:
        raise ValueError("Expected at least one set of weights to average. Received none.")
    shapes = [[w.shape for w in weights] for weights in weight_lists]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(
            "Expected weights of one architecture to average. Received sets of "
            f"{sorted({len(s) for s in shapes})} arrays with differing shapes."
        )
    averaged = []
    for arrays in zip(*weight_lists, strict=True):
        if np.issubdtype(arrays[-1].dtype, np.floating):
            mean = np.mean(np.stack([a.astype(np.float64) for a in arrays]), axis=0)
            averaged.append(mean.astype(arrays[-1].dtype))
        else:
            averaged.append(arrays[-1])
    return averaged


def average_last_epochs(model: keras.Model, run_dir: RunDirectory, last: int) -> list[int]:
    """Sets `model`'s weights to the mean of the last `last` kept epochs.

    Returns:
        The epochs averaged (fewer than `last` when fewer were trained or kept).

    Raises:
        ValueError: no kept epoch, or files that do not fit the model.
    """
    epochs = saved_epochs(run_dir)[-last:]
    if not epochs:
        raise ValueError(
            f"Expected epoch weights in {epoch_weights_dir(run_dir)} to average. Received none."
        )
    weight_lists = []
    for epoch in epochs:
        with np.load(epoch_weights_dir(run_dir) / EPOCH_FILE.format(epoch=epoch)) as data:
            weight_lists.append([data[f"arr_{i}"] for i in range(len(data.files))])
    expected = [tuple(v.shape) for v in model.weights]
    found = [tuple(w.shape) for w in weight_lists[-1]]
    if found != expected:
        raise ValueError(
            f"Expected epoch weights shaped as the model's {len(expected)} variables. "
            f"Received {len(found)} arrays in epoch {epochs[-1]} that do not fit."
        )
    for variable, value in zip(model.weights, average_weights(weight_lists), strict=True):
        variable.assign(value)
    return epochs
