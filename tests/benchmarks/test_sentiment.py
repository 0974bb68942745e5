"""The sentiment benchmark section on a tiny made-up SST-2 layout (quick mode)."""

from __future__ import annotations

import dataclasses
import gzip
import json

import numpy as np
import pytest

from apps.sentiment.corpus import generate_reviews
from benchmarks import sentiment
from benchmarks.accuracy_trace import TracePoint, seconds_to_reach
from benchmarks.context import BenchContext
from benchmarks.reference_recipe import recipe_ids
from benchmarks.report import ratio, save_results
from benchmarks.sentiment_report import section_from_results
from shared.evaluation.paired_comparison import format_p_value


def _write_tsv(path, texts, labels):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("sentence\tlabel\n")
        f.writelines(f"{t}\t{y}\n" for t, y in zip(texts, labels, strict=True))


@pytest.fixture(scope="module")
def quick_section(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-sentiment")
    texts, labels = generate_reviews(500, seed=5)
    _write_tsv(root / "data/sst2/train.tsv.gz", texts[:400], labels[:400])
    _write_tsv(root / "data/sst2/dev.tsv.gz", texts[400:], labels[400:])
    context = BenchContext(data_dir=root / "data", work_dir=root / "work", quick=True)
    # What is checked here is the section's bookkeeping, not the models' size: the
    # reference recipe and the quick bag of n-grams shrunk to tiny (a third less time).
    tiny_recipe = dataclasses.replace(
        sentiment.KERAS_IO_RECIPE, max_features=2000, max_length=48, embedding_dim=16, units=8
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sentiment, "KERAS_IO_RECIPE", tiny_recipe)
        patch.setattr(sentiment, "QUICK_NGRAM_BUCKETS", 64)
        return context, sentiment.run(context)


def test_quick_section_scores_all_three_models_on_the_same_dev_set(quick_section):
    context, section = quick_section
    result = section.results["sst2"]
    assert result["validation_examples"] == 100 and result["train_examples"] == 400
    run_dir = context.work("sentiment", "sst2", "ours")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    assert result["ours"]["accuracy"] == metrics["accuracy"]
    # The bench's own baseline fit and the train command's agree: same split, same seed.
    assert result["baseline"]["accuracy"] == pytest.approx(
        metrics["baseline"]["accuracy"], abs=1e-4
    )
    # One epoch: the kept model is the last one, which the trace scored at the epoch's end.
    assert result["ours"]["trace"][-1]["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-4)
    assert result["ours"]["preset"] == "sentences"
    assert 0 <= result["reference"]["accuracy"] <= 1


def test_section_states_the_paired_verdict_against_the_in_run_baseline(quick_section):
    context, section = quick_section
    metrics = json.loads(
        (context.work("sentiment", "sst2", "ours") / "metrics.json").read_text(encoding="utf-8")
    )
    verdict = {"wins": "beats the baseline", "loses": "LOSES to the baseline", "ties": "a tie"}
    note = next(n for n in section.notes if "against its in-run baseline" in n)
    assert verdict[metrics["comparison"]["verdict"]] in note
    assert format_p_value(metrics["comparison"]["mcnemar_p"]) in note


def test_time_to_reference_accuracy_and_ratios_follow_the_traces(quick_section):
    _, section = quick_section
    result = section.results["sst2"]
    points = [TracePoint(**p) for p in result["ours"]["trace"]]
    reach = seconds_to_reach(points, result["reference"]["accuracy"])
    assert result["ours_seconds_to_reference_accuracy"] == reach
    cost = section.tables[1].to_markdown()
    assert ratio(reach, result["reference"]["train_seconds"]) in cost
    steps = [p.steps for p in points]
    assert steps == sorted(set(steps)) and len(steps) >= 4  # 4 samples per epoch in quick mode
    assert result["ours_tokens_per_second"] > 0 and result["reference_tokens_per_second"] > 0


def test_targets_table_says_met_only_when_met(quick_section):
    _, section = quick_section
    accuracy = section.results["sst2"]["ours"]["accuracy"]
    rows = {row[0]: row for row in section.tables[2].rows}
    row = rows[f"{section.results['sst2']['description']}: accuracy >= 0.88"]
    assert row[1] == accuracy
    assert row[2] == ("yes" if accuracy >= 0.88 else "**no**")


def test_plot_is_a_png_and_results_are_json(quick_section, tmp_path):
    context, section = quick_section
    (plot,) = section.plots
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(plot).startswith(str(context.work_dir))  # quick plots stay out of the repo
    saved = json.loads(save_results(tmp_path, section).read_text(encoding="utf-8"))
    assert saved["sst2"]["ours"]["accuracy"] == section.results["sst2"]["ours"]["accuracy"]


def test_missing_data_is_a_note_not_a_crash(tmp_path):
    context = BenchContext(data_dir=tmp_path / "nothing", work_dir=tmp_path / "w", quick=True)
    section = sentiment.run(context)
    assert section.results == {} and section.tables == []
    assert any("skipped" in note and "sst2/train.tsv.gz" in note for note in section.notes)


def test_recipe_ids_pad_and_truncate_at_the_front_like_pad_sequences():
    import keras

    vectorizer = keras.layers.TextVectorization(
        standardize="lower_and_strip_punctuation", ragged=True
    )
    vectorizer.adapt(["a b c d e f"])
    ids = recipe_ids(["a b", "A, b c d e f!"], vectorizer, max_length=4)
    vocabulary = vectorizer.get_vocabulary()
    words = [[vocabulary[i] if i else "" for i in row] for row in ids]
    assert words == [["", "", "a", "b"], ["c", "d", "e", "f"]]
    assert ids.dtype == np.int32


def test_saved_results_render_the_same_tables(quick_section, tmp_path):
    _, section = quick_section
    saved = json.loads(save_results(tmp_path, section).read_text(encoding="utf-8"))
    again = section_from_results(saved, section.notes[:1])
    assert [t.to_markdown() for t in again.tables] == [t.to_markdown() for t in section.tables]
    result = section.results["sst2"]
    best = max(p["accuracy"] for p in result["reference"]["trace"])
    (row,) = section.tables[1].rows
    assert row[4] == best and best >= result["reference"]["accuracy"]
    points = [TracePoint(**p) for p in result["ours"]["trace"]]
    assert row[5] == seconds_to_reach(points, best)
