"""The section's PNG plots: latency per path, and sentiment model size against accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter

from benchmarks import plotting
from benchmarks.context import BenchContext
from benchmarks.inference.settings import (
    KERAS,
    KERAS_FILE,
    SAVED_MODEL_IDS,
    SAVED_MODEL_TEXT,
    tflite_path,
)
from benchmarks.inference.tables import input_label
from shared.edge.metadata import VARIANTS

LATENCY_PLOT = "inference_latency.png"
SIZE_ACCURACY_PLOT = "inference_size_accuracy.png"

PLOT_LABELS = {
    SAVED_MODEL_TEXT: "SavedModel\n(text)",
    SAVED_MODEL_IDS: "SavedModel\n(ids)",
    **{tflite_path(v): "TFLite\n" + v.replace("dynamic_range", "dyn. range") for v in VARIANTS},
}


def latency_plot(context: BenchContext, results: dict) -> Path | None:
    """Grouped bars of batch-1 p50 per path: one panel per run (log scale)."""
    panels = []
    for name, result in results["sentiment"].items():
        series = {input_label(case): case["paths"] for case in result["cases"]}
        panels.append((f"sentiment `{name}`", series))
    for name, result in results["translation"].items():
        series = {decoding: paths for decoding, paths in result["decodings"].items()}
        panels.append((f"translation `{name}`", series))
    if not panels:
        return None
    figure, axes = plotting.new_figure(width=5.0 * len(panels), height=4.4, columns=len(panels))
    for panel, (title, series) in zip(axes, panels, strict=True):
        paths = list(next(iter(series.values())))
        width = 0.8 / len(series)
        for index, (label, measured) in enumerate(series.items()):
            positions = np.arange(len(paths)) + (index - (len(series) - 1) / 2) * width
            values = [measured[p]["p50_ms"] for p in paths]
            bars = panel.bar(positions, values, width, label=label)
            panel.bar_label(bars, fmt="%.3g", fontsize=6)
        panel.set_xticks(np.arange(len(paths)))
        panel.set_xticklabels([PLOT_LABELS.get(p, p) for p in paths], fontsize=7)
        panel.set_yscale("log")
        plain_log_ticks(panel.yaxis)
        panel.set_ylabel("p50 latency at batch 1 (ms, log)")
        panel.set_title(title, fontsize=9)
        panel.legend(fontsize=7)
    return plotting.save_figure(figure, context.plot_path(LATENCY_PLOT))


def size_accuracy_plot(context: BenchContext, results: dict) -> Path | None:
    """Model size against dev accuracy for each sentiment run and path."""
    points = [
        (name, path, result["sizes"][KERAS_FILE if path == KERAS else path], m["accuracy"])
        for name, result in results["sentiment"].items()
        for path, m in (result.get("accuracy") or {}).get("paths", {}).items()
    ]
    if not points:
        return None
    figure, axes = plotting.new_figure()
    for name in dict.fromkeys(point[0] for point in points):
        mine = [point for point in points if point[0] == name]
        axes.scatter([p[2] / 1e6 for p in mine], [p[3] for p in mine], label=name)
        for _, path, size, accuracy in mine:
            label = f"{path} (.keras)" if path == KERAS else path
            axes.annotate(
                label, (size / 1e6, accuracy), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
    # At least 2 points of accuracy on the axis, so a 0.3-point difference looks its size.
    low, high = min(p[3] for p in points), max(p[3] for p in points)
    middle, half = (low + high) / 2, max((high - low) / 2 + 0.005, 0.01)
    axes.set_ylim(middle - half, middle + half)
    axes.margins(x=0.15)
    axes.set_xscale("log")
    plain_log_ticks(axes.xaxis)
    axes.set_xlabel("model file size (MB, log)")
    axes.set_ylabel("dev accuracy")
    axes.set_title("Sentiment: size vs accuracy (Keras .keras and TFLite variants)", fontsize=9)
    axes.legend(fontsize=8)
    return plotting.save_figure(figure, context.plot_path(SIZE_ACCURACY_PLOT))


def plain_log_ticks(axis) -> None:
    """Log-axis tick labels as plain numbers (`20`, not `2 x 10^1`); on an axis over a
    decade wide, minor ticks are labelled at 2x and 5x only, so they do not crowd."""

    def minor(value, _):
        low, high = axis.get_view_interval()
        leading = round(value / 10 ** np.floor(np.log10(value)))
        return f"{value:g}" if high < 10 * low or leading in (2, 5) else ""

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(FuncFormatter(minor))
