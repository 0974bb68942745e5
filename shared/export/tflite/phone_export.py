"""One phone export for every app: endpoints -> verified `.tflite` variants + `metadata.json`.

An app describes its export in a `PhoneExportSpec` (its runner, endpoints, probes, the
embedding table to record, its metadata fields) and `write_phone_export` does the rest:
save the endpoints -> convert and verify every variant (leaving out an optional signature
whose conversion or check fails) -> find the embedding table's tensor in every variant ->
metadata -> embed its fingerprint in each model, verify the final bytes, write both ->
`golden.json`, texts -> ids -> outputs of the written models (`shared.edge.golden`).

An export whose endpoints use TFLite's fused LSTM (variable tensors, which LiteRT.js
refuses) also writes one browser model (`BROWSER_VARIANT`): the app's unfused endpoints
(`WHILE` loops), in dynamic range, verified on the same probes, listed in `models` with
`"fused_lstm": false` and in `golden.json`. MediaPipe's TextClassifier needs the single
subgraph of the fused models, so no one file serves both clients.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import keras
import tensorflow as tf

from shared.edge.flatbuffer import tensor_shapes, variable_tensors
from shared.edge.golden import write_golden
from shared.edge.metadata import BROWSER_VARIANT, DEFAULT_VARIANT, METADATA_FILE, VARIANTS
from shared.edge.metadata_writer import add_model_files, new_metadata, write_metadata
from shared.edge.runner import ExportRunner
from shared.edge.runtime import LiteModel
from shared.export.progress import stage
from shared.export.tflite import TFLiteExportError
from shared.export.tflite.converter import convert_saved_model, save_endpoints
from shared.export.tflite.variants import convert_variants, write_variants
from shared.export.tflite.verification import ModelCheck, Probe, Verification, check_unchanged


@dataclasses.dataclass(frozen=True)
class EmbeddingTable:
    """An embedding table the runner checks a metadata list's length against.

    Attributes:
        what: the metadata list (one of the runner's `TENSOR_SIZE_CHECKS`).
        shape: `[rows, dim]`: one row per entry of the list.
        name_contains: part of the table's tensor name (the embedding layer's name).
    """

    what: str
    shape: Sequence[int]
    name_contains: str


@dataclasses.dataclass(frozen=True)
class PhoneExportSpec:
    """What is specific to one app's phone export.

    Attributes:
        runner: the app's edge runner class: its `APP`, `FILE_PATTERN` and size checks are
            the model's interface.
        model: the Keras model whose variables the endpoints use (its weights are counted).
        endpoints: signature name -> traced `tf.function` with an `input_signature`.
        probes: calls every variant must reproduce within `PROBE_TOLERANCE[variant]`.
        table: the embedding table metadata names for the runner's size check.
        special_ids: metadata's `special_ids`.
        run_config: the exporting run's configuration.
        metadata_fields: `signatures -> the app's metadata fields` (`describe_signatures()`
            of the converted model: a field may depend on which signatures converted).
        optional_checks: signature name -> the `ModelCheck` of a signature the export may
            go without: if its conversion or check fails, it is left out and the reason
            returned. A failed check names its signature; a failed conversion does not, so
            the last optional signature is left out first.
        golden_texts: the app's real-looking texts for `golden.json` (`shared.edge.golden`).
        task_metadata: `model bytes -> model bytes` adding standard TFLite Model Metadata
            for other clients (`shared.export.tflite.tflite_metadata`), applied last to the
            written files; the outputs must stay bit for bit those of the written model.
        browser_endpoints: the same signatures without variable tensors (unfused LSTMs),
            given when `endpoints` use the fused LSTM: converted once in dynamic range
            as the browser model (`BROWSER_VARIANT`). None: the variants run in a browser.
    """

    runner: type[ExportRunner]
    model: keras.Model
    endpoints: Mapping[str, tf.types.experimental.Function]
    probes: Sequence[Probe]
    table: EmbeddingTable
    special_ids: Mapping[str, int]
    run_config: Mapping
    metadata_fields: Callable[[dict], Mapping]
    optional_checks: Mapping[str, ModelCheck] = dataclasses.field(default_factory=dict)
    golden_texts: Sequence[str] = ()
    task_metadata: Callable[[bytes], bytes] | None = None
    browser_endpoints: Mapping[str, tf.types.experimental.Function] | None = None


def write_phone_export(
    spec: PhoneExportSpec, out_dir: str | Path, variants: Sequence[str] = VARIANTS
) -> dict:
    """Converts `spec` to one `.tflite` per variant plus `metadata.json` in `out_dir`.

    Every model is checked after conversion (`Verification`: builtins only, weights
    present, probes within `PROBE_TOLERANCE[variant]` of TensorFlow, the optional
    signatures' checks), gets the fingerprint of `metadata.json` embedded
    (`write_variants`, which checks the final bytes again), so a runner refuses the pair
    once either is edited.

    Returns:
        `{"directory", "metadata", "signatures": {name: description}, "files": {variant:
        {"file", "sha256", "bytes"}}, "fingerprint", "probe_differences": {variant:
        {"<signature>/<output>": float}}, "left_out": {signature: reason}}`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{spec.runner.APP}-tflite-") as saved_model_dir:
        save_endpoints(saved_model_dir, spec.model, spec.endpoints)
        converted, verification, left_out = _convert_leaving_out_failures(
            spec, saved_model_dir, variants
        )
    if spec.browser_endpoints is not None:
        keys = [key for key in spec.endpoints if key not in left_out]
        converted[BROWSER_VARIANT] = _convert_browser_model(spec, keys, verification)

    contents = {variant: item["content"] for variant, item in converted.items()}
    reference = contents[variants[0]]
    signatures = LiteModel(reference).describe_signatures()
    if BROWSER_VARIANT in contents:
        browser_signatures = LiteModel(contents[BROWSER_VARIANT]).describe_signatures()
        if browser_signatures != signatures:
            raise TFLiteExportError(
                f"Expected the browser model to have the variants' signatures {signatures}. "
                f"Received {browser_signatures}."
            )
    metadata = new_metadata(
        spec.runner.APP,
        default_variant=DEFAULT_VARIANT if DEFAULT_VARIANT in converted else variants[0],
        signatures=signatures,
        special_ids=dict(spec.special_ids),
        size_checks=size_checks(spec, contents),
        run_config=dict(spec.run_config),
        **spec.metadata_fields(signatures),
        exported_with={"tensorflow": tf.__version__, "keras": keras.__version__},
    )
    # Each model carries the metadata's fingerprint; the final bytes are checked again,
    # the optional signatures' checks included.
    written = write_variants(
        converted, out_dir, spec.runner.FILE_PATTERN, metadata["fingerprint"], verification
    )
    if spec.task_metadata is not None:
        written = _with_task_metadata(written, spec.task_metadata, verification)
    metadata = add_model_files(metadata, {v: item["path"] for v, item in written.items()})
    if BROWSER_VARIANT in metadata["models"]:
        metadata["models"][BROWSER_VARIANT]["fused_lstm"] = False
    metadata_path = write_metadata(out_dir / METADATA_FILE, metadata)
    # Texts -> ids -> outputs of the written files, for ports of the tokenizer and runner.
    golden_path = write_golden(spec.runner, out_dir, spec.golden_texts)
    return {
        "directory": str(out_dir),
        "metadata": str(metadata_path),
        "signatures": signatures,
        "files": metadata["models"],
        "fingerprint": metadata["fingerprint"],
        "probe_differences": {v: item["probe_differences"] for v, item in written.items()},
        "left_out": left_out,
        "golden": str(golden_path),
    }


def _with_task_metadata(written: dict, add: Callable[[bytes], bytes], verification) -> dict:
    """Each written model with `add`'s standard metadata, checked and written again."""
    for variant, item in written.items():
        if variant == BROWSER_VARIANT:
            continue  # MediaPipe cannot run its loops (several subgraphs): no task metadata
        stage("TFLite %s: adding standard TFLite Model Metadata (MediaPipe Tasks)", variant)
        content = add(item["content"])
        check_unchanged(item["content"], content, verification.probes, f"{variant} model")
        differences = verification.check(variant, content)
        Path(item["path"]).write_bytes(content)
        written[variant] = {**item, "content": content, "probe_differences": differences}
    return written


def _convert_browser_model(spec: PhoneExportSpec, keys: list[str], verification) -> dict:
    """`spec.browser_endpoints` (`keys` of them) as a dynamic-range model, checked as the
    variants are, and refused if it still has a variable tensor."""
    stage("TFLite %s: converting the unfused LSTMs in dynamic range (LiteRT.js)", BROWSER_VARIANT)
    with tempfile.TemporaryDirectory(prefix=f"{spec.runner.APP}-browser-") as saved_model_dir:
        endpoints = {key: spec.browser_endpoints[key] for key in keys}
        save_endpoints(saved_model_dir, spec.model, endpoints)
        content = convert_saved_model(saved_model_dir, keys, "dynamic_range")
    variables = variable_tensors(content)
    if variables:
        raise TFLiteExportError(
            "Expected a browser model without variable tensors (LiteRT.js refuses them). "
            f"Received {len(variables)}: {variables[:5]}; give unfused browser endpoints."
        )
    stage("TFLite %s: verifying against TensorFlow", BROWSER_VARIANT)
    differences = verification.check(BROWSER_VARIANT, content)
    return {"content": content, "probe_differences": differences}


def _convert_leaving_out_failures(spec: PhoneExportSpec, saved_model_dir, variants):
    """`convert_variants` of every endpoint, leaving out optional signatures that fail.

    Returns:
        `(converted, the verification it passed, {signature left out: reason})`.
    """
    keys = list(spec.endpoints)
    left_out = {}
    parameter_count = spec.model.count_params()
    while True:
        optional = [k for k in keys if k in spec.optional_checks]
        checks = [spec.optional_checks[k] for k in optional]
        verification = Verification(spec.probes, parameter_count, checks)
        try:
            converted = convert_variants(saved_model_dir, keys, verification, variants)
            return converted, verification, left_out
        except TFLiteExportError as error:
            if not optional:
                raise
            culprit = getattr(error, "signature", None)
            if culprit not in optional:
                culprit = optional[-1]
            left_out[culprit] = str(error)
            keys.remove(culprit)
            stage("TFLite: %s failed (metadata says why); converting without it", culprit)


def size_checks(spec: PhoneExportSpec, contents: Mapping[str, bytes]) -> list[dict]:
    """Metadata's `size_checks`: the runner's output checks, then its embedding table.

    Recorded for phone apps; the edge runner decides itself what it checks.
    """
    checks = [
        {"what": what, "signature": signature, "output": output, "axis": -1}
        for what, (signature, output) in spec.runner.OUTPUT_SIZE_CHECKS.items()
    ]
    table = spec.table
    if list(spec.runner.TENSOR_SIZE_CHECKS) != [table.what]:
        raise ValueError(
            f"Expected the export to name the table of every tensor size check of "
            f"{spec.runner.__name__} ({list(spec.runner.TENSOR_SIZE_CHECKS)}). "
            f"Received a table for {table.what!r}."
        )
    what = table.what.replace("_", " ")
    variants = {v: content for v, content in contents.items() if v != BROWSER_VARIANT}
    name = common_tensor_name(variants, table.shape, table.name_contains, what)
    if BROWSER_VARIANT in contents:
        # Its loops run the Keras model, whose name scopes the fused call does not have.
        browser = {BROWSER_VARIANT: contents[BROWSER_VARIANT]}
        other = common_tensor_name(browser, table.shape, table.name_contains, what)
        name = name if other == name else [name, other]
    return [*checks, {"what": table.what, "tensor": name, "axis": 0}]


def common_tensor_name(
    model_contents: Mapping[str, bytes], shape: Sequence[int], name_contains: str, what: str
) -> str:
    """The shortest tensor name containing `name_contains` with exactly `shape` in every
    model (variant -> bytes).

    Records where an embedding table sits, so the edge runner can check a vocabulary's
    length against it (`shared.edge.model_files.verify_sizes`); the runner refuses metadata
    without it, so a model where it cannot be found fails here, at export.

    Raises:
        TFLiteExportError: no such tensor in one of the models.
    """
    common = None
    for variant, content in model_contents.items():
        names = {
            name
            for name, tensor_shape in tensor_shapes(content).items()
            if tensor_shape == list(shape) and name_contains in name
        }
        common = names if common is None else common & names
        if not common:
            raise TFLiteExportError(
                f"Expected a tensor named like {name_contains!r} with shape {list(shape)} (the "
                f"{what} table) in every variant, so the edge runner can check the {what} "
                f"against it. Received none common to the models up to the {variant} one."
            )
    return min(common, key=lambda name: (len(name), name))
