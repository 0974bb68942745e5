"""The exporter's side of `metadata.json`: build it, list the model files, write it checked."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from shared.edge.fingerprint import fingerprint_of, verify_fingerprint
from shared.edge.metadata import FORMAT_VERSION, MetadataError, check_metadata
from shared.edge.model_files import describe_model_file, model_path, verify_model_file
from shared.edge.tokenization_spec import tokenization_spec


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
    (`fingerprint_entry`, `shared.export.tflite.variants.write_variants`), then list the
    written files with `add_model_files`. `"models"` stays empty until then.

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
