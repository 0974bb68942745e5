"""An attention-free recurrent decoder with a full-sequence and a one-token entry point."""

from __future__ import annotations

import keras
from keras import ops

from shared.ids import STATES_PER_CELL
from shared.layers.recurrent import check_cell, make_recurrent_layer


@keras.saving.register_keras_serializable(package="rnn_suite")
class RecurrentDecoder(keras.layers.Layer):
    """Embedding -> stacked RNN -> projection to target-vocabulary logits.

    Two entry points share every weight:
    - `call(target_in, initial_state)` runs a whole teacher-forced sequence (training);
    - `step(token, states)` advances one token (inference: greedy or beam search).
    Running `step` token by token reproduces `call` (tested).

    No mask: the decoder reads left to right, so right padding can only affect steps
    after the real tokens, and those are excluded from the loss by a sample weight.

    Args:
        vocabulary_size: target vocabulary size (special tokens included).
        embedding_dim: size of the target-token embeddings.
        units: hidden size of each recurrent layer.
        num_layers: how many recurrent layers are stacked.
        cell: `"lstm"` (default), `"gru"` or `"simple_rnn"`.
        dropout: dropout on the inputs of every recurrent layer and before the projection.
        tie_embeddings: share one matrix between the input embedding and the output
            projection (Press & Wolf 2017; OpenNMT-tf's `share_embeddings`, fairseq's
            `share_decoder_input_output_embed`): logits are `features @ embedding^T + bias`.
            When `units != embedding_dim` a linear `output_adapter` first maps the
            recurrent features to `embedding_dim`. Saves `vocabulary_size x units`
            weights minus the adapter's.
        **kwargs: standard `keras.layers.Layer` arguments.

    Call arguments:
        target_in: int tensor `[batch, length]`: `[START]` followed by the target shifted.
        initial_state: tuple with one entry per layer, each a tuple of `[batch, units]`
            tensors (`(hidden, carry)` for LSTM), e.g. from `StateBridge`.
        training: Python bool, enables dropout.

    Returns:
        Logits `[batch, length, vocabulary_size]`.
    """

    def __init__(
        self,
        vocabulary_size: int,
        embedding_dim: int = 128,
        units: int = 256,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        tie_embeddings: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_layers < 1:
            raise ValueError(f"Expected `num_layers` >= 1. Received: num_layers={num_layers}")
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.num_layers = num_layers
        self.cell = check_cell(cell)
        self.dropout = dropout
        self.tie_embeddings = tie_embeddings

        self.embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")
        self.recurrent_layers = [
            make_recurrent_layer(
                cell,
                units,
                return_sequences=True,
                return_state=True,
                dropout=dropout,
                name=f"{cell}_{index}",
            )
            for index in range(num_layers)
        ]
        self.output_dropout = keras.layers.Dropout(dropout, name="output_dropout")
        if tie_embeddings:
            # The projection is the embedding matrix itself (plus a bias made in build).
            self.projection = None
            self.output_adapter = (
                keras.layers.Dense(embedding_dim, name="output_adapter")
                if units != embedding_dim
                else None
            )
        else:
            self.projection = keras.layers.Dense(vocabulary_size, name="projection")

    @property
    def states_per_layer(self) -> int:
        return STATES_PER_CELL[self.cell]

    def build(self, target_in_shape, initial_state_shape=None):
        self.embedding.build(target_in_shape)
        features = tuple(target_in_shape) + (self.embedding_dim,)
        for layer in self.recurrent_layers:
            layer.build(features)
            features = tuple(target_in_shape) + (self.units,)
        if not self.tie_embeddings:
            self.projection.build(features)
            return
        if self.output_adapter is not None:
            self.output_adapter.build(features)
        self.output_bias = self.add_weight(
            shape=(self.vocabulary_size,), initializer="zeros", name="output_bias"
        )

    def logits(self, features):
        """Recurrent features `[..., units]` -> logits `[..., vocabulary_size]`."""
        if not self.tie_embeddings:
            return self.projection(features)
        if self.output_adapter is not None:
            features = self.output_adapter(features)
        return ops.matmul(features, ops.transpose(self.embedding.embeddings)) + self.output_bias

    def call(self, target_in, initial_state, training=None):
        self._check_states(initial_state)
        features = self.embedding(target_in)
        for layer, state in zip(self.recurrent_layers, initial_state, strict=True):
            features = layer(features, initial_state=list(state), training=training)[0]
        features = self.output_dropout(features, training=training)
        return self.logits(features)

    def step(self, token, states):
        """Advances every sequence in the batch by one token.

        Args:
            token: int tensor `[batch]`, the previous output token (`[START]` first).
            states: the recurrent states, structured as `initial_state` of `call`.

        Returns:
            `(logits [batch, vocabulary_size], new_states)`.
        """
        self._check_states(states)
        features = self.embedding(token)
        new_states = []
        for layer, state in zip(self.recurrent_layers, states, strict=True):
            features, state = layer.cell(features, list(state), training=False)
            new_states.append(tuple(state))
        return self.logits(features), tuple(new_states)

    def _check_states(self, states):
        if len(states) != self.num_layers or any(len(s) != self.states_per_layer for s in states):
            received = [len(s) for s in states]
            raise ValueError(
                f"Expected {self.num_layers} layer state(s) of {self.states_per_layer} "
                f"tensor(s) each for a {self.cell} decoder. Received: {received}"
            )

    def compute_output_shape(self, target_in_shape, initial_state_shape=None):
        return tuple(target_in_shape) + (self.vocabulary_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "units": self.units,
                "num_layers": self.num_layers,
                "cell": self.cell,
                "dropout": self.dropout,
                "tie_embeddings": self.tie_embeddings,
            }
        )
        return config
