"""What every converted model must pass before it is written, and again after.

- builtins only (`check_builtins_only`, on the flatbuffer's op table);
- its weights present (`check_weights_present`, by its constant bytes) and outputs within
  `PROBE_TOLERANCE[variant]` of TensorFlow on probe inputs (`check_against_reference`):
  the converter converts a bare `tf.Module` of Keras 3 layers without its weights, and
  without any error;
- any check an app adds (`Verification.checks`, e.g. `loop_signatures`);
- after the fingerprint is embedded: exactly the outputs it gave before (`check_unchanged`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from shared.edge.flatbuffer import constant_bytes, non_builtin_operators, operator_names
from shared.edge.metadata import BROWSER_VARIANT
from shared.edge.runtime import LiteModel
from shared.export.tflite import TFLiteExportError

# Largest difference from TensorFlow a variant may show on a probe input before the model
# is declared broken, relative to the output's scale (max(1, max |output|)). Loose on
# purpose: quantisation error varies by model. The tests state the tight figures. A model
# converted without its weights is off by O(1); int8 weights legitimately move the spa-eng
# model's encoder states by 0.111 (BLEU unchanged, BENCHMARKS.md), hence 0.25.
PROBE_TOLERANCE = {"float32": 1e-4, "float16": 1e-2, "dynamic_range": 0.25}
PROBE_TOLERANCE[BROWSER_VARIANT] = PROBE_TOLERANCE["dynamic_range"]  # unfused, same weights


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
                "state (`shared.export.tflite.fused_lstm.remove_lstm_clipping`)."
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


# `(variant, model bytes) -> {name: measured value}`, raising `TFLiteExportError` when the
# model is wrong; the values join the probe differences.
ModelCheck = Callable[[str, bytes], Mapping[str, float]]


@dataclasses.dataclass(frozen=True)
class Verification:
    """Every check a converted model must pass, the same at conversion and before writing.

    Attributes:
        probes: calls each model must reproduce within `PROBE_TOLERANCE[variant]`.
        parameter_count: weights the models must hold (`keras.Model.count_params()`).
        checks: extra `ModelCheck`s.
    """

    probes: Sequence[Probe]
    parameter_count: int
    checks: Sequence[ModelCheck] = ()

    def check(self, variant: str, model_content: bytes) -> dict[str, float]:
        """Builtins only, `parameter_count` weights (`check_weights_present`), every probe
        within `PROBE_TOLERANCE[variant]` of TensorFlow (`check_against_reference`) and
        every extra check.

        Returns:
            The measured differences, keyed `"<signature>/<output>"` (the largest over the
            probes), and the checks' values.

        Raises:
            TFLiteExportError: a check failed.
        """
        description = f"{variant} model"
        check_builtins_only(model_content, description)
        check_weights_present(model_content, self.parameter_count, description)
        differences = {}
        for probe in self.probes:
            measured = check_against_reference(
                model_content,
                probe.signature_key,
                probe.inputs,
                probe.expected,
                PROBE_TOLERANCE[variant],
                description,
            )
            for name, value in measured.items():
                key = f"{probe.signature_key}/{name}"
                differences[key] = max(value, differences.get(key, 0.0))
        for check in self.checks:
            differences.update(check(variant, model_content))
        return differences


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
