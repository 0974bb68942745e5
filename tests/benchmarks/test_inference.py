"""The benchmark's inference section on the tiny runs: what it reports must be true."""

import csv
import dataclasses
import gzip
import json
import types
from pathlib import Path

import numpy as np
import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.corpus import generate_reviews
from apps.sentiment.inference import SentimentPredictor
from benchmarks.context import BenchContext
from benchmarks.inference import dev_sets, exports, plots, settings, tables
from benchmarks.inference import section as inference_section
from benchmarks.inference.sentiment import sentiment_accuracy
from shared.edge.metadata import BROWSER_VARIANT, TFLITE_FOLDER, VARIANTS
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.export.exporter import AppExport
from shared.export.tflite import TFLiteExportError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SENTIMENT_PATHS = {
    settings.KERAS,
    settings.SAVED_MODEL_TEXT,
    settings.SAVED_MODEL_IDS,
    *(settings.tflite_path(v) for v in VARIANTS),
}
TRANSLATION_PATHS = {settings.KERAS, settings.SAVED_MODEL} | {
    settings.tflite_path(v) for v in VARIANTS
}


def write_dev_tsv(path: Path, count: int = 24) -> tuple[list[str], list[str]]:
    """An SST-2-style dev file (`sentence\\tlabel`, gzip) of reviews the model never saw."""
    texts, labels = generate_reviews(count, seed=2024)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(["sentence", "label"])
        writer.writerows(zip(texts, labels, strict=True))
    return texts, labels


@pytest.fixture(scope="module")
def measured(tiny_sentiment_run, tiny_translation_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-inference")
    dev = write_dev_tsv(root / "data" / dev_sets.SST2_DEV)
    context = BenchContext(
        data_dir=root / "data", work_dir=root / "work", plots_dir=root / "plots", quick=True
    )
    section = inference_section.run(
        context, {"sst2": tiny_sentiment_run}, {"spa-eng": tiny_translation_run}
    )
    return section, context, dev


def table(section, caption_start: str):
    (found,) = [t for t in section.tables if t.caption.startswith(caption_start)]
    return [dict(zip(found.columns, row, strict=True)) for row in found.rows]


def test_every_sentiment_path_is_timed_at_both_lengths(measured, tiny_sentiment_run):
    section, _, _ = measured
    rows = table(section, "**Sentiment latency")
    max_length = TrainedSentimentModel.load(tiny_sentiment_run).vectorizer.max_length
    inputs = {"32 tokens", f"256 words -> {max_length} tokens"}  # the tiny run cuts at 48
    assert {(r["input"], r["path"]) for r in rows} == {
        (i, p) for i in inputs for p in SENTIMENT_PATHS
    }
    for row in rows:
        assert 0 < row["p50 ms (batch 1)"] <= row["p99 ms (batch 1)"], row
        tokens = 32 if row["input"] == "32 tokens" else max_length
        sequences = row["sequences/s (batch 32)"]
        assert sequences > 0
        assert row["tokens/s (batch 32)"] == pytest.approx(sequences * tokens)
    for case in section.results["sentiment"]["sst2"]["cases"]:
        keras = case["paths"][settings.KERAS]
        for path, m in case["paths"].items():
            # 32 sequences in the batch time: the throughput is what the p50 says.
            assert m["sequences_per_s"] == pytest.approx(32_000 / m["batch_p50_ms"])
            label = tables.input_label(case)
            (row,) = [r for r in rows if r["input"] == label and r["path"] == path]
            assert row["speed-up vs Keras"] == f"{keras['p50_ms'] / m['p50_ms']:.2f}x"
    assert "TFLite dynamic_range" in section.to_markdown("today")


def saved_model_bytes(version: Path) -> int:
    files = [version / "saved_model.pb", version / "fingerprint.pb"]
    for folder in ("variables", "assets"):
        files += [p for p in (version / folder).rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def test_sizes_are_the_files_on_disk(measured, tiny_sentiment_run, tiny_translation_run):
    section, context, _ = measured
    rows = table(section, "**Model sizes")
    runs = {
        "sentiment": (tiny_sentiment_run, section.results["sentiment"]["sst2"]),
        "translation": (tiny_translation_run, section.results["translation"]["spa-eng"]),
    }
    # Each app's files, and sentiment's browser model (its phone models are fused LSTMs,
    # which LiteRT.js cannot load; translation has no browser model).
    variants = {"sentiment": (*VARIANTS, BROWSER_VARIANT), "translation": VARIANTS}
    assert len(rows) == sum(2 + len(v) for v in variants.values())
    for row in rows:
        run_dir, result = runs[row["app"]]
        version = Path(result["export"])
        # Exported into the benchmark's work folder, never into the repository.
        assert context.work_dir in version.parents
        expected = {
            "model.keras": (Path(run_dir) / "model.keras").stat().st_size,
            "SavedModel": saved_model_bytes(version),
            **{
                settings.tflite_path(v): (version / TFLITE_FOLDER / f"{row['app']}_{v}.tflite")
                .stat()
                .st_size
                for v in variants[row["app"]]
            },
        }
        assert row["bytes"] == expected[row["artifact"]], row


def test_tflite_accuracy_and_agreement_match_a_recount(measured, tiny_sentiment_run):
    section, _, (texts, labels) = measured
    rows = table(section, "**Sentiment accuracy")
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    truth = np.array([trained.labels.names.index(label) for label in labels])
    keras = SentimentPredictor(trained).predict(texts)[0].argmax(axis=-1)
    folder = Path(section.results["sentiment"]["sst2"]["export"]) / TFLITE_FOLDER
    predicted = {settings.KERAS: keras}
    for variant in VARIANTS:
        runner = EdgeSentimentClassifier.from_directory(folder, variant=variant, num_threads=1)
        predicted[settings.tflite_path(variant)] = runner.predict(texts).argmax(axis=-1)
    assert {r["path"] for r in rows} == set(predicted)
    for row in rows:
        assert row["examples"] == len(texts)
        assert row["accuracy"] == pytest.approx(np.mean(predicted[row["path"]] == truth))
        assert row["agreement with Keras"] == pytest.approx(
            np.mean(predicted[row["path"]] == keras)
        )
    # Accuracies can only differ from Keras' by the examples the variant labels otherwise.
    keras_row = next(r for r in rows if r["path"] == settings.KERAS)
    for row in rows:
        assert (
            abs(row["accuracy"] - keras_row["accuracy"]) <= 1 - row["agreement with Keras"] + 1e-9
        )


def test_imdb_split_is_the_one_training_scored(measured, tiny_sentiment_run):
    """An `imdb` run is scored on its own validation split: same size, same Keras accuracy."""
    section, context, _ = measured
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    metrics = json.loads((Path(tiny_sentiment_run) / "metrics.json").read_text())
    folder = Path(section.results["sentiment"]["sst2"]["export"]) / TFLITE_FOLDER
    lites = {
        v: EdgeSentimentClassifier.from_directory(folder, variant=v, num_threads=1)
        for v in VARIANTS
    }
    accuracy = sentiment_accuracy(context, "imdb", trained, lites)
    assert accuracy["examples"] == accuracy["available"] == metrics["n"]
    assert accuracy["paths"][settings.KERAS]["accuracy"] == pytest.approx(
        metrics["accuracy"], abs=5e-5
    )
    assert accuracy["run_validation"] == {"examples": metrics["n"], "accuracy": metrics["accuracy"]}


def test_quick_mode_caps_the_scored_examples(tiny_sentiment_run, tmp_path, monkeypatch):
    texts, _ = write_dev_tsv(tmp_path / dev_sets.SST2_DEV, count=9)
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    monkeypatch.setattr(dev_sets, "QUICK_EVALUATION_CAP", 5)
    quick = BenchContext(data_dir=tmp_path, work_dir=tmp_path / "w", quick=True)
    full = dataclasses.replace(quick, quick=False)
    assert dev_sets.dev_examples(quick, "sst2", trained)["texts"] == texts[:5]
    assert dev_sets.dev_examples(full, "sst2", trained)["texts"] == texts


def test_every_translation_path_is_timed(measured, tiny_translation_run):
    section, _, _ = measured
    rows = table(section, "**Translation latency")
    result = section.results["translation"]["spa-eng"]
    assert result["source_tokens"] == 20  # 32 asked, capped at the tiny run's max_source_length
    assert {(r["decoding"], r["path"]) for r in rows} == {
        (d, p) for d in ("greedy", "beam 3") for p in TRANSLATION_PATHS
    }
    for row in rows:
        assert 0 < row["p50 ms"] <= row["p99 ms"], row
        assert row["sentences/s"] == pytest.approx(1000 / row["p50 ms"])
        outputs = result["decodings"][row["decoding"]]
        same = outputs[row["path"]]["output"] == outputs[settings.KERAS]["output"]
        assert row["same output as Keras"] == ("yes" if same else "no")
    # The whole-loop signatures were what the TFLite rows timed.
    assert result["tflite_loop_signatures"] == {
        "greedy": {settings.tflite_path(v): "greedy" for v in VARIANTS},
        "beam 3": {settings.tflite_path(v): "beam_search" for v in VARIANTS},
    }


def test_plots_are_png_files(measured):
    section, context, _ = measured
    names = {Path(p).name for p in section.plots}
    assert names == {plots.LATENCY_PLOT, plots.SIZE_ACCURACY_PLOT}
    for plot in section.plots:
        assert Path(plot).parent == context.plot_path("x.png").parent
        content = Path(plot).read_bytes()
        assert content.startswith(PNG_SIGNATURE) and len(content) > 5000
    json.dumps(section.results)  # the raw numbers are written as JSON by the caller


def test_missing_runs_and_data_become_notes(tmp_path, tiny_sentiment_run):
    context = BenchContext(data_dir=tmp_path / "no-data", work_dir=tmp_path / "w", quick=True)
    section = inference_section.run(
        context, {"sst2": tmp_path / "no-such-run"}, {"spa-eng": tmp_path / "unfinished"}
    )
    assert section.tables == [] and section.plots == []
    assert section.results["sentiment"] == {} and section.results["translation"] == {}
    skipped = [n for n in section.notes if "skipped" in n]
    assert len(skipped) == 2 and "no-such-run" in skipped[0] and "unfinished" in skipped[1]

    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    with pytest.raises(settings.MissingInput, match="sst2/dev.tsv.gz is missing"):
        dev_sets.dev_examples(context, "sst2", trained)
    with pytest.raises(settings.MissingInput, match="no dev set is known for run name `yelp`"):
        dev_sets.dev_examples(context, "yelp", trained)


def test_a_variant_the_exporter_refuses_is_left_out_with_a_note(tmp_path, monkeypatch):
    """The real spa-eng run's dynamic_range model fails the exporter's parity check: the
    other variants must still be exported and measured, and the note must say why."""
    written = []

    def build_export(run_dir, tflite=True):
        def refuse(out_dir):
            raise TFLiteExportError(
                "Expected output 'x' of the dynamic_range model (encode) within 0.1 of "
                "TensorFlow's on a probe input. Received a difference of 0.111.\nmore"
            )

        return AppExport("translation", run_dir, {}, [], [], {}, refuse if tflite else None)

    def export_version(spec, root):
        if spec.write_tflite is None:
            return {"path": str(root / "translation" / "1"), "tflite": None}
        written.append(spec.write_tflite)
        spec.write_tflite(root)  # the first spec refuses; the retry's writer is recorded
        return {"path": str(root / "translation" / "1"), "tflite": {"files": {}}}

    entry_points = {
        "saved_model_export": build_export,
        "phone_export": lambda *a, **k: {"files": {}},
        "trained_run": type("T", (), {"load": staticmethod(str)}),
    }
    registered = types.SimpleNamespace(load_entry=entry_points.__getitem__)
    monkeypatch.setattr(exports, "app_entry", {"translation": registered}.__getitem__)
    monkeypatch.setattr(exports, "export_version", export_version)
    skipped = []
    context = BenchContext(work_dir=tmp_path, quick=True)
    summary = exports.export_run("translation", "spa-eng", tmp_path, context, {}, skipped)
    assert written[-1].keywords == {"variants": ("float32", "float16")}
    assert skipped == summary["notes"]
    assert skipped[0].startswith("translation run `spa-eng`: TFLite dynamic_range not exported")
    assert "difference of 0.111" in skipped[0] and "more" not in skipped[0]
