"""SavedModel -> builtins-only `.tflite` models, in three precisions, verified after converting.

The converted models run on LiteRT alone (no Flex, no custom ops), so a phone needs no
TensorFlow. Two failure modes of the converter are checked here rather than trusted:
- a model that needs non-builtin ops (`check_builtins_only`, on the flatbuffer's op table);
- a model converted without its weights, which the converter produces without any error
  from a bare `tf.Module` holding Keras 3 layers (`check_weights_present`,
  `check_against_reference`).
Both apps build their `tf.function`s, save them with `save_endpoints`, convert every
variant with `convert_variants`, then write them with `write_variants`, which embeds the
fingerprint of their `metadata.json` in each model (`embed_fingerprint`: what lets a runner
refuse metadata edited or swapped after export) and checks the final bytes again; see
`apps/*/tflite.py`. `shared.export.fused_lstm` rebuilds the shared BiLSTM encoder on
TFLite's fused LSTM op (4-5x faster than the `WHILE` loop a Keras 3 LSTM converts to);
`convert_saved_model` removes the cell clipping the converter adds to that op, which Keras
does not do.
Variant names, file names and signature names come from the TensorFlow-free runners
(`shared.edge`), so the exporter and the runners cannot disagree on them.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from shared.edge.metadata import (
    FINGERPRINT_ENTRY,
    VARIANTS,
    MetadataError,
    fingerprint_entry,
    read_fingerprint,
)
from shared.edge.runtime import (
    LiteModel,
    constant_bytes,
    metadata_entries,
    non_builtin_operators,
    operator_names,
    tensor_shapes,
    with_metadata_entry,
)
from shared.export.fused_lstm import lstm_clip_values, remove_lstm_clipping
from shared.export.progress import stage

# Largest difference from TensorFlow a variant may show on a probe input before the model
# is declared broken, relative to the output's scale (max(1, max |output|)). Loose on
# purpose: quantisation error varies by model. The tests state the tight figures. A model
# converted without its weights is off by O(1); int8 weights legitimately move the spa-eng
# model's encoder states by 0.111 (BLEU unchanged, BENCHMARKS.md), hence 0.25.
PROBE_TOLERANCE = {"float32": 1e-4, "float16": 1e-2, "dynamic_range": 0.25}


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
    stage("TFLite: saving the signatures %s for the converter", ", ".join(endpoints))
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

    Fused LSTM ops come out of the converter clipping their cell state to +-10, which a
    Keras LSTM never does; the clipping is removed here (`remove_lstm_clipping`), then the
    model is checked again for builtins only.

    Returns:
        The model's bytes.

    Raises:
        TFLiteExportError: the converter failed, or the model needs non-builtin ops.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Expected a variant in {VARIANTS}. Received: {variant!r}")
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
    content = remove_lstm_clipping(content)
    check_builtins_only(content, f"{variant} model of {list(signature_keys)}")
    clipping = [op for op in lstm_clip_values(content) if op["cell_clip"] or op["proj_clip"]]
    if clipping:  # cannot happen unless the schema moved the fields: say so rather than drift
        raise TFLiteExportError(
            f"Expected no cell or projection clipping in the fused LSTM ops of the {variant} "
            f"model (Keras does not clip). Received after removing it: {clipping}"
        )
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
                f"{difference:.3g}. A model converted without its weights does this (convert "
                "from an ExportArchive SavedModel, `save_endpoints`), and so does an op that "
                "computes otherwise than TensorFlow's, e.g. a fused LSTM clipping its cell "
                "state (`shared.export.fused_lstm.remove_lstm_clipping`)."
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


def check_variant(
    variant: str,
    model_content: bytes,
    probes: Sequence[Probe],
    parameter_count: int,
    checks: Sequence[Callable[[str, bytes], Mapping[str, float]]] = (),
) -> dict[str, float]:
    """Every check a converted model must pass: builtins only, `parameter_count` weights
    (`check_weights_present`), every probe within `PROBE_TOLERANCE[variant]` of TensorFlow
    (`check_against_reference`) and every extra check.

    Returns:
        The measured differences, keyed `"<signature>/<output>"` (the largest over the
        probes), and the checks' values.

    Raises:
        TFLiteExportError: a check failed.
    """
    check_builtins_only(model_content, f"{variant} model")
    check_weights_present(model_content, parameter_count, f"{variant} model")
    differences = {}
    for probe in probes:
        measured = check_against_reference(
            model_content,
            probe.signature_key,
            probe.inputs,
            probe.expected,
            PROBE_TOLERANCE[variant],
            f"{variant} model",
        )
        for name, value in measured.items():
            key = f"{probe.signature_key}/{name}"
            differences[key] = max(value, differences.get(key, 0.0))
    for check in checks:
        differences.update(check(variant, model_content))
    return differences


def convert_variants(
    saved_model_dir: str | os.PathLike,
    signature_keys: Sequence[str],
    probes: Sequence[Probe],
    parameter_count: int,
    variants: Sequence[str] = VARIANTS,
    checks: Sequence[Callable[[str, bytes], Mapping[str, float]]] = (),
) -> dict[str, dict]:
    """Converts the signatures once per variant and checks each model (`check_variant`).

    Writes nothing: the models get their metadata's fingerprint, and are written, by
    `write_variants` once the metadata is known (it depends on what converted).

    Args:
        saved_model_dir: a SavedModel from `save_endpoints`.
        signature_keys: signatures every model keeps.
        probes: calls each model must reproduce within `PROBE_TOLERANCE[variant]`.
        parameter_count: weights the models must hold (`keras.Model.count_params()`).
        variants: a subset of `VARIANTS`.
        checks: `(variant, model bytes) -> {name: measured value}` callables that raise
            `TFLiteExportError` when the model is wrong; their values join the differences.

    Returns:
        `{variant: {"content": bytes, "probe_differences": {name: diff}}}`, differences
        keyed `"<signature>/<output>"` (the largest over the probes).

    Raises:
        TFLiteExportError: a conversion failed, used non-builtin ops, lost its weights,
            missed a probe or failed a check.
    """
    converted = {}
    for number, variant in enumerate(variants, 1):
        step = f"TFLite {variant} ({number}/{len(variants)})"
        stage("%s: converting %s", step, ", ".join(signature_keys))
        content = convert_saved_model(saved_model_dir, signature_keys, variant)
        extra = f" and {len(checks)} decoding checks" if checks else ""
        stage("%s: verifying against TensorFlow on %d probe inputs%s", step, len(probes), extra)
        differences = check_variant(variant, content, probes, parameter_count, checks)
        converted[variant] = {"content": content, "probe_differences": differences}
    return converted


def embed_fingerprint(model_content: bytes, fingerprint: str) -> bytes:
    """The model carrying `fingerprint` (its metadata's, `fingerprint_of`) in the
    flatbuffer's `metadata` list, under `FINGERPRINT_ENTRY`.

    Every byte of the converted model is kept, at its alignment
    (`shared.edge.runtime.with_metadata_entry`); checked here: the ops, tensor shapes,
    weights and the converter's own metadata entries read back unchanged, and the entry
    reads back (`check_unchanged` then compares the outputs).

    Raises:
        TFLiteExportError: the embedded model differs from the converted one beyond the
            new entry, or its entry does not read back.
    """
    entry = fingerprint_entry(fingerprint)
    final = with_metadata_entry(model_content, FINGERPRINT_ENTRY, entry)
    # (An entry replaced keeps its buffer, unreferenced: the constants grow by the entry.)
    comparisons = {
        "operators": (operator_names(model_content), operator_names(final)),
        "tensor shapes": (tensor_shapes(model_content), tensor_shapes(final)),
        "constant bytes": (constant_bytes(model_content) + len(entry), constant_bytes(final)),
        "metadata entries": (
            {**metadata_entries(model_content), FINGERPRINT_ENTRY: entry},
            metadata_entries(final),
        ),
    }
    for what, (expected, actual) in comparisons.items():
        if actual != expected:
            raise TFLiteExportError(
                "Expected embedding the fingerprint to change nothing but the model's "
                f"{FINGERPRINT_ENTRY!r} entry. Received other {what}: {str(actual)[:300]} "
                f"instead of {str(expected)[:300]}."
            )
    try:
        read_fingerprint(final)
    except MetadataError as error:
        raise TFLiteExportError(f"The embedded fingerprint does not read back: {error}") from error
    return final


def check_unchanged(
    before: bytes, after: bytes, probes: Sequence[Probe], description: str = "TFLite model"
) -> None:
    """Raises unless `after` gives exactly `before`'s outputs, bit for bit, on every probe.

    Raises:
        TFLiteExportError: other signatures, or an output that differs.
    """
    models = LiteModel(before, num_threads=1), LiteModel(after, num_threads=1)
    signatures = [model.describe_signatures() for model in models]
    if signatures[0] != signatures[1]:
        raise TFLiteExportError(
            f"Expected the {description} with its fingerprint to keep its signatures "
            f"{signatures[0]}. Received: {signatures[1]}"
        )
    for probe in probes:
        expected, actual = (m.run(probe.signature_key, **probe.inputs) for m in models)
        for name, value in expected.items():
            if (
                name not in actual
                or not np.array_equal(actual[name], value)
                or (actual[name].dtype != value.dtype)
            ):
                raise TFLiteExportError(
                    f"Expected the {description} with its fingerprint to give exactly the "
                    f"outputs it gave without ({probe.signature_key}, {name!r}). Received "
                    "others: embedding the fingerprint changed the model."
                )


def write_variants(
    converted: Mapping[str, Mapping],
    out_dir: str | os.PathLike,
    file_pattern: str,
    fingerprint: str,
    probes: Sequence[Probe],
    parameter_count: int,
    checks: Sequence[Callable[[str, bytes], Mapping[str, float]]] = (),
) -> dict[str, dict]:
    """Embeds `fingerprint` in each converted model, checks the final bytes, writes them.

    The final model must give the converted one's outputs bit for bit on every probe
    (`check_unchanged`) and pass `check_variant` again, with the same probes and checks
    as at conversion: what is written is what was checked.

    Args:
        converted: `convert_variants`' result.
        out_dir: where the `.tflite` files go.
        file_pattern: file name with a `{variant}` field, e.g. `"sentiment_{variant}.tflite"`.
        fingerprint: `metadata["fingerprint"]` of the metadata written with the models
            (`shared.edge.metadata.new_metadata`).
        probes, parameter_count, checks: as given to `convert_variants`.

    Returns:
        `{variant: {"path": Path, "content": bytes, "probe_differences": {name: diff}}}`,
        the differences measured on the final bytes.

    Raises:
        TFLiteExportError: embedding changed the model, or the final model fails a check.
    """
    written = {}
    for number, (variant, item) in enumerate(converted.items(), 1):
        stage(
            "TFLite %s (%d/%d): embedding the metadata fingerprint, verifying again, writing",
            variant,
            number,
            len(converted),
        )
        content = embed_fingerprint(item["content"], fingerprint)
        check_unchanged(item["content"], content, probes, f"{variant} model")
        differences = check_variant(variant, content, probes, parameter_count, checks)
        path = Path(out_dir) / file_pattern.format(variant=variant)
        path.write_bytes(content)
        written[variant] = {"path": path, "content": content, "probe_differences": differences}
    return written


def common_tensor_name(
    model_contents: Mapping[str, bytes], shape: Sequence[int], name_contains: str, what: str
) -> str:
    """The shortest tensor name containing `name_contains` with exactly `shape` in every
    model (variant -> bytes).

    Records where an embedding table sits, so the edge runner can check a vocabulary's
    length against it (`shared.edge.metadata.verify_sizes`); the runner refuses metadata
    without it, so a model where it cannot be found fails here, at export.

    Raises:
        TFLiteExportError: no such tensor in one of the models.
    """
    common = None
    for variant, content in model_contents.items():
        names = _tensor_names(content, shape, name_contains)
        common = names if common is None else common & names
        if not common:
            raise TFLiteExportError(
                f"Expected a tensor named like {name_contains!r} with shape {list(shape)} (the "
                f"{what} table) in every variant, so the edge runner can check the {what} "
                f"against it. Received none common to the models up to the {variant} one."
            )
    return min(common, key=lambda name: (len(name), name))


def _tensor_names(model_content: bytes, shape: Sequence[int], name_contains: str) -> set[str]:
    return {
        name
        for name, tensor_shape in tensor_shapes(model_content).items()
        if tensor_shape == list(shape) and name_contains in name
    }
