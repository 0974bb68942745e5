"""The section itself: export each finished run once, measure every path, tabulate, plot."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from benchmarks.context import BenchContext, cpu_cores
from benchmarks.inference.exports import export_run, finished_run
from benchmarks.inference.notes import method_notes
from benchmarks.inference.plots import latency_plot, size_accuracy_plot
from benchmarks.inference.sentiment import measure_sentiment
from benchmarks.inference.settings import (
    FULL_REPEATS,
    KEY,
    LITE_THREADS,
    QUICK_REPEATS,
    THROUGHPUT_BATCH,
    MissingInput,
    RunToMeasure,
)
from benchmarks.inference.tables import (
    accuracy_table,
    sentiment_latency_table,
    size_table,
    translation_table,
)
from benchmarks.inference.translation import measure_translation
from benchmarks.report import Section

TITLE = "Inference: latency, throughput, size, TFLite accuracy"


def run(
    context: BenchContext,
    sentiment_runs: dict[str, Path],
    translation_runs: dict[str, Path],
) -> Section:
    """Measures every inference path of the given finished runs.

    Args:
        context: where data and work folders are, and whether this is the quick subset.
        sentiment_runs: name (`"sst2"`, `"imdb"`, ...) -> finished sentiment run folder.
            A name starting with `sst2` is scored on `sst2/dev.tsv.gz`, one starting with
            `imdb` on its own validation split, reproduced from the file it trained on
            (else `imdb/train.csv.gz`) with its seed and `validation_split`.
        translation_runs: name (`"spa-eng"`, ...) -> finished translation run folder.

    Returns:
        The section: latency/throughput, size, accuracy and translation tables, one or two
        plots, notes (caveats and whatever was skipped) and the raw numbers.
    """
    started = time.perf_counter()
    repeats = QUICK_REPEATS if context.quick else FULL_REPEATS
    skipped: list[str] = []
    results = {
        "settings": {
            "quick": context.quick,
            "repeats": dataclasses.asdict(repeats),
            "tflite_threads": LITE_THREADS,
            "cpu_count": cpu_cores(),
            "throughput_batch": THROUGHPUT_BATCH,
        },
        "sentiment": {},
        "translation": {},
    }
    exports: dict[Path, dict] = {}  # resolved run folder -> export summary: one export each
    apps = (
        ("sentiment", sentiment_runs, measure_sentiment),
        ("translation", translation_runs, measure_translation),
    )
    for app, runs, measure in apps:
        for name, run_dir in runs.items():
            run_started = time.perf_counter()
            try:
                run_dir = finished_run(app, name, run_dir)
                export = export_run(app, name, run_dir, context, exports, skipped)
                result = measure(RunToMeasure(context, name, run_dir, export, repeats, skipped))
            except MissingInput as missing:
                skipped.append(str(missing))
                continue
            result["seconds"] = {
                "export": export["seconds"],
                "total": round(time.perf_counter() - run_started, 1),
            }
            results[app][name] = result

    plots = [
        path
        for path in (latency_plot(context, results), size_accuracy_plot(context, results))
        if path is not None
    ]
    results["seconds"] = round(time.perf_counter() - started, 1)
    return Section(
        key=KEY,
        title=TITLE,
        tables=[
            table
            for table in (
                sentiment_latency_table(results),
                size_table(results),
                accuracy_table(results),
                translation_table(results),
            )
            if table.rows
        ],
        plots=plots,
        notes=method_notes(results) + skipped,
        results=results,
    )
