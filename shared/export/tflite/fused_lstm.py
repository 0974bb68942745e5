"""Keras LSTMs as TFLite's fused LSTM op, computing exactly what Keras computes.

A Keras 3 LSTM converts to a `WHILE` loop of ~30 small ops per step, and the loop copies
its carried tensors every iteration: cost grows faster than the length (15 us/token at 32
tokens, 34 at 512). TFLite's fused `UNIDIRECTIONAL_SEQUENCE_LSTM` runs the whole sequence
in one kernel. The converter emits it for a function carrying the attributes Keras 2 used
(`api_implements` starting with "lstm_", `time_major`), taking `(inputs, init_h, init_c,
kernel, recurrent_kernel, bias)` and returning five values of which only the first two
(last output, full sequence) may be used: it replaces the final states with zeros.

Three differences from Keras, and how each is handled:
- no mask input: `fused_encoder_call` reverses each row up to its length instead;
- the converter writes `cell_clip = 10.0` into the op, so the kernel clips the cell state
  to +-10 where Keras does not clip at all. Trained sentiment models reach |c| = 72 on a
  long repetitive review, and the clipped model then differs from Keras (1e-4 on the
  probabilities of "great " * 50 + "awful " * 40). `remove_lstm_clipping` rewrites the
  option to 0.0 (the kernels' "no clipping") in every fused LSTM op after converting;
- its states live in variable tensors that every call overwrites (the kernel accepts no
  other tensor there): `shared.export.tflite.state_zeroing` makes each call zero them
  first, so the model carries no state from one call to the next.
"""

from __future__ import annotations

import struct

import keras
import tensorflow as tf
from ai_edge_litert import schema_py_generated as schema

from shared.edge.flatbuffer import RESET_CELL_CLIP

# The fused LSTM ops and their options tables. All three tables hold `cell_clip` and
# `proj_clip` as fields 1 and 2 (after `fused_activation_function`), at the same vtable slots.
_LSTM_OPTIONS = {
    schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM: (
        schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions,
        schema.UnidirectionalSequenceLSTMOptions,
    ),
    schema.BuiltinOperator.BIDIRECTIONAL_SEQUENCE_LSTM: (
        schema.BuiltinOptions.BidirectionalSequenceLSTMOptions,
        schema.BidirectionalSequenceLSTMOptions,
    ),
    schema.BuiltinOperator.LSTM: (schema.BuiltinOptions.LSTMOptions, schema.LSTMOptions),
}
_CLIP_SLOTS = {"cell_clip": 6, "proj_clip": 8}  # flatbuffers vtable offsets: 4 + 2 * field

_FUSED_LSTM_ATTRIBUTES = {
    "api_implements": "lstm_rnn_suite",
    "time_major": False,
    "go_backwards": False,
}


@tf.function(experimental_attributes=_FUSED_LSTM_ATTRIBUTES, autograph=False)
def fusable_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias):
    """A Keras LSTM layer (gates i, f, c, o; sigmoid and tanh) that TFLite fuses into one op.

    TensorFlow runs this body; the TFLite converter replaces it with
    `UNIDIRECTIONAL_SEQUENCE_LSTM` (convert with
    `shared.export.tflite.converter.convert_saved_model`, which also removes the clipping
    the converter adds). Use only the first two results.

    Returns:
        `(last_output [batch, units], outputs [batch, time, units], h, c, runtime)`.
    """
    projected = tf.einsum("btf,fg->tbg", inputs, kernel) + bias

    def step(carry, projected_t):
        h, c = carry
        i, f, g, o = tf.split(projected_t + tf.matmul(h, recurrent_kernel), 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    hs, cs = tf.scan(step, projected, initializer=(init_h, init_c))
    outputs = tf.transpose(hs, [1, 0, 2])
    return outputs[:, -1], outputs, hs[-1], cs[-1], tf.constant(0.0)


def lstm_encoder_is_fusable(encoder) -> bool:
    """Whether `fused_encoder_call` reproduces this `BidirectionalRecurrentEncoder`."""
    if encoder.cell != "lstm":
        return False
    for layer in encoder.recurrent_layers:
        for direction in (layer.forward_layer, layer.backward_layer):
            cell = direction.cell
            plain = (
                cell.use_bias
                and cell.activation is keras.activations.tanh
                and cell.recurrent_activation is keras.activations.sigmoid
            )
            if not plain:
                return False
    return True


def fused_encoder_call(encoder, token_ids):
    """`BidirectionalRecurrentEncoder.call` for export graphs, on TFLite's fused LSTMs.

    Same masking policy (right padding with id 0): the backward direction reads each row
    reversed up to its length (`REVERSE_SEQUENCE`), padded steps come after the real ones
    in both directions, so they never reach the outputs that count, and padded positions
    of the sequence are zeroed as the encoder zeroes them.

    Args:
        encoder: a `BidirectionalRecurrentEncoder` with `lstm_encoder_is_fusable`.
        token_ids: int32 `[batch, length]` with a static batch (the fused op needs it).

    Returns:
        `(sequence [batch, length, 2 * units], hidden)`: `hidden` has one entry per layer,
        `(forward_h, backward_h)`, the final hidden states (zeros for an all-padding
        row, as the masked Keras layer leaves them). Final carries are not available: the
        fused op does not return them.
    """
    if not lstm_encoder_is_fusable(encoder):
        raise ValueError(
            "Expected a BidirectionalRecurrentEncoder of plain LSTMs (tanh, sigmoid, bias) "
            f"to fuse. Received cell={encoder.cell!r}: export it unfused instead."
        )
    mask = tf.not_equal(token_ids, 0)
    lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
    last = tf.maximum(lengths - 1, 0)
    has_tokens = tf.cast(lengths > 0, tf.float32)[:, None]
    zeros = tf.zeros([token_ids.shape[0], encoder.units])
    features = encoder.embedding(token_ids)

    def run(direction, inputs):
        cell = direction.cell
        weights = [tf.convert_to_tensor(w.value) for w in (cell.kernel, cell.recurrent_kernel)]
        bias = tf.convert_to_tensor(cell.bias.value)
        return fusable_lstm(inputs, zeros, zeros, *weights, bias)[1]

    def reverse(sequence):
        return tf.reverse_sequence(sequence, lengths, seq_axis=1, batch_axis=0)

    hidden = []
    for layer in encoder.recurrent_layers:
        forward = run(layer.forward_layer, features)
        backward_reversed = run(layer.backward_layer, reverse(features))
        # The backward direction ends on the first token: its output at step length - 1.
        hidden.append(
            (
                tf.gather(forward, last, batch_dims=1) * has_tokens,
                tf.gather(backward_reversed, last, batch_dims=1) * has_tokens,
            )
        )
        features = tf.concat([forward, reverse(backward_reversed)], axis=-1)
    sequence = features * tf.cast(mask, features.dtype)[:, :, None]
    return sequence, tuple(hidden)


def streaming_encoder_is_fusable(encoder) -> bool:
    """Whether `fused_streaming_features` reproduces this `StreamingRecurrentEncoder`."""
    if encoder.cell != "lstm":
        return False
    return all(
        layer.cell.use_bias
        and layer.cell.activation is keras.activations.tanh
        and layer.cell.recurrent_activation is keras.activations.sigmoid
        for layer in encoder.recurrent_layers
    )


def fused_streaming_features(encoder, token_ids):
    """A `StreamingRecurrentEncoder`'s features of whole texts (state=None), on fused LSTMs.

    Forward only and right padding: padded steps come after the real ones, so they never
    reach an output that counts; the pooling sees only real steps (the encoder's own
    accumulators, started from its initial state). For a stream's later chunks use the
    encoder itself: the fused op takes its initial state only from variable tensors and
    does not return its final carry, so it cannot carry a stream's state.

    Args:
        encoder: a `StreamingRecurrentEncoder` with `streaming_encoder_is_fusable`.
        token_ids: int32 `[batch, length]` with a static batch (the fused op needs it).

    Returns:
        The features `[batch, encoder.output_dim]`, as `encoder(token_ids)[0]`.
    """
    if not streaming_encoder_is_fusable(encoder):
        raise ValueError(
            "Expected a StreamingRecurrentEncoder of plain LSTMs (tanh, sigmoid, bias) to "
            f"fuse. Received cell={encoder.cell!r}: export it unfused instead."
        )
    mask = tf.not_equal(token_ids, 0)
    lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)
    zeros = tf.zeros([token_ids.shape[0], encoder.units])
    sequence = encoder.embedding(token_ids)
    for layer in encoder.recurrent_layers:
        cell = layer.cell
        weights = [tf.convert_to_tensor(w.value) for w in (cell.kernel, cell.recurrent_kernel)]
        bias = tf.convert_to_tensor(cell.bias.value)
        sequence = fusable_lstm(sequence, zeros, zeros, *weights, bias)[1]
    state = encoder.initial_state(token_ids.shape[0])
    # The last layer's hidden state at each row's last real token (zeros for none), as
    # the masked Keras layer leaves it; the pooling accumulators as the encoder keeps them.
    last = tf.gather(sequence, tf.maximum(lengths - 1, 0), batch_dims=1)
    state[f"hidden_{encoder.num_layers - 1}"] = last * tf.cast(lengths > 0, tf.float32)[:, None]
    state.update(encoder._accumulate(sequence, mask, state))  # noqa: SLF001 (same rule)
    return encoder.pooled_features(state)


def _lstm_options(model_content: bytes):
    """Yields `(description, options table)` for every fused LSTM op of every subgraph,
    state resets (`shared.edge.flatbuffer.is_state_reset`) left out."""
    model = schema.Model.GetRootAs(model_content, 0)
    codes = []
    for index in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(index)
        codes.append(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
    for g in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(g)
        for o in range(subgraph.OperatorsLength()):
            operator = subgraph.Operators(o)
            builtin = codes[operator.OpcodeIndex()]
            if builtin not in _LSTM_OPTIONS:
                continue
            options_type, options_class = _LSTM_OPTIONS[builtin]
            table = operator.BuiltinOptions()
            if operator.BuiltinOptionsType() != options_type or table is None:
                continue  # no options table: every field has its default, clips included 0
            options = options_class()
            options.Init(table.Bytes, table.Pos)
            if options.CellClip() == RESET_CELL_CLIP:
                continue  # a state reset (`state_zeroing`), not a layer of the model
            yield f"subgraph {g}, operator {o}", options


def lstm_clip_values(model_content: bytes) -> list[dict]:
    """`{"op", "cell_clip", "proj_clip"}` for every fused LSTM op (0.0 = no clipping)."""
    return [
        {"op": where, "cell_clip": options.CellClip(), "proj_clip": options.ProjClip()}
        for where, options in _lstm_options(model_content)
    ]


def remove_lstm_clipping(model_content: bytes) -> bytes:
    """The model with `cell_clip` and `proj_clip` set to 0.0 (no clipping) in every fused
    LSTM op, so it computes what the Keras LSTM it was converted from computes."""
    return set_lstm_clipping(model_content, cell_clip=0.0, proj_clip=0.0)


def set_lstm_clipping(model_content: bytes, cell_clip: float, proj_clip: float) -> bytes:
    """The model with these clip values in every fused LSTM op (0.0 = no clipping).

    Patches the float32 fields in place in the flatbuffer (same size, every other byte
    unchanged). A field the converter left out reads as its default, 0.0; it can stay
    0.0 but cannot be given another value in place.

    Raises:
        ValueError: a non-zero value for a field the model does not store.
    """
    patched = bytearray(model_content)
    values = {"cell_clip": cell_clip, "proj_clip": proj_clip}
    for where, options in _lstm_options(bytes(model_content)):
        table = options._tab  # the generated reader's table: its buffer position and vtable
        for field, slot in _CLIP_SLOTS.items():
            offset = table.Offset(slot)
            if offset:
                struct.pack_into("<f", patched, table.Pos + offset, values[field])
            elif values[field]:
                raise ValueError(
                    f"Expected the fused LSTM op at {where} to store {field} to set it to "
                    f"{values[field]}. Received an op without it (it reads as 0.0)."
                )
    return bytes(patched)
