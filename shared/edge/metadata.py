"""The `metadata.json` written beside every set of `.tflite` files: its format, and reading it.

A phone app needs more than the model: the vocabularies, the tokenisation rules, the
labels, the special ids, the decoding settings. They travel in one JSON file written by
the exporter (`shared/export/tflite/phone_export.py`, through `metadata_writer.py`) and
read by the edge runners (`shared/edge/runner.py`), which check, with errors that say
what to do, that:
- the file has the format this code reads (`FORMAT_VERSION`) and is for the right app
  (`check_metadata`, here);
- each model file is there and is the one exported with it, and its vocabularies and
  labels have the sizes the model's tensors have (`model_files.py`);
- each model file was exported with this metadata's content (`fingerprint.py`): a
  shuffled vocabulary of the right size or reversed labels pass the other checks.

This module holds the names both sides must agree on (variants, the export folder, the
fields). No TensorFlow in any of these modules: they run where only LiteRT and numpy are
installed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from shared.edge.tokenization_spec import TOKENIZATION_SPEC_VERSION

# 2: every model file carries the fingerprint of its metadata (`FINGERPRINT_ENTRY`).
# 3: no model keeps state between calls (no `reset_variables_*` fields; nothing to reset).
FORMAT_VERSION = 3
# What changed since each older version, told to whoever brings such an export.
_OLDER_FORMATS = {
    2: "its models keep the fused LSTM's state between calls, for a reset this runner "
    "no longer does",
}
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
# Written beside fused-LSTM variants: the dynamic-range model with unfused LSTMs (`WHILE`
# loops, no variable tensors), for LiteRT.js, which refuses variable tensors; its
# `models` entry says `"fused_lstm": false`. Not one of `VARIANTS` (benchmarks, MediaPipe).
BROWSER_VARIANT = "browser"
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
            f"{version!r}{_why_older(version)}. This runner reads only version "
            f"{FORMAT_VERSION}: re-export the models with this version of the exporter (or "
            "use the runner that matches it)."
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


def _why_older(version) -> str:
    return f" ({_OLDER_FORMATS[version]})" if version in _OLDER_FORMATS else ""
