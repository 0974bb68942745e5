"""The `metadata.json` written beside every set of `.tflite` files, and its checks.

A phone app needs more than the model: the vocabularies, the tokenisation rules, the
labels, the special ids, the decoding settings. They travel in one JSON file written by
the exporter (`apps/*/tflite.py`) and read by the edge runners (`shared/edge/*.py`).
Loading it checks, with errors that say what to do, that:
- the file has the format this code reads (`FORMAT_VERSION`) and is for the right app;
- each model file is there and is the one exported with it (sha256);
- its vocabularies and labels have the sizes the model's tensors have, so a vocabulary
  from another export fails loudly instead of giving garbage. Which sizes to check is the
  runner's decision (`verify_sizes`), not the metadata's: the metadata only says where an
  embedding table sits, and an export that does not say is refused.

The names both sides must agree on (variants, the export folder) are defined here, and the
exporter imports them. No TensorFlow here: this runs where only LiteRT and numpy are
installed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared.edge.runtime import tensor_shapes
from shared.edge.text import TOKENIZATION_SPEC_VERSION, tokenization_spec

FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
# The `.tflite` precisions every export writes: float32, float16 weights, int8 weights.
VARIANTS = ("float32", "float16", "dynamic_range")
DEFAULT_VARIANT = "dynamic_range"  # smallest and fastest on a phone; what runners load
# The folder of a published version (`saved_models/<app>/<version>/`) holding an export.
TFLITE_FOLDER = "tflite"
APPS = ("sentiment", "translation")
COMMON_KEYS = (
    "format_version",
    "app",
    "models",
    "default_variant",
    "signatures",
    "tokenization",
    "special_ids",
    "size_checks",
    "run_config",
)
APP_KEYS = {
    "sentiment": ("vocabulary", "labels", "max_length", "truncate_from"),
    "translation": (
        "source_vocabulary",
        "target_vocabulary",
        "source_lowercase",
        "target_lowercase",
        "max_source_length",
        "max_target_length",
        "beam_width",
        "length_penalty",
        "state_names",
    ),
}


class MetadataError(ValueError):
    """The metadata does not fit this code, this app, or the model files beside it."""


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_model_file(path: str | os.PathLike) -> dict:
    """`{"file", "sha256", "bytes"}` for a model file (its name is relative to the folder)."""
    path = Path(path)
    return {"file": path.name, "sha256": sha256_of(path), "bytes": path.stat().st_size}


def new_metadata(
    app: str,
    model_files: dict[str, str | os.PathLike],
    default_variant: str,
    signatures: dict,
    special_ids: dict[str, int],
    size_checks: list[dict],
    run_config: dict,
    **fields,
) -> dict:
    """The common part of an export's metadata, plus the app's own `fields`.

    Args:
        app: `"sentiment"` or `"translation"`.
        model_files: variant -> written `.tflite` file (digested here).
        default_variant: the variant a runner loads when not told otherwise.
        signatures: `LiteModel.describe_signatures()` of one of the models.
        special_ids: e.g. `{"pad": 0, "unk": 1}`.
        size_checks: see `verify_sizes`.
        run_config: the exporting run's configuration.
        **fields: the app's fields (`APP_KEYS[app]` at least).
    """
    return {
        "format_version": FORMAT_VERSION,
        "app": app,
        "models": {variant: describe_model_file(path) for variant, path in model_files.items()},
        "default_variant": default_variant,
        "signatures": signatures,
        "tokenization": tokenization_spec(),
        "special_ids": special_ids,
        "size_checks": size_checks,
        "run_config": run_config,
        **fields,
    }


def write_metadata(path: str | os.PathLike, metadata: dict) -> Path:
    """Validates `metadata` (see `check_metadata`) and writes it as UTF-8 JSON.

    Written to a temporary name first and renamed, so a reader never sees half a file.
    """
    check_metadata(metadata, metadata.get("app"), source="metadata to write")
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    text = json.dumps(metadata, indent=1, ensure_ascii=False) + "\n"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def load_metadata(path: str | os.PathLike, expected_app: str) -> dict:
    """Reads and validates a `metadata.json` for `expected_app`.

    Args:
        path: the metadata file, or the export folder holding `metadata.json`.
        expected_app: `"sentiment"` or `"translation"`.

    Raises:
        MetadataError: missing or unreadable file, another format version, another app,
            or missing fields.
    """
    path = Path(path)
    if path.is_dir() or path.suffix != ".json":  # an export folder, there or not
        folder, path = path, path / METADATA_FILE
    else:
        folder = path.parent
    if not path.is_file():
        nested = folder / TFLITE_FOLDER
        hint = (
            f" This looks like an exported version folder: did you mean {nested}?"
            if (nested / METADATA_FILE).is_file()
            else " Point at the folder holding the .tflite files and metadata.json (a "
            f"version's {TFLITE_FOLDER}/ folder), or export the TFLite models with their "
            "metadata (`write_tflite_models`) into one folder."
        )
        raise MetadataError(f"Expected export metadata at {path}. Received no such file.{hint}")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MetadataError(f"{path}: expected JSON metadata. Received: {error}") from error
    check_metadata(metadata, expected_app, source=str(path))
    return metadata


def check_metadata(metadata: dict, expected_app: str | None, source: str = "metadata") -> None:
    """Checks the format version, the app and that every field the app needs is there."""
    if not isinstance(metadata, dict):
        raise MetadataError(f"{source}: expected a JSON object. Received: {type(metadata)}")
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise MetadataError(
            f"{source}: expected metadata format version {FORMAT_VERSION}. Received "
            f"{version!r}. This runner reads only version {FORMAT_VERSION}: re-export the "
            "models with this version of the exporter (or use the runner that matches it)."
        )
    if expected_app not in APPS:
        raise MetadataError(f"Expected an app in {APPS}. Received: {expected_app!r}")
    if metadata.get("app") != expected_app:
        raise MetadataError(
            f"{source}: expected metadata of a {expected_app} export. Received metadata "
            f"of app {metadata.get('app')!r}: point the {expected_app} runner at a "
            f"{expected_app} export folder."
        )
    missing = [key for key in (*COMMON_KEYS, *APP_KEYS[expected_app]) if key not in metadata]
    if missing:
        raise MetadataError(
            f"{source}: expected the fields {missing} in {expected_app} metadata. Received "
            "metadata without them: it is incomplete or hand-edited; re-export."
        )
    spec_version = metadata["tokenization"].get("version")
    if spec_version != TOKENIZATION_SPEC_VERSION:
        raise MetadataError(
            f"{source}: expected tokenization spec version {TOKENIZATION_SPEC_VERSION} (what "
            f"this runner's tokenizer implements). Received {spec_version!r}: the ids would "
            "not be the ones the model was trained on; re-export with this version."
        )


def model_path(directory: str | os.PathLike, metadata: dict, variant: str) -> Path:
    """The file of `variant` in an export folder, or an error listing the variants there."""
    models = metadata["models"]
    if variant not in models:
        raise MetadataError(
            f"Expected a model variant among {sorted(models)} (those exported). "
            f"Received: {variant!r}"
        )
    return Path(directory) / models[variant]["file"]


def verify_model_file(metadata: dict, variant: str, model_path: str | os.PathLike) -> None:
    """Checks that `model_path` exists and is the file exported with this metadata (sha256).

    Raises:
        MetadataError: another variant name, a missing file, or one whose digest differs.
    """
    models = metadata["models"]
    if variant not in models:
        raise MetadataError(
            f"Expected a model variant among {sorted(models)} (those exported). "
            f"Received: {variant!r}"
        )
    if not Path(model_path).is_file():
        raise MetadataError(
            f"Expected the {variant} model file {model_path}, listed in {METADATA_FILE} "
            "beside it. Received no such file: copy the whole export folder (every .tflite "
            f"file with its {METADATA_FILE}), or pick an exported variant that is there."
        )
    expected = models[variant]["sha256"]
    actual = sha256_of(model_path)
    if actual != expected:
        raise MetadataError(
            f"The model file {model_path} does not match metadata (sha256 {actual[:12]}... "
            f"but the metadata records {expected[:12]}... for {variant!r}): the model and "
            "metadata.json come from different exports. Copy both from one export: "
            "export them together."
        )


def load_export(
    directory: str | os.PathLike, app: str, variant: str | None = None
) -> tuple[dict, Path]:
    """Loads an export folder's metadata and finds its model of `variant`, checked.

    Args:
        directory: an export folder (`metadata.json` and the `.tflite` files).
        app: `"sentiment"` or `"translation"`.
        variant: one of the exported `VARIANTS`; None takes the export's default.

    Returns:
        `(metadata, model_path)`, the model file verified against the metadata (sha256).

    Raises:
        MetadataError: missing or mismatched metadata or model file (see `load_metadata`,
            `verify_model_file`).
    """
    metadata = load_metadata(Path(directory), expected_app=app)
    variant = variant or metadata["default_variant"]
    path = model_path(directory, metadata, variant)
    verify_model_file(metadata, variant, path)
    return metadata, path


def verify_sizes(
    metadata: dict,
    model_content: bytes,
    signatures: dict,
    outputs: Mapping[str, tuple[str, str]],
    tensors: Sequence[str],
) -> None:
    """Checks vocabulary and label counts against the model's own tensor shapes.

    The runner says what to check, so metadata cannot switch a check off:
    - `outputs`: metadata list -> `(signature, output)` whose last axis has one entry per
      item, e.g. the decoder's logits for the target vocabulary;
    - `tensors`: metadata lists whose length is the first axis of a tensor that metadata
      names in `size_checks` (`{"what", "tensor"}`), e.g. an embedding table. A list with
      no such entry is an error, not a skipped check.

    Args:
        metadata: loaded metadata.
        model_content: the model's bytes.
        signatures: `LiteModel.describe_signatures()` of the same model.
        outputs: see above.
        tensors: see above.

    Raises:
        MetadataError: a size differs (e.g. a vocabulary from another export), or the
            metadata does not name a tensor to check a list against.
    """
    named = {
        check.get("what"): check.get("tensor")
        for check in metadata.get("size_checks") or ()
        if isinstance(check, dict) and check.get("tensor")
    }
    checks = []
    for what, (signature_key, output) in outputs.items():
        signature = signatures.get(signature_key, {})
        shape = signature.get("outputs", {}).get(output, {}).get("shape")
        checks.append((what, shape, -1, f"output {output!r} of signature {signature_key!r}"))
    for what in tensors:
        if what not in named:
            raise MetadataError(
                f"Expected {METADATA_FILE} to name the model tensor whose rows match its "
                f'{what!r} (a size_checks entry {{"what": {what!r}, "tensor": ...}}). '
                "Received metadata without one: it is incomplete or hand-edited, and the "
                f"{what} cannot be checked against the model; re-export."
            )
    shapes = tensor_shapes(model_content) if tensors else {}
    for what in tensors:
        checks.append((what, shapes.get(named[what]), 0, f"tensor {named[what]!r}"))
    for what, shape, axis, where in checks:
        if not shape:
            raise MetadataError(
                f"Expected the model to have the {where} (to check {what!r} against). "
                "Received a model without it: the model and metadata come from different "
                "exports; export them together."
            )
        size = shape[axis]
        if size != len(metadata[what]):
            raise MetadataError(
                f"Expected metadata {what!r} to have as many entries as the model's {where} "
                f"(axis {axis}: {size}). Received {len(metadata[what])} entries: "
                f"this {what} does not belong to this model (swapped or edited). Use the "
                "metadata.json exported with the model: export them together."
            )
