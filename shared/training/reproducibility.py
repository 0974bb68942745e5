"""Seeds and determinism switches for reproducible runs."""

from __future__ import annotations

import keras
import tensorflow as tf


def set_seeds(seed: int, deterministic: bool = False) -> None:
    """Seeds Python, NumPy and TensorFlow; optionally makes TF ops deterministic.

    Seeding alone makes initial weights, splits and shuffles repeatable; op determinism
    also removes run-to-run float differences from parallel reductions, at some speed cost.
    """
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
