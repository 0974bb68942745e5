"""BENCHMARKS.md blocks, tables and the accuracy trace used for time-to-accuracy."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

from benchmarks.accuracy_trace import TracePoint, ValidationTrace, seconds_to_reach
from benchmarks.report import Section, Table, ratio, update_benchmarks_file


def test_table_formats_cells_and_refuses_ragged_rows():
    table = Table(["a", "b"], [[0.91234, 1234.4], [None, "x|y"]], caption="Cap:")
    text = table.to_markdown()
    assert text.startswith("Cap:\n\n| a | b |\n|---|---|\n")
    assert "| 0.9123 | 1,234 |" in text
    assert "| — | x\\|y |" in text
    with pytest.raises(ValueError, match="Expected 2 cells per row"):
        Table(["a", "b"], [[1]]).to_markdown()


def test_ratio_handles_missing_values():
    assert ratio(3.0, 2.0) == "1.50x"
    assert ratio(None, 2.0) == "n/a"
    assert ratio(1.0, 0) == "n/a"


def test_ratio_keeps_small_values_readable():
    # A 2 s baseline fit against a 533 s recipe: "0.00x" would say it took no time.
    assert ratio(2.0, 533.0) == "0.0038x"
    assert ratio(0.0, 5.0) == "0.00x"
    assert ratio(1.0, 10.0) == "0.10x"


def test_each_section_replaces_only_its_own_block(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nintro\n\n## Experiment log\n\n1. kept\n", encoding="utf-8")
    update_benchmarks_file(path, Section("a", "A", notes=["first"]), "today")
    update_benchmarks_file(path, Section("b", "B", notes=["other"]), "today")
    update_benchmarks_file(path, Section("a", "A", notes=["second"]), "tomorrow")
    text = path.read_text(encoding="utf-8")
    assert "first" not in text and "second" in text and "other" in text
    assert text.count("<!-- bench:a:begin -->") == 1
    # Generated blocks sit before the hand-written log, which survives untouched.
    assert text.index("bench:b:end") < text.index("## Experiment log")
    assert text.endswith("## Experiment log\n\n1. kept\n")
    assert text.startswith("# Benchmarks\n\nintro")


def test_plot_links_are_relative_to_the_markdown_file(tmp_path):
    plot = tmp_path / "plots" / "p.png"
    out = tmp_path / "sub" / "BENCH.md"
    out.parent.mkdir()
    update_benchmarks_file(out, Section("a", "A", plots=[plot]), "today")
    assert "](../plots/p.png)" in out.read_text(encoding="utf-8")


def test_seconds_to_reach_takes_the_first_point_at_or_above():
    points = [TracePoint(1.0, 10, 0.6), TracePoint(2.0, 20, 0.8), TracePoint(3.0, 30, 0.9)]
    assert seconds_to_reach(points, 0.8) == 2.0
    assert seconds_to_reach(points, 0.95) is None


class _Sleepy(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.01)


def test_trace_scores_every_n_steps_and_keeps_scoring_off_the_clock():
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    slow_batches = [(x, y)] * 40  # scoring is made slow on purpose
    trace = ValidationTrace(lambda: slow_batches, every_steps=3)
    started = time.perf_counter()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[_Sleepy(), trace])
    wall = time.perf_counter() - started
    steps = [p.steps for p in trace.points]
    # Every 3rd step, plus each epoch's end (8 steps per epoch), no duplicates.
    assert steps == [3, 6, 8, 9, 12, 15, 16]
    accuracy = np.mean(np.argmax(model.predict(x, verbose=0), axis=-1) == y)
    assert trace.points[-1].accuracy == pytest.approx(accuracy)
    assert all(a.seconds <= b.seconds for a, b in zip(trace.points, trace.points[1:], strict=False))
    # 16 steps x 10 ms of "training" at least; the scoring time is not in the total.
    assert trace.excluded_seconds > 0
    assert 0.16 <= trace.total_seconds <= wall - trace.excluded_seconds + 0.05
