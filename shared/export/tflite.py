"""SavedModel -> builtins-only `.tflite` models, in three precisions, verified after converting.

The converted models run on LiteRT alone (no Flex, no custom ops), so a phone needs no
TensorFlow. Two failure modes of the converter are checked here rather than trusted:
- a model that needs non-builtin ops (`check_builtins_only`, on the flatbuffer's op table);
- a model converted without its weights, which the converter produces without any error
  from a bare `tf.Module` holding Keras 3 layers (`check_weights_present`,
  `check_against_reference`).
Both apps build their `tf.function`s, save them with `save_endpoints` and convert every
variant with `convert_variants`; see `apps/*/tflite.py`. `fused_encoder_call` rebuilds the
shared BiLSTM encoder on TFLite's fused LSTM op, which runs 4-5x faster than the `WHILE`
loop a Keras 3 LSTM converts to.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from shared.edge.runtime import (
    LiteModel,
    constant_bytes,
    non_builtin_operators,
    operator_names,
    tensor_shapes,
)

TFLITE_VARIANTS = ("float32", "float16", "dynamic_range")
# Largest difference from TensorFlow a variant may show on a probe input before the model
# is declared broken, relative to the output's scale (max(1, max |output|)). Loose on
# purpose: quantisation error varies by model. The tests state the tight figures.
PROBE_TOLERANCE = {"float32": 1e-4, "float16": 1e-2, "dynamic_range": 1e-1}


class TFLiteExportError(RuntimeError):
    """A conversion failed, needs non-builtin ops, or gives outputs unlike TensorFlow's."""


def save_endpoints(
    directory: str | os.PathLike, trackable, endpoints: Mapping[str, tf.types.experimental.Function]
) -> Path:
    """Writes a SavedModel with one named signature per traced `tf.function`.

    Uses `keras.export.ExportArchive`, which saves the tracked model's variables with the
    graphs: the TFLite converter keeps both the signature names and the weights.

    Args:
        directory: where to write the SavedModel.
        trackable: the Keras model (or layer) whose variables the functions use.
        endpoints: signature name -> `tf.function` with an `input_signature`.

    Returns:
        `directory` as a `Path`.
    """
    archive = keras.export.ExportArchive()
    archive.track(trackable)
    for name, function in endpoints.items():
        function.get_concrete_function()  # ExportArchive wants an already-traced function
        archive.add_endpoint(name, function)
    archive.write_out(str(directory), verbose=False)
    return Path(directory)


def convert_saved_model(
    saved_model_dir: str | os.PathLike, signature_keys: Sequence[str], variant: str
) -> bytes:
    """Converts the named signatures of a SavedModel into one builtins-only `.tflite` model.

    Args:
        saved_model_dir: a SavedModel, e.g. from `save_endpoints`.
        signature_keys: the signatures to keep (each becomes a signature of the model).
        variant: `"float32"` (no optimisation), `"float16"` (weights stored as float16)
            or `"dynamic_range"` (weights stored as int8, activations stay float).

    Returns:
        The model's bytes.

    Raises:
        TFLiteExportError: the converter failed, or the model needs non-builtin ops.
    """
    if variant not in TFLITE_VARIANTS:
        raise ValueError(f"Expected a variant in {TFLITE_VARIANTS}. Received: {variant!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(
        str(saved_model_dir), signature_keys=list(signature_keys)
    )
    # Builtins only: Flex ops need TensorFlow's kernels on the phone (and LiteRT here
    # cannot run them); custom ops need kernels compiled into the app.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "dynamic_range":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    try:
        content = converter.convert()
    except Exception as error:  # the converter raises several unrelated types
        needs_flex = re.search(r"TF Select ops: ([^\n]*)", str(error))
        summary = (
            f"These TensorFlow ops have no TFLite builtin: {needs_flex.group(1)}. "
            if needs_flex
            else ""
        )
        raise TFLiteExportError(
            f"Converting signatures {list(signature_keys)} of {saved_model_dir} to a "
            f"builtins-only {variant} TFLite model failed. {summary}Converter said:\n{error}"
        ) from error
    check_builtins_only(content, f"{variant} model of {list(signature_keys)}")
    return content


def check_builtins_only(model_content: bytes, description: str = "TFLite model") -> None:
    """Raises `TFLiteExportError` naming every custom or Flex op the model uses."""
    offending = non_builtin_operators(model_content)
    if offending:
        raise TFLiteExportError(
            f"Expected the {description} to use TFLite builtin ops only. Received "
            f"non-builtin ops: {offending} (all ops: {operator_names(model_content)}). "
            "Flex and custom ops do not run on a stock LiteRT runtime: rewrite the "
            "graph with builtin-friendly ops (fixed shapes, no TensorList or string ops)."
        )


def check_against_reference(
    model_content: bytes,
    signature_key: str,
    inputs: Mapping[str, np.ndarray],
    expected: Mapping[str, np.ndarray],
    atol: float,
    description: str = "TFLite model",
) -> dict[str, float]:
    """Runs one signature on LiteRT and compares its outputs with TensorFlow's.

    Catches the converter's silent failure mode: a model converted without its weights
    gives garbage, constant or NaN outputs with no error at conversion time. (A barely
    trained model's outputs may sit close to a weightless one's; `check_weights_present`
    covers that case.)

    Args:
        model_content: the converted model's bytes.
        signature_key: the signature to run.
        inputs: input name -> array for the probe.
        expected: output name -> TensorFlow's output on the same inputs (outputs not
            listed are not compared).
        atol: largest allowed difference per output, relative to `max(1, max |expected|)`
            (logits are larger than probabilities, and so are their rounding errors).
        description: names the model in the error.

    Returns:
        Output name -> the largest absolute difference measured.

    Raises:
        TFLiteExportError: an output is not finite or is further than `atol` from TF's.
    """
    outputs = LiteModel(model_content, num_threads=1).run(signature_key, **inputs)
    differences = {}
    for name, reference in expected.items():
        actual = outputs[name]
        reference = np.asarray(reference)
        if actual.shape != reference.shape:
            raise TFLiteExportError(
                f"Expected output {name!r} of the {description} ({signature_key}) to have "
                f"shape {reference.shape} like TensorFlow's. Received: {actual.shape}"
            )
        if not np.all(np.isfinite(actual)):
            raise TFLiteExportError(
                f"The {description} ({signature_key}) gave non-finite values in {name!r} "
                "on a probe input. A model converted without its weights does this: "
                "convert from an ExportArchive SavedModel (`save_endpoints`)."
            )
        difference = float(np.max(np.abs(actual.astype(np.float64) - reference), initial=0.0))
        allowed = atol * max(1.0, float(np.max(np.abs(reference), initial=0.0)))
        if not difference <= allowed:  # NaN compares False: it fails too
            raise TFLiteExportError(
                f"Expected output {name!r} of the {description} ({signature_key}) within "
                f"{allowed:g} of TensorFlow's on a probe input. Received a difference of "
                f"{difference:.3g}. A model converted without its weights does this: "
                "convert from an ExportArchive SavedModel (`save_endpoints`)."
            )
        differences[name] = difference
    return differences


def check_weights_present(
    model_content: bytes, parameter_count: int, description: str = "TFLite model"
) -> int:
    """Raises unless the model stores at least one byte per parameter of the Keras model.

    Every variant keeps each weight in 1 (int8), 2 (float16) or 4 (float32) bytes, so a
    model holding less than `parameter_count` bytes of constants lost its weights (the
    converter's silent failure on a bare `tf.Module` of Keras 3 layers).

    Returns:
        The constant bytes found.
    """
    found = constant_bytes(model_content)
    if found < parameter_count:
        raise TFLiteExportError(
            f"Expected the {description} to hold its {parameter_count:,} weights (at least "
            f"{parameter_count:,} bytes of constants). Received {found:,} bytes: it was "
            "converted without its weights. Convert from an ExportArchive SavedModel "
            "(`save_endpoints`), never from a bare tf.Module."
        )
    return found


@dataclasses.dataclass(frozen=True)
class Probe:
    """One signature call whose TensorFlow outputs every converted variant must match.

    Attributes:
        signature_key: the signature to run.
        inputs: input name -> array.
        expected: output name -> TensorFlow's output for `inputs`.
    """

    signature_key: str
    inputs: Mapping[str, np.ndarray]
    expected: Mapping[str, np.ndarray]


def convert_variants(
    saved_model_dir: str | os.PathLike,
    signature_keys: Sequence[str],
    out_dir: str | os.PathLike,
    file_pattern: str,
    probes: Sequence[Probe],
    parameter_count: int,
    variants: Sequence[str] = TFLITE_VARIANTS,
) -> dict[str, dict]:
    """Converts the signatures once per variant, checks each model, writes the files.

    Each model must use builtins only, hold `parameter_count` weights
    (`check_weights_present`) and reproduce every probe (`check_against_reference`).

    Args:
        saved_model_dir: a SavedModel from `save_endpoints`.
        signature_keys: signatures every model keeps.
        out_dir: where the `.tflite` files go.
        file_pattern: file name with a `{variant}` field, e.g. `"sentiment_{variant}.tflite"`.
        probes: calls each model must reproduce within `PROBE_TOLERANCE[variant]`.
        parameter_count: weights the models must hold (`keras.Model.count_params()`).
        variants: a subset of `TFLITE_VARIANTS`.

    Returns:
        `{variant: {"path": Path, "content": bytes, "probe_differences": {name: diff}}}`,
        differences keyed `"<signature>/<output>"`.

    Raises:
        TFLiteExportError: a conversion failed, used non-builtin ops, lost its weights
            or missed a probe.
    """
    converted = {}
    for variant in variants:
        content = convert_saved_model(saved_model_dir, signature_keys, variant)
        check_weights_present(content, parameter_count, f"{variant} model")
        differences = {}
        for probe in probes:
            measured = check_against_reference(
                content,
                probe.signature_key,
                probe.inputs,
                probe.expected,
                PROBE_TOLERANCE[variant],
                f"{variant} model",
            )
            differences.update({f"{probe.signature_key}/{k}": v for k, v in measured.items()})
        path = Path(out_dir) / file_pattern.format(variant=variant)
        path.write_bytes(content)
        converted[variant] = {"path": path, "content": content, "probe_differences": differences}
    return converted


def find_tensor_name(model_content: bytes, shape: Sequence[int], name_contains: str) -> str | None:
    """The shortest tensor name containing `name_contains` with exactly `shape`, if any.

    Used to record where an embedding table sits in a converted model, so the edge runner
    can check a vocabulary's length against it (`shared.edge.metadata.verify_sizes`).
    """
    names = [
        name
        for name, tensor_shape in tensor_shapes(model_content).items()
        if tensor_shape == list(shape) and name_contains in name
    ]
    return min(names, key=len) if names else None


# -- fused LSTMs ----------------------------------------------------------------------
# A Keras 3 LSTM converts to a WHILE loop of ~30 small ops per step, and the loop copies
# its carried tensors every iteration: cost grows faster than the length (15 us/token at
# 32 tokens, 34 at 512). TFLite's fused UNIDIRECTIONAL_SEQUENCE_LSTM runs the whole
# sequence in one kernel. The converter emits it for a function carrying the attributes
# Keras 2 used (`api_implements` starting with "lstm_", `time_major`), taking
# `(inputs, init_h, init_c, kernel, recurrent_kernel, bias)` and returning five values of
# which only the first two (last output, full sequence) may be used: it replaces the
# final states with zeros. It has no mask input, clips the cell state to +-10 (the parity
# tests would show a model that reaches it), and keeps its states in variable tensors that
# every call overwrites: a runner resets them between calls (`LiteModel.run` does).
_FUSED_LSTM_ATTRIBUTES = {
    "api_implements": "lstm_rnn_suite",
    "time_major": False,
    "go_backwards": False,
}


@tf.function(experimental_attributes=_FUSED_LSTM_ATTRIBUTES, autograph=False)
def fusable_lstm(inputs, init_h, init_c, kernel, recurrent_kernel, bias):
    """A Keras LSTM layer (gates i, f, c, o; sigmoid and tanh) that TFLite fuses into one op.

    TensorFlow runs this body; the TFLite converter replaces it with
    `UNIDIRECTIONAL_SEQUENCE_LSTM`. Use only the first two results.

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
