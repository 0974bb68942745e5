"""The export command and what it ships beside the SavedModel: its JSON summary, phone
models that agree with the SavedModel, and the latency comparison tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.sentiment.cli import main as sentiment_main
from shared.edge.flatbuffer import carried_state_tensors
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH
from shared.export.versions import existing_versions


def test_export_command_writes_a_version_and_ends_with_json(tiny_sentiment_run, tmp_path, capsys):
    argv = ["export", str(tiny_sentiment_run), "--saved-models", str(tmp_path), "--no-tflite"]
    assert sentiment_main(argv) == 0
    assert sentiment_main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["version"] == 2 and Path(summary["path"]) == tmp_path / "sentiment" / "2"
    assert existing_versions(tmp_path / "sentiment") == [1, 2]


def test_export_without_a_finished_run_says_what_is_missing(tmp_path, capsys):
    code = sentiment_main(["export", str(tmp_path / "nope"), "--saved-models", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "nope" in err
    assert existing_versions(tmp_path / "sentiment") == []


def test_latency_comparison_times_every_candidate_on_the_same_cases(
    cli_exports, tiny_sentiment_run, tmp_path
):
    from apps.sentiment.export import latency_comparison
    from shared.export.latency import format_table

    exported = cli_exports[1]["sentiment"]
    tables = latency_comparison(tiny_sentiment_run, Path(exported["path"]), tmp_path)
    assert [title.split(" (")[0] for title, _, _ in tables] == ["Serving", "Phone path"]
    serving_rows = tables[0][1]
    assert {r["candidate"] for r in serving_rows} == {
        "model.export (ids)",
        "ours, plain graph (text)",
        "ours, XLA (text)",
    }
    phone_candidates = {r["candidate"] for r in tables[1][1]}
    assert phone_candidates == {
        "XLA tf.function (ids)",
        "LiteRT float32 (ids)",
        "LiteRT float16 (ids)",
        "LiteRT dynamic_range (ids)",
    }
    for _, rows, reference in tables:
        cases = {r["case"] for r in rows}
        assert len(rows) == len(cases) * len({r["candidate"] for r in rows})
        assert all(0 < r["p50_ms"] <= r["p99_ms"] for r in rows)
        lines = [line for line in format_table(rows, reference).splitlines()]
        reference_lines = [line for line in lines if f"| {reference} |" in line]
        assert len(reference_lines) == len(cases)
        assert all(line.endswith("| 1.00x |") for line in reference_lines)


def test_full_export_ships_phone_models_that_agree_with_the_savedmodel(cli_exports):
    from shared.edge.metadata import load_metadata
    from shared.edge.sentiment import EdgeSentimentClassifier
    from shared.edge.translation import EdgeTranslator

    root, summaries = cli_exports  # both runs through the `export` command, once per session
    summary = summaries["sentiment"]
    tflite_dir = Path(summary["tflite"]["directory"])
    assert tflite_dir == root / "sentiment" / "1" / "tflite"  # inside the version
    assert load_metadata(tflite_dir, expected_app="sentiment")["app"] == "sentiment"
    texts = ["a great film , truly", "dull and far too long", "", "ok " * 100]
    served = tf.saved_model.load(summary["path"]).signatures["serving_default"]
    expected = served(text=tf.constant(texts))["probabilities"].numpy()
    for variant, tolerance in {"float32": 1e-5, "float16": 1e-3, "dynamic_range": 2e-2}.items():
        phone = EdgeSentimentClassifier.from_directory(tflite_dir, variant=variant)
        np.testing.assert_allclose(phone.predict(texts), expected, atol=tolerance)

    summary = summaries["translation"]
    sentences = ["el perro come pan .", "¿dónde está la casa?", ""]
    served = tf.saved_model.load(summary["path"]).signatures["translate_greedy"]
    expected = [t.decode() for t in served(text=tf.constant(sentences))["translation"].numpy()]
    phone = EdgeTranslator.from_directory(summary["tflite"]["directory"], variant="float32")
    assert phone.translate(sentences, beam_width=1) == expected


def test_unfused_phone_export_is_stateless_and_recorded(tiny_sentiment_run, tmp_path, capsys):
    from shared.edge.runtime import LiteModel

    argv = ["export", str(tiny_sentiment_run), "--saved-models", str(tmp_path)]
    assert sentiment_main([*argv, "--no-fused-lstm"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    info = json.loads((Path(summary["path"]) / EXPORT_INFO_RELATIVE_PATH).read_text())
    assert info["tflite"]["fused_lstm"] is False
    assert set(info["tflite"]["files"]) == {"float32", "float16", "dynamic_range"}
    model = LiteModel.from_file(Path(summary["tflite"]["directory"]) / "sentiment_float32.tflite")
    assert carried_state_tensors(model.model_content) == []  # nothing kept between calls
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" not in model.operator_names()


def test_translation_latency_comparison_has_serving_and_phone_tables(
    cli_exports, tiny_translation_run, tmp_path
):
    from apps.translation.export import latency_comparison

    exported = cli_exports[1]["translation"]
    tables = latency_comparison(tiny_translation_run, Path(exported["path"]), tmp_path)
    (_, serving_rows, _), (_, phone_rows, reference) = tables
    assert {r["candidate"] for r in serving_rows} == {"plain graph", "XLA"}
    assert {r["candidate"] for r in phone_rows} == {
        reference,
        "LiteRT float32 (text)",
        "LiteRT float16 (text)",
        "LiteRT dynamic_range (text)",
    }
    assert {r["case"].split(", ")[-1] for r in phone_rows} == {"greedy", "beam 3"}
