"""The project's masking policy, written down once: pad id 0, right padding."""

from __future__ import annotations

import keras
from keras import ops

from shared.ids import PAD_ID


def padding_mask_from_ids(token_ids):
    """Returns a bool mask `[batch, length]` that is True on real tokens (id != 0)."""
    return ops.not_equal(token_ids, PAD_ID)


@keras.saving.register_keras_serializable(package="rnn_suite")
class PaddingMask(keras.layers.Layer):
    """`padding_mask_from_ids` as a layer, for functional models (no Lambda to unpickle)."""

    def call(self, token_ids):
        return padding_mask_from_ids(token_ids)

    def compute_output_spec(self, token_ids):
        return keras.KerasTensor(token_ids.shape, dtype="bool")
