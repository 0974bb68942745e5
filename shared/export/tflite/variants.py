"""Every variant converted and verified, then given its metadata's fingerprint and written.

`convert_variants` converts and verifies, writing nothing: the metadata depends on what
converted. `write_variants` then embeds the fingerprint of `metadata.json` in each model
(`embed_fingerprint`: what lets a runner refuse metadata edited or swapped after export),
verifies the final bytes again, and writes them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared.edge.fingerprint import fingerprint_entry, read_fingerprint
from shared.edge.flatbuffer import (
    constant_bytes,
    metadata_entries,
    operator_names,
    tensor_shapes,
    with_metadata_entry,
)
from shared.edge.metadata import FINGERPRINT_ENTRY, VARIANTS, MetadataError
from shared.export.progress import stage
from shared.export.tflite import TFLiteExportError
from shared.export.tflite.converter import convert_saved_model
from shared.export.tflite.verification import Verification, check_unchanged


def convert_variants(
    saved_model_dir: str | os.PathLike,
    signature_keys: Sequence[str],
    verification: Verification,
    variants: Sequence[str] = VARIANTS,
) -> dict[str, dict]:
    """Converts the signatures once per variant and checks each model (`verification`).

    Args:
        saved_model_dir: a SavedModel from `save_endpoints`.
        signature_keys: signatures every model keeps.
        verification: the probes, weight count and checks every model must pass.
        variants: a subset of `VARIANTS`.

    Returns:
        `{variant: {"content": bytes, "probe_differences": {name: diff}}}`, differences
        keyed `"<signature>/<output>"` (the largest over the probes).

    Raises:
        TFLiteExportError: a conversion failed, used non-builtin ops, lost its weights,
            missed a probe or failed a check.
    """
    converted = {}
    checks = verification.checks
    for number, variant in enumerate(variants, 1):
        step = f"TFLite {variant} ({number}/{len(variants)})"
        stage("%s: converting %s", step, ", ".join(signature_keys))
        content = convert_saved_model(saved_model_dir, signature_keys, variant)
        extra = f" and {len(checks)} decoding checks" if checks else ""
        probes = len(verification.probes)
        stage("%s: verifying against TensorFlow on %d probe inputs%s", step, probes, extra)
        differences = verification.check(variant, content)
        converted[variant] = {"content": content, "probe_differences": differences}
    return converted


def embed_fingerprint(model_content: bytes, fingerprint: str) -> bytes:
    """The model carrying `fingerprint` (its metadata's, `fingerprint_of`) in the
    flatbuffer's `metadata` list, under `FINGERPRINT_ENTRY`.

    Every byte of the converted model is kept, at its alignment
    (`shared.edge.flatbuffer.with_metadata_entry`); checked here: the ops, tensor shapes,
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


def write_variants(
    converted: Mapping[str, Mapping],
    out_dir: str | os.PathLike,
    file_pattern: str,
    fingerprint: str,
    verification: Verification,
) -> dict[str, dict]:
    """Embeds `fingerprint` in each converted model, checks the final bytes, writes them.

    The final model must give the converted one's outputs bit for bit on every probe
    (`check_unchanged`) and pass `verification` again, as at conversion: what is written
    is what was checked.

    Args:
        converted: `convert_variants`' result.
        out_dir: where the `.tflite` files go.
        file_pattern: file name with a `{variant}` field, e.g. `"sentiment_{variant}.tflite"`.
        fingerprint: `metadata["fingerprint"]` of the metadata written with the models
            (`shared.edge.metadata_writer.new_metadata`).
        verification: as given to `convert_variants`.

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
        check_unchanged(item["content"], content, verification.probes, f"{variant} model")
        differences = verification.check(variant, content)
        path = Path(out_dir) / file_pattern.format(variant=variant)
        path.write_bytes(content)
        written[variant] = {"path": path, "content": content, "probe_differences": differences}
    return written
