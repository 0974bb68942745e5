"""Every written model carries its metadata's fingerprint
(`shared.export.tflite.variants.write_variants`): embedding it keeps every byte of the
converted model at its 16-byte alignment, adds 4 bytes a buffer and a few hundred more, and
leaves the outputs bit for bit as they were; the final bytes are checked before writing.
"""

import numpy as np
import pytest
from ai_edge_litert.schema_py_generated import Model

from apps.translation.tflite import (
    probe_sources,
)
from shared.edge.fingerprint import fingerprint_of, read_fingerprint
from shared.edge.flatbuffer import metadata_entries, with_metadata_entry
from shared.edge.metadata import FINGERPRINT_ENTRY, VARIANTS, load_metadata
from shared.export.tflite import TFLiteExportError
from shared.export.tflite import variants as tflite_variants
from shared.export.tflite.variants import embed_fingerprint, write_variants
from shared.export.tflite.verification import (
    Probe,
    Verification,
    check_unchanged,
)


def test_every_model_carries_the_fingerprint_of_its_metadata(sentiment_export, translation_export):
    for (_, out, summary), app in (
        (sentiment_export, "sentiment"),
        (translation_export, "translation"),
    ):
        metadata = load_metadata(out, app)
        assert summary["fingerprint"] == metadata["fingerprint"] == fingerprint_of(metadata)
        for entry in summary["files"].values():
            content = (out / entry["file"]).read_bytes()
            assert read_fingerprint(content)["fingerprint"] == metadata["fingerprint"]
            # The converter's own entries are still there.
            assert {"min_runtime_version", "CONVERSION_METADATA"} <= set(metadata_entries(content))


def test_embedding_the_fingerprint_keeps_the_converted_model_byte_for_byte(translation_export):
    """Written in front of the converted model, which stays whole at a 16-byte boundary (so
    every weight keeps its alignment): 4 bytes a buffer and a few hundred more (3.5 kB on
    this 0.24 MB model, 2.2 kB on a 3.9 MB one), same outputs."""
    trained, out, summary = translation_export
    sources = probe_sources(trained)
    probes = [Probe("encode", {"source_ids": ids}, {}) for ids in sources]
    probes += [Probe("beam_search", {"source_ids": ids}, {}) for ids in sources]
    for variant in VARIANTS:
        exported = (out / f"translation_{variant}.tflite").read_bytes()
        converted = with_metadata_entry(exported, FINGERPRINT_ENTRY, None)  # as converted
        assert FINGERPRINT_ENTRY not in metadata_entries(converted)
        final = embed_fingerprint(converted, summary["fingerprint"])
        position = final.find(converted)
        assert position > 0 and position % 16 == 0, position
        # New lists of buffers and metadata entries (4 bytes an item), root table, entry.
        items = Model.GetRootAs(final).BuffersLength() + len(metadata_entries(final))
        assert 0 < len(final) - len(converted) < 4 * items + 512
        assert metadata_entries(final) == {
            **metadata_entries(converted),
            FINGERPRINT_ENTRY: metadata_entries(exported)[FINGERPRINT_ENTRY],
        }
        check_unchanged(converted, final, probes, variant)  # bit for bit
        # Embedding again replaces the entry rather than adding one.
        again = embed_fingerprint(final, "0" * 64)
        assert read_fingerprint(again)["fingerprint"] == "0" * 64
        assert list(metadata_entries(again)) == list(metadata_entries(final))


def test_a_model_changed_while_embedding_is_caught(translation_export, monkeypatch):
    trained, out, summary = translation_export
    float32, float16 = (
        (out / f"translation_{variant}.tflite").read_bytes() for variant in ("float32", "float16")
    )
    probes = [Probe("encode", {"source_ids": ids}, {}) for ids in probe_sources(trained)]
    with pytest.raises(TFLiteExportError, match="changed the model"):
        check_unchanged(float32, float16, probes, "float32 model")
    real = with_metadata_entry
    monkeypatch.setattr(
        tflite_variants,
        "with_metadata_entry",
        lambda content, name, data: real(float16, name, data),
    )
    with pytest.raises(TFLiteExportError, match="change nothing but the model's"):
        embed_fingerprint(float32, summary["fingerprint"])


def test_the_final_bytes_are_checked_before_they_are_written(sentiment_export, tmp_path):
    """`write_variants` runs the checks again on the model with its fingerprint, and writes
    nothing that fails them."""
    trained, out, summary = sentiment_export
    exported = (out / "sentiment_float32.tflite").read_bytes()
    converted = {"float32": {"content": with_metadata_entry(exported, FINGERPRINT_ENTRY, None)}}
    ids = np.arange(2, 14, dtype=np.int32)[None]
    expected = trained.classifier(ids, training=False).numpy()
    probes = [Probe("serving_default", {"token_ids": ids}, {"probabilities": expected})]
    checked = []

    def check(variant, content):
        checked.append(read_fingerprint(content)["fingerprint"])
        return {"check": 1.0}

    parameters = trained.classifier.count_params()
    written = write_variants(
        converted,
        tmp_path,
        "m_{variant}.tflite",
        summary["fingerprint"],
        Verification(probes, parameters, [check]),
    )
    assert checked == [summary["fingerprint"]]  # the check saw the final bytes
    assert (tmp_path / "m_float32.tflite").read_bytes() == written["float32"]["content"]
    assert written["float32"]["probe_differences"]["check"] == 1.0
    assert written["float32"]["probe_differences"]["serving_default/probabilities"] <= 1e-5

    def failing(variant, content):
        raise TFLiteExportError("final bytes broke")

    with pytest.raises(TFLiteExportError, match="final bytes broke"):
        write_variants(
            converted,
            tmp_path,
            "n_{variant}.tflite",
            summary["fingerprint"],
            Verification(probes, parameters, [failing]),
        )
    assert not (tmp_path / "n_float32.tflite").exists()
