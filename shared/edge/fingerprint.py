"""The fingerprint that ties each `.tflite` file to the content of its `metadata.json`.

Every model file carries a fingerprint of the metadata's content (`fingerprint_of`:
vocabularies, labels, tokenisation, special ids, lengths, ...) in its flatbuffer's
`metadata` list (`FINGERPRINT_ENTRY`), and the runner recomputes it from `metadata.json`
(`verify_fingerprint`). A shuffled vocabulary of the right size, reversed labels, or
another export's metadata.json with its sha256 entries regenerated pass the other checks
and would give wrong answers silently; they fail here.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping

from shared.edge.flatbuffer import metadata_entries
from shared.edge.metadata import (
    FINGERPRINT_ENTRY,
    FORMAT_VERSION,
    METADATA_FILE,
    UNFINGERPRINTED_KEYS,
    MetadataError,
)


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
