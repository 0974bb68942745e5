"""A stacked bidirectional recurrent encoder over token ids."""

from __future__ import annotations

import keras
from keras import ops

from shared.layers.masking import padding_mask_from_ids
from shared.layers.recurrent import STATES_PER_CELL
from shared.layers.recurrent_encoder_base import RecurrentEncoderBase


@keras.saving.register_keras_serializable(package="rnn_suite")
class BidirectionalRecurrentEncoder(RecurrentEncoderBase):
    """Embeds token ids and reads them with stacked bidirectional RNNs.

    Masking policy (the project's only one): pad id 0, right padding. The padding mask is
    derived from the ids (or passed explicitly) and handed to every recurrent layer, so a
    padded sequence ends in exactly the state its unpadded version ends in, in both
    directions.

    Args:
        vocabulary_size: number of token ids, including pad (0) and unknown.
        embedding_dim: size of the token embeddings.
        units: hidden size of each direction of each recurrent layer.
        num_layers: how many bidirectional layers are stacked.
        cell: `"lstm"` (default), `"gru"` or `"simple_rnn"`.
        dropout: dropout rate on the inputs of every recurrent layer.
        recurrent_dropout: dropout rate on the recurrent state (slower; 0 by default).
        embedding_dropout: dropout rate on the embeddings (whole-token vectors).
        embedding_trainable: False freezes the embedding (pretrained word vectors kept
            as they are); saved in the config, so a reloaded model stays frozen.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        token_ids: int tensor `[batch, length]`, right-padded with 0.
        mask: optional bool tensor `[batch, length]`; defaults to `token_ids != 0`.
        training: Python bool, enables dropout.

    Returns:
        `(sequence, states)`: `sequence` is `[batch, length, 2 * units]` (forward and
        backward outputs concatenated; padded steps hold zeros); `states` is a tuple with
        one entry per layer, each `(forward_states, backward_states)`, each a tuple of
        `[batch, units]` tensors: `(hidden, carry)` for LSTM, `(hidden,)` otherwise.

    Example:
        >>> encoder = BidirectionalRecurrentEncoder(vocabulary_size=100, units=8)
        >>> sequence, states = encoder(keras.ops.array([[5, 7, 9, 0]]))
        >>> sequence.shape, len(states), len(states[0][0])
        (TensorShape([1, 4, 16]), 1, 2)
    """

    def __init__(self, vocabulary_size: int, **kwargs):
        # Every setting is `RecurrentEncoderBase`'s (see Args above).
        super().__init__(vocabulary_size, **kwargs)
        self.recurrent_layers = [
            keras.layers.Bidirectional(
                self.make_recurrent_layer(index),
                merge_mode="concat",
                name=f"bidirectional_{index}",
            )
            for index in range(self.num_layers)
        ]

    @property
    def states_per_direction(self) -> int:
        """How many state tensors each direction carries (2 for LSTM, else 1)."""
        return STATES_PER_CELL[self.cell]

    @property
    def output_dim(self) -> int:
        """Feature size of the returned sequence (forward and backward concatenated)."""
        return 2 * self.units

    def build(self, token_ids_shape):
        self.build_stack(token_ids_shape, layer_output_dim=self.output_dim)

    def call(self, token_ids, mask=None, training=None):
        if mask is None:
            mask = padding_mask_from_ids(token_ids)
        features = self.embed(token_ids, training=training)
        states = []
        n = self.states_per_direction
        for layer in self.recurrent_layers:
            outputs = layer(features, mask=mask, training=training)
            features = outputs[0]
            states.append((tuple(outputs[1 : 1 + n]), tuple(outputs[1 + n : 1 + 2 * n])))
        # Zero the padded positions so pooling and attention-free consumers can never
        # read state that leaked past the end of a sequence.
        sequence = features * ops.expand_dims(ops.cast(mask, features.dtype), -1)
        return sequence, tuple(states)

    def compute_mask(self, token_ids, mask=None):
        # Masks travel explicitly (`padding_mask_from_ids`), never implicitly through
        # Keras' mask propagation: one policy, visible at every call site.
        return None

    def compute_output_spec(self, token_ids, mask=None, training=None):
        batch, length = token_ids.shape[0], token_ids.shape[1]
        sequence = keras.KerasTensor((batch, length, self.output_dim), dtype=self.compute_dtype)

        def direction():
            # A fresh KerasTensor per state: a functional graph tells outputs apart by
            # identity, so a shared one would make every state the same output.
            return tuple(
                keras.KerasTensor((batch, self.units), dtype=self.compute_dtype)
                for _ in range(self.states_per_direction)
            )

        return sequence, tuple((direction(), direction()) for _ in range(self.num_layers))
