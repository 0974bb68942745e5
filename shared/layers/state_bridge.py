"""Maps a bidirectional encoder's final states to a decoder's initial states."""

from __future__ import annotations

import keras
from keras import ops

from shared.ids import STATES_PER_CELL
from shared.layers.recurrent import check_cell

BRIDGE_MODES = ("auto", "copy", "dense")


@keras.saving.register_keras_serializable(package="rnn_suite")
class StateBridge(keras.layers.Layer):
    """Encoder states `((forward, backward), ...)` -> decoder states `(layer_states, ...)`.

    Forward and backward states are concatenated (`[batch, 2 * encoder_units]`). Then:
    - `"copy"` hands them over unchanged: needs `decoder_units == 2 * encoder_units` and
      an encoder cell that carries every state the decoder cell needs;
    - `"dense"` projects each one with its own Dense layer (tanh for hidden states,
      linear for LSTM carries, which are not bounded);
    - `"auto"` copies when that fits and projects otherwise.
    Decoder layer `i` starts from encoder layer `i` when both stacks are equally deep,
    otherwise every decoder layer starts from the encoder's top layer. A decoder LSTM
    behind a GRU or simple-RNN encoder gets its carry from the encoder's hidden state.

    Args:
        decoder_units: hidden size of the decoder layers.
        decoder_cell: the decoder's cell type.
        decoder_num_layers: how many decoder layers need states.
        mode: `"auto"`, `"copy"` or `"dense"`.
        **kwargs: standard `keras.layers.Layer` arguments.
    """

    def __init__(
        self,
        decoder_units: int,
        decoder_cell: str = "lstm",
        decoder_num_layers: int = 1,
        mode: str = "auto",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if mode not in BRIDGE_MODES:
            raise ValueError(f"Expected `mode` in {BRIDGE_MODES}. Received: mode={mode!r}")
        self.decoder_units = decoder_units
        self.decoder_cell = check_cell(decoder_cell)
        self.decoder_num_layers = decoder_num_layers
        self.mode = mode
        self.projections = None

    def build(self, encoder_states_shape):
        encoder_layers = len(encoder_states_shape)
        forward = encoder_states_shape[0][0]
        self._encoder_states_per_direction = len(forward)
        encoder_units = forward[0][-1]
        needed = STATES_PER_CELL[self.decoder_cell]
        fits = (
            2 * encoder_units == self.decoder_units and self._encoder_states_per_direction >= needed
        )
        if self.mode == "copy" and not fits:
            raise ValueError(
                "Expected decoder_units == 2 * encoder_units "
                f"(= {2 * encoder_units}) and an encoder carrying {needed} state(s) per "
                "direction to copy states. Received: decoder_units="
                f"{self.decoder_units}, {self._encoder_states_per_direction} encoder "
                "state(s). Use mode='dense' (or 'auto') to project them instead."
            )
        self._copy = fits and self.mode != "dense"
        self._source_layers = [
            i if encoder_layers == self.decoder_num_layers else encoder_layers - 1
            for i in range(self.decoder_num_layers)
        ]
        if not self._copy:
            self.projections = [
                [
                    keras.layers.Dense(
                        self.decoder_units,
                        activation="tanh" if kind == 0 else None,
                        name=f"layer_{layer}_state_{kind}",
                    )
                    for kind in range(needed)
                ]
                for layer in range(self.decoder_num_layers)
            ]
            for layer_projections in self.projections:
                for projection in layer_projections:
                    projection.build((None, 2 * encoder_units))

    def call(self, encoder_states):
        decoder_states = []
        for layer, source in enumerate(self._source_layers):
            forward, backward = encoder_states[source]
            states = []
            for kind in range(STATES_PER_CELL[self.decoder_cell]):
                # An encoder without a carry lends its hidden state instead.
                source_kind = kind if kind < self._encoder_states_per_direction else 0
                joined = ops.concatenate([forward[source_kind], backward[source_kind]], -1)
                if not self._copy:
                    joined = self.projections[layer][kind](joined)
                states.append(joined)
            decoder_states.append(tuple(states))
        return tuple(decoder_states)

    def compute_output_spec(self, encoder_states):
        batch = encoder_states[0][0][0].shape[0]
        # A fresh KerasTensor per state: a functional graph tells outputs apart by identity.
        return tuple(
            tuple(
                keras.KerasTensor((batch, self.decoder_units), dtype=self.compute_dtype)
                for _ in range(STATES_PER_CELL[self.decoder_cell])
            )
            for _ in range(self.decoder_num_layers)
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "decoder_units": self.decoder_units,
                "decoder_cell": self.decoder_cell,
                "decoder_num_layers": self.decoder_num_layers,
                "mode": self.mode,
            }
        )
        return config
