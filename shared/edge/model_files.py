"""The model files an export lists in its metadata: digests, paths, and sizes checked.

Each model file is there and is the one exported with its metadata (sha256: names a
foreign file, and a file cut short is told apart as damaged); its vocabularies and
labels have the sizes the model's tensors have. Which sizes to check is the runner's
decision (`verify_sizes`), not the metadata's: the metadata only says where an embedding
table sits, and an export that does not say is refused.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared.edge.flatbuffer import flatbuffer_problem, metadata_entries, tensor_shapes
from shared.edge.metadata import METADATA_FILE, MetadataError, load_metadata

# The entry standard TFLite Model Metadata lives in (`shared.export.tflite.tflite_metadata`).
TASK_METADATA_ENTRY = "TFLITE_METADATA"


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


def model_path(directory: str | os.PathLike, metadata: dict, variant: str) -> Path:
    """The file of `variant` in an export folder, or an error listing the variants there."""
    models = metadata["models"]
    if variant not in models:
        raise MetadataError(
            f"Expected a model variant among {sorted(models)} (those exported). "
            f"Received: {variant!r}"
        )
    return Path(directory) / models[variant]["file"]


def appended_files_problem(model_content: bytes) -> str | None:
    """Why the zip of files a model with standard TFLite metadata ends with is unreadable
    (a copy cut there leaves the flatbuffer before it whole), or None."""
    if TASK_METADATA_ENTRY not in metadata_entries(model_content):
        return None
    try:
        zipfile.ZipFile(io.BytesIO(model_content)).close()
    except zipfile.BadZipFile as error:
        return f"its metadata files (a zip at its end) are cut short: {error}"
    return None


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
        content = Path(model_path).read_bytes()
        problem = flatbuffer_problem(content) or appended_files_problem(content)
        recorded = models[variant].get("bytes")
        if problem is not None:
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
      no such entry is an error, not a skipped check. `tensor` may list several names
      (the browser model's loops name the table otherwise): the first one in the model.

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
        names = [named[what]] if isinstance(named[what], str) else list(named[what])
        name = next((n for n in names if n in shapes), names[0])
        checks.append((what, shapes.get(name), 0, f"tensor {name!r}"))
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
