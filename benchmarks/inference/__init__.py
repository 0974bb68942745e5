"""The "inference" section of `make bench`: every way to run a trained model, side by side.

Each finished run is exported once into the benchmark's work folder with the apps' own
exporters (the SavedModel in TF Serving's layout, the TFLite variants and their
`metadata.json`), never into the repository's `saved_models/`. Then, in one process, the
same inputs go through Keras, the SavedModel signatures and LiteRT, timed in interleaved
rounds (`shared.export.latency.compare_calls`), so load from other jobs on a shared machine
hits every path alike: read the ratios, not the absolute times.

Sentiment: p50/p99 latency at batch 1 and throughput at batch 32 for 32- and 256-token
inputs, model sizes, and dev-set accuracy of each TFLite variant through the TF-free edge
runner. Translation: p50/p99 latency of one sentence, greedy and beam search.

Modules: `settings` (path names, sizes, repeats), `exports` (one export per run, sizes),
`sentiment` and `dev_sets` (sentiment timing and accuracy), `translation`, `tables`,
`notes` and `plots`. This package runs them in order and re-exports their names; to
monkeypatch a name, patch it in the module that defines it.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from benchmarks.context import BenchContext, cpu_cores
from benchmarks.inference.dev_sets import (
    IMDB_TRAIN,
    QUICK_EVALUATION_CAP,
    SST2_DEV,
    dev_examples,
    require_data,
    run_training_file,
)
from benchmarks.inference.exports import (
    EXPORTERS,
    TRAINED,
    artifact_sizes,
    export_run,
    finished_run,
    lite_runners,
    saved_model_bytes,
)
from benchmarks.inference.notes import method_notes
from benchmarks.inference.plots import (
    LATENCY_PLOT,
    PLOT_LABELS,
    SIZE_ACCURACY_PLOT,
    latency_plot,
    plain_log_ticks,
    size_accuracy_plot,
)
from benchmarks.inference.sentiment import (
    by_candidate,
    lite_calls,
    measure_sentiment,
    sentiment_accuracy,
    sentiment_calls,
)
from benchmarks.inference.settings import (
    FULL_REPEATS,
    KERAS,
    KERAS_FILE,
    KEY,
    LITE_THREADS,
    QUICK_REPEATS,
    SAVED_MODEL,
    SAVED_MODEL_IDS,
    SAVED_MODEL_TEXT,
    SENTIMENT_LENGTHS,
    THROUGHPUT_BATCH,
    TRANSLATION_SOURCE_TOKENS,
    MissingInput,
    Repeats,
    tflite_path,
)
from benchmarks.inference.tables import (
    accuracy_table,
    input_label,
    sentiment_latency_table,
    size_table,
    translation_table,
)
from benchmarks.inference.translation import (
    edge_translate,
    keras_translate,
    measure_translation,
    saved_model_translate,
)
from benchmarks.report import Section

__all__ = [
    "EXPORTERS",
    "FULL_REPEATS",
    "IMDB_TRAIN",
    "KERAS",
    "KERAS_FILE",
    "KEY",
    "LATENCY_PLOT",
    "LITE_THREADS",
    "PLOT_LABELS",
    "QUICK_EVALUATION_CAP",
    "QUICK_REPEATS",
    "SAVED_MODEL",
    "SAVED_MODEL_IDS",
    "SAVED_MODEL_TEXT",
    "SENTIMENT_LENGTHS",
    "SIZE_ACCURACY_PLOT",
    "SST2_DEV",
    "THROUGHPUT_BATCH",
    "TITLE",
    "TRAINED",
    "TRANSLATION_SOURCE_TOKENS",
    "MissingInput",
    "Repeats",
    "accuracy_table",
    "artifact_sizes",
    "by_candidate",
    "dev_examples",
    "edge_translate",
    "export_run",
    "finished_run",
    "input_label",
    "keras_translate",
    "latency_plot",
    "lite_calls",
    "lite_runners",
    "measure_sentiment",
    "measure_translation",
    "method_notes",
    "plain_log_ticks",
    "require_data",
    "run",
    "run_training_file",
    "saved_model_bytes",
    "saved_model_translate",
    "sentiment_accuracy",
    "sentiment_calls",
    "sentiment_latency_table",
    "size_accuracy_plot",
    "size_table",
    "tflite_path",
    "translation_table",
]

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
                result = measure(context, name, run_dir, export, repeats, skipped)
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
