"""The `metadata.json` written beside every set of `.tflite` files, and its checks.

A phone app needs more than the model: the vocabularies, the tokenisation rules, the
labels, the special ids, the decoding settings. They travel in one JSON file written by
the exporter (`apps/*/tflite.py`) and read by the edge runners (`shared/edge/*.py`).
Loading it checks, with errors that say what to do, that:
- the file has the format this code reads (`FORMAT_VERSION`) and is for the right app;
- each model file is there and is the one exported with it (sha256: names a foreign file);
- its vocabularies and labels have the sizes the model's tensors have. Which sizes to
  check is the runner's decision (`verify_sizes`), not the metadata's: the metadata only
  says where an embedding table sits, and an export that does not say is refused;
- it says what the model was exported with: every model file carries a fingerprint of
  the metadata's content (`fingerprint_of`: vocabularies, labels, tokenisation, special
  ids, lengths, ...) in its flatbuffer's `metadata` list (`FINGERPRINT_ENTRY`), and the
  runner recomputes it from `metadata.json` (`verify_fingerprint`). A shuffled
  vocabulary of the right size, reversed labels, or another export's metadata.json with
  its sha256 entries regenerated pass the other checks and would give wrong answers
  silently; they fail here.

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

from shared.edge.runtime import flatbuffer_problem, metadata_entries, tensor_shapes
from shared.edge.text import TOKENIZATION_SPEC_VERSION, tokenization_spec

# 2: every model file carries the fingerprint of its metadata (`FINGERPRINT_ENTRY`).
FORMAT_VERSION = 2
METADATA_FILE = "metadata.json"
# The model's flatbuffer metadata entry holding `fingerprint_entry(...)`.
FINGERPRINT_ENTRY = "rnn_suite.fingerprint"
# Metadata fields the fingerprint leaves out: the model files' digests (taken after the
# fingerprint is embedded in them), the fingerprint itself, and records of the export
# that change no id and no output. Every other field counts, present and future.
UNFINGERPRINTED_KEYS = ("models", "fingerprint", "default_variant", "run_config", "exported_with")
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
    "fingerprint",
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
    default_variant: str,
    signatures: dict,
    special_ids: dict[str, int],
    size_checks: list[dict],
    run_config: dict,
    **fields,
) -> dict:
    """The common part of an export's metadata, plus the app's own `fields`, fingerprinted.

    `"fingerprint"` is `fingerprint_of` the result: embed it in every model file
    (`fingerprint_entry`, `shared.export.tflite.write_variants`), then list the written
    files with `add_model_files`. `"models"` stays empty until then.

    Args:
        app: `"sentiment"` or `"translation"`.
        default_variant: the variant a runner loads when not told otherwise.
        signatures: `LiteModel.describe_signatures()` of one of the models.
        special_ids: e.g. `{"pad": 0, "unk": 1}`.
        size_checks: see `verify_sizes`.
        run_config: the exporting run's configuration.
        **fields: the app's fields (`APP_KEYS[app]` at least).
    """
    metadata = {
        "format_version": FORMAT_VERSION,
        "app": app,
        "models": {},
        "default_variant": default_variant,
        "signatures": signatures,
        "tokenization": tokenization_spec(),
        "special_ids": special_ids,
        "size_checks": size_checks,
        "run_config": run_config,
        **fields,
    }
    metadata["fingerprint"] = fingerprint_of(metadata)
    return metadata


def add_model_files(metadata: dict, model_files: Mapping[str, str | os.PathLike]) -> dict:
    """`metadata` listing the written model files (variant -> path), each digested."""
    models = {variant: describe_model_file(path) for variant, path in model_files.items()}
    return {**metadata, "models": models}


def fingerprint_of(metadata: Mapping) -> str:
    """sha256 (hex) of the canonical JSON of every metadata field but `UNFINGERPRINTED_KEYS`.

    Canonical JSON: keys sorted, no spaces (`separators=(",", ":")`), non-ASCII text as
    UTF-8, of the fields as they read back from `metadata.json` (so tuples and lists, or
    int and str keys, cannot hash differently at export and at load).

    Raises:
        MetadataError: a field JSON cannot hold (NaN, infinities, other types).
    """
    fields = {key: value for key, value in metadata.items() if key not in UNFINGERPRINTED_KEYS}
    try:
        fields = json.loads(json.dumps(fields, allow_nan=False))
        text = json.dumps(
            fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as error:
        raise MetadataError(f"Expected metadata that JSON can hold. Received: {error}") from error
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint_entry(fingerprint: str) -> bytes:
    """The bytes of a model's `FINGERPRINT_ENTRY`: `{"fingerprint", "format_version"}` JSON."""
    entry = {"fingerprint": fingerprint, "format_version": FORMAT_VERSION}
    return json.dumps(entry, sort_keys=True, separators=(",", ":")).encode("utf-8")


def read_fingerprint(model_content: bytes, source: str | os.PathLike = "the model") -> dict:
    """The fingerprint entry embedded in a model: `{"fingerprint", "format_version"}`.

    Reads the flatbuffer only (`ai_edge_litert`'s schema): no interpreter, no TensorFlow.

    Raises:
        MetadataError: not a TFLite model, no entry (not exported by this project's
            exporter, or by one older than `FORMAT_VERSION` 2), or an unreadable one.
    """
    try:
        entries = metadata_entries(model_content)
    except ValueError as error:
        raise MetadataError(
            f"The model file {source} is not a readable TFLite model: {error}"
        ) from error
    if FINGERPRINT_ENTRY not in entries:
        raise MetadataError(
            f"The model file {source} has no rnn_suite fingerprint (no {FINGERPRINT_ENTRY!r} "
            "entry in its flatbuffer metadata): it was not exported by this project's "
            f"exporter, or is older than format version {FORMAT_VERSION}. Nothing ties it to "
            f"a {METADATA_FILE}, so its vocabulary and labels cannot be checked: re-export it "
            f"with its {METADATA_FILE} (`write_tflite_models`)."
        )
    try:
        entry = json.loads(entries[FINGERPRINT_ENTRY].decode("utf-8"))
        valid = isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)
    except (UnicodeDecodeError, json.JSONDecodeError):
        valid = False
    if not valid:
        raise MetadataError(
            f"The model file {source} has an unreadable {FINGERPRINT_ENTRY!r} entry "
            f"(expected JSON with a fingerprint and a format version). Received: "
            f"{entries[FINGERPRINT_ENTRY][:100]!r}. Re-export it with its {METADATA_FILE}."
        )
    return entry


def verify_fingerprint(
    metadata: dict, model_content: bytes, source: str | os.PathLike = "the model"
) -> None:
    """Checks that the model was exported with this metadata's content.

    The sha256 check (`verify_model_file`) says a file is not the one listed; this one
    catches what passes it: a metadata.json edited after export (a shuffled vocabulary,
    reversed labels), or another export's, with its sha256 entries regenerated.

    Args:
        metadata: loaded metadata.
        model_content: the model's bytes.
        source: names the model in the errors (its path).

    Raises:
        MetadataError: no fingerprint in the model, another format version, or a
            fingerprint other than the metadata's content gives.
    """
    entry = read_fingerprint(model_content, source)
    version = entry.get("format_version")
    if version != FORMAT_VERSION:
        raise MetadataError(
            f"The model file {source} carries a fingerprint of format version {version!r}, "
            f"but {METADATA_FILE} and this runner use format version {FORMAT_VERSION}: they "
            "come from different versions of the exporter. Re-export the models and "
            f"{METADATA_FILE} together with one version."
        )
    computed = fingerprint_of(metadata)
    if entry["fingerprint"] != computed:
        raise MetadataError(
            f"{METADATA_FILE} and {source} describe different vocabularies/labels/tokenization: "
            f"the model was exported with metadata of fingerprint {entry['fingerprint'][:12]}..., "
            f"but this {METADATA_FILE}'s content gives {computed[:12]}... (it was edited after "
            "export, e.g. a vocabulary reordered or labels swapped, or it comes from another "
            "export). Ids and labels would not mean what the model learned: export them "
            f"together (copy the .tflite files and {METADATA_FILE} from one export)."
        )
    if metadata.get("fingerprint") != computed:
        raise MetadataError(
            f"Expected {METADATA_FILE} to record the fingerprint of its own content, "
            f"{computed[:12]}... (which {source} carries). Received "
            f"{str(metadata.get('fingerprint'))[:12]!r}...: its 'fingerprint' field was "
            f"edited. Export the models and {METADATA_FILE} together."
        )


def write_metadata(path: str | os.PathLike, metadata: dict) -> Path:
    """Validates `metadata` and writes it as UTF-8 JSON.

    Checks the fields (`check_metadata`) and every model file it lists, beside `path`:
    there, with its sha256 (`verify_model_file`) and carrying this metadata's fingerprint
    (`verify_fingerprint`); so an export never writes a pair a runner would refuse.
    Written to a temporary name first and renamed, so a reader never sees half a file.
    """
    check_metadata(metadata, metadata.get("app"), source="metadata to write")
    path = Path(path)
    if not metadata["models"]:
        raise MetadataError("Expected metadata listing its model files (`add_model_files`).")
    for variant in metadata["models"]:
        model_file = model_path(path.parent, metadata, variant)
        verify_model_file(metadata, variant, model_file)
        verify_fingerprint(metadata, model_file.read_bytes(), model_file)
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
        MetadataError: another variant name, a missing file, a damaged (e.g. truncated)
            one, or one whose digest differs.
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
        # A file cut short (an interrupted copy) is damaged, not another export's model.
        problem = flatbuffer_problem(Path(model_path).read_bytes())
        if problem is not None:
            recorded = models[variant].get("bytes")
            sizes = f"{Path(model_path).stat().st_size:,} bytes" + (
                f"; {METADATA_FILE} records {recorded:,}" if isinstance(recorded, int) else ""
            )
            raise MetadataError(
                f"The model file {model_path} is damaged: not a complete TFLite model "
                f"({problem}; {sizes}). Copy it again from its export folder."
            )
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
        The runners check its fingerprint once loaded (`verify_fingerprint`).

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
