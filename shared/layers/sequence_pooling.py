"""Pools a padded sequence of features into one vector, ignoring the padding."""

from __future__ import annotations

import keras
from keras import ops

POOLING_MODES = ("mean", "max", "mean_max")


@keras.saving.register_keras_serializable(package="rnn_suite")
class MaskedSequencePooling(keras.layers.Layer):
    """Mean, max, or both (concatenated) over the unpadded steps of a sequence.

    Args:
        mode: `"mean"`, `"max"` or `"mean_max"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Call arguments:
        sequence: float tensor `[batch, length, features]`.
        padding_mask: bool tensor `[batch, length]`, True on real steps.

    Returns:
        `[batch, features]` (`[batch, 2 * features]` for `"mean_max"`). An all-padding
        row pools to zeros rather than NaN or -inf.
    """

    def __init__(self, mode: str = "mean_max", **kwargs):
        super().__init__(**kwargs)
        if mode not in POOLING_MODES:
            raise ValueError(f"Expected `mode` to be one of {POOLING_MODES}. Received: {mode!r}")
        self.mode = mode

    def call(self, sequence, padding_mask):
        weights = ops.expand_dims(ops.cast(padding_mask, sequence.dtype), -1)
        pooled = []
        if self.mode in ("mean", "mean_max"):
            count = ops.maximum(ops.sum(weights, axis=1), 1.0)
            pooled.append(ops.sum(sequence * weights, axis=1) / count)
        if self.mode in ("max", "mean_max"):
            # Padded steps get a large negative value so they never win the max; rows with
            # no real step at all are zeroed afterwards.
            masked = ops.where(weights > 0, sequence, ops.full_like(sequence, -1e9))
            has_tokens = ops.cast(ops.sum(weights, axis=1) > 0, sequence.dtype)
            pooled.append(ops.max(masked, axis=1) * has_tokens)
        return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)

    def compute_output_shape(self, sequence_shape, padding_mask_shape=None):
        features = sequence_shape[-1]
        if features is not None and self.mode == "mean_max":
            features *= 2
        return (sequence_shape[0], features)

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode})
        return config
