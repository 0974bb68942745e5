"""One place that turns a cell name into a Keras recurrent layer.

The encoder and the decoder both build their recurrent layers here, so `"lstm"`, `"gru"`
and `"simple_rnn"` mean the same thing everywhere and carry the same number of states.
"""

from __future__ import annotations

import keras

from shared.ids import CELL_TYPES, STATES_PER_CELL

RECURRENT_LAYERS = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "simple_rnn": keras.layers.SimpleRNN,
}
assert tuple(RECURRENT_LAYERS) == CELL_TYPES
__all__ = ["RECURRENT_LAYERS", "STATES_PER_CELL", "check_cell", "make_recurrent_layer"]


def check_cell(cell: str) -> str:
    """Returns `cell` if it names a supported recurrent cell, else raises a clear error."""
    if cell not in RECURRENT_LAYERS:
        raise ValueError(
            f"Expected `cell` to be one of {sorted(RECURRENT_LAYERS)}. Received: cell={cell!r}"
        )
    return cell


def make_recurrent_layer(
    cell: str,
    units: int,
    *,
    return_sequences: bool,
    return_state: bool,
    go_backwards: bool = False,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    name: str | None = None,
) -> keras.layers.RNN:
    """Creates a recurrent layer of the named cell type.

    Args:
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        units: size of the hidden state.
        return_sequences: return the output at every step, not only the last.
        return_state: also return the final state tensors.
        go_backwards: read the sequence right to left (used for the backward direction).
        dropout: dropout rate on the layer's inputs.
        recurrent_dropout: dropout rate on the recurrent state.
        name: layer name.

    Returns:
        An unbuilt `keras.layers.LSTM`, `GRU` or `SimpleRNN`.
    """
    layer_class = RECURRENT_LAYERS[check_cell(cell)]
    kwargs = {}
    if cell == "gru":
        # reset_after=True is the cuDNN-compatible variant and Keras' default; pin it so a
        # GPU-trained checkpoint loads on CPU and the other way round.
        kwargs["reset_after"] = True
    return layer_class(
        units,
        return_sequences=return_sequences,
        return_state=return_state,
        go_backwards=go_backwards,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        name=name,
        **kwargs,
    )
