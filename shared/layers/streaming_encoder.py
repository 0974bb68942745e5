"""A forward-only recurrent encoder that reads a text chunk by chunk, carrying its state."""

from __future__ import annotations

import keras
from keras import ops

from shared.ids import STATE_NAMES
from shared.layers.masking import padding_mask_from_ids
from shared.layers.recurrent_encoder_base import RecurrentEncoderBase
from shared.layers.sequence_pooling import POOLING_MODES

STREAMING_POOLING = ("final_state", *POOLING_MODES)
# The running max starts here, below any recurrent output, so the first real step wins.
NO_MAX = -1e9


@keras.saving.register_keras_serializable(package="rnn_suite")
class StreamingRecurrentEncoder(RecurrentEncoderBase):
    """Embedding -> stacked forward RNNs -> pooling, resumable from an explicit state.

    `call(chunk_ids, state)` reads one chunk and returns the pooled features of
    everything read so far and the state to pass with the next chunk, so a text fed in
    k chunks ends with the features of the whole text (within float tolerance), and
    each chunk costs only its own length. The state holds the recurrent states and what
    pooling needs (a running sum and count for mean, a running max); nothing lives in
    variables, so a stateless server or a phone can hold it for the client.

    What it gives up against `BidirectionalRecurrentEncoder`: no backward direction, so
    a word is read knowing only the words before it (a backward direction would have to
    re-read the whole text at every chunk). Expect a little less accuracy on texts
    whose verdict depends on what comes later.

    Masking policy (the project's only one): pad id 0, right padding. Padded positions
    move neither the recurrent state nor the pooling accumulators, so a padded batch
    gives the rows' unpadded answers and an all-padding chunk changes nothing.

    Args:
        vocabulary_size: number of token ids, including pad (0) and unknown.
        embedding_dim: size of the token embeddings.
        units: hidden size of each recurrent layer.
        num_layers: how many recurrent layers are stacked.
        cell: one of `shared.ids.CELL_TYPES`.
        pooling: `"final_state"` (the last layer's hidden state), `"mean"`, `"max"` or
            `"mean_max"` over the last layer's outputs at real tokens.
        dropout: dropout rate on the inputs of every recurrent layer.
        recurrent_dropout: dropout rate on the recurrent state.
        embedding_dropout: dropout rate on whole token vectors.
        embedding_trainable: False freezes the embedding.
        **kwargs: standard `keras.layers.Layer` arguments.

    Call arguments:
        chunk_ids: int tensor `[batch, length]`, right-padded with 0 (length >= 1).
        state: None to start a stream, else the dict a previous call returned.
        training: Python bool, enables dropout.

    Returns:
        `(features, new_state)`: `features` is `[batch, output_dim]`; `new_state` maps
        each name of `state_sizes` to a float tensor `[batch, size]`.

    Example:
        >>> encoder = StreamingRecurrentEncoder(vocabulary_size=100, units=8)
        >>> features, state = encoder(keras.ops.array([[5, 7]]))
        >>> features, state = encoder(keras.ops.array([[9]]), state)
        >>> features.shape, list(state)
        (TensorShape([1, 16]), ['hidden_0', 'carry_0', 'pooled_count', 'pooled_sum', 'pooled_max'])
    """

    CONFIG_ARGUMENTS = (*RecurrentEncoderBase.CONFIG_ARGUMENTS, "pooling")

    def __init__(self, vocabulary_size: int, pooling: str = "mean_max", **kwargs):
        # The other settings are `RecurrentEncoderBase`'s (see Args above).
        if pooling not in STREAMING_POOLING:
            raise ValueError(
                f"Expected `pooling` in {STREAMING_POOLING}. Received: pooling={pooling!r}"
            )
        super().__init__(vocabulary_size, **kwargs)
        self.pooling = pooling
        self.recurrent_layers = [self.make_recurrent_layer(i) for i in range(self.num_layers)]

    @property
    def output_dim(self) -> int:
        """Feature size: `2 * units` for `"mean_max"`, else `units`."""
        return 2 * self.units if self.pooling == "mean_max" else self.units

    def recurrent_state_names(self, index: int) -> tuple[str, ...]:
        """State names of recurrent layer `index`, in `shared.ids.STATE_NAMES` order."""
        return tuple(f"{name}_{index}" for name in STATE_NAMES[self.cell])

    @property
    def state_sizes(self) -> dict[str, int]:
        """Every state tensor's name and width, in the order signatures list them."""
        sizes = {
            name: self.units
            for index in range(self.num_layers)
            for name in self.recurrent_state_names(index)
        }
        if self.pooling != "final_state":
            sizes["pooled_count"] = 1
        if self.pooling in ("mean", "mean_max"):
            sizes["pooled_sum"] = self.units
        if self.pooling in ("max", "mean_max"):
            sizes["pooled_max"] = self.units
        return sizes

    def initial_state(self, batch_size) -> dict:
        """The state of a stream that has read nothing (what `state=None` means)."""
        return {
            name: ops.full(
                (batch_size, size),
                NO_MAX if name == "pooled_max" else 0.0,
                dtype=self.compute_dtype,
            )
            for name, size in self.state_sizes.items()
        }

    def build(self, chunk_ids_shape, state_shape=None):
        self.build_stack(chunk_ids_shape, layer_output_dim=self.units)

    def call(self, chunk_ids, state=None, training=None):
        mask = padding_mask_from_ids(chunk_ids)
        if state is None:
            state = self.initial_state(ops.shape(chunk_ids)[0])
        sequence = self.embed(chunk_ids, training=training)
        new_state = {}
        for index, layer in enumerate(self.recurrent_layers):
            names = self.recurrent_state_names(index)
            outputs = layer(
                sequence,
                initial_state=[state[name] for name in names],
                mask=mask,
                training=training,
            )
            sequence = outputs[0]
            new_state.update(zip(names, outputs[1:], strict=True))
        new_state.update(self._accumulate(sequence, mask, state))
        return self.pooled_features(new_state), new_state

    def _accumulate(self, sequence, mask, state) -> dict:
        """The pooling accumulators after this chunk's real steps (padding adds nothing)."""
        if self.pooling == "final_state":
            return {}
        weights = ops.expand_dims(ops.cast(mask, sequence.dtype), -1)
        updated = {"pooled_count": state["pooled_count"] + ops.sum(weights, axis=1)}
        if "pooled_sum" in state:
            updated["pooled_sum"] = state["pooled_sum"] + ops.sum(sequence * weights, axis=1)
        if "pooled_max" in state:
            masked = ops.where(weights > 0, sequence, ops.full_like(sequence, NO_MAX))
            updated["pooled_max"] = ops.maximum(state["pooled_max"], ops.max(masked, axis=1))
        return updated

    def pooled_features(self, state) -> keras.KerasTensor:
        """The features of everything read so far, as `MaskedSequencePooling` pools it.

        A stream that has read no token gives zeros (as an all-padding row does).
        """
        if self.pooling == "final_state":
            return state[f"hidden_{self.num_layers - 1}"]
        count = state["pooled_count"]
        pooled = []
        if "pooled_sum" in state:
            pooled.append(state["pooled_sum"] / ops.maximum(count, 1.0))
        if "pooled_max" in state:
            pooled.append(state["pooled_max"] * ops.cast(count > 0, count.dtype))
        return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)

    def compute_mask(self, chunk_ids, state=None):
        return None  # masks travel explicitly, as in BidirectionalRecurrentEncoder

    def compute_output_spec(self, chunk_ids, state=None, training=None):
        batch = chunk_ids.shape[0]
        features = keras.KerasTensor((batch, self.output_dim), dtype=self.compute_dtype)
        # One KerasTensor per state: a functional graph tells outputs apart by identity.
        new_state = {
            name: keras.KerasTensor((batch, size), dtype=self.compute_dtype)
            for name, size in self.state_sizes.items()
        }
        return features, new_state
