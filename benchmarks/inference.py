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
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf
from matplotlib.ticker import FuncFormatter

from apps.sentiment import export as sentiment_export
from apps.sentiment import tflite as sentiment_tflite
from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.data import DataOptions, load_examples
from apps.sentiment.predictor import SentimentPredictor
from apps.sentiment.train import split_examples
from apps.translation import export as translation_export
from apps.translation import tflite as translation_tflite
from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from benchmarks import plotting
from benchmarks.context import BenchContext
from benchmarks.report import Section, Table, ratio
from shared.datasets.errors import DataError
from shared.edge.metadata import TFLITE_FOLDER, VARIANTS
from shared.edge.runtime import measure_latency
from shared.edge.sentiment import INPUT_NAME, OUTPUT_NAME, SIGNATURE, EdgeSentimentClassifier
from shared.edge.translation import EdgeTranslator
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH, export_version
from shared.export.latency import compare_calls
from shared.export.serving import text_of_words
from shared.export.tflite import TFLiteExportError
from shared.training.run_directory import RunDirectory

KEY = "inference"
TITLE = "Inference: latency, throughput, size, TFLite accuracy"
LATENCY_PLOT = "inference_latency.png"
SIZE_ACCURACY_PLOT = "inference_size_accuracy.png"

# Path names, as they appear in the tables and `results`.
KERAS = "Keras"
SAVED_MODEL_TEXT = "SavedModel serving_default"
SAVED_MODEL_IDS = "SavedModel classify_token_ids"
SAVED_MODEL = "SavedModel"
KERAS_FILE = "model.keras"

SENTIMENT_LENGTHS = (32, 256)  # words per input text
THROUGHPUT_BATCH = 32
TRANSLATION_SOURCE_TOKENS = 32  # capped at the run's max_source_length
LITE_THREADS = 1  # what a phone app typically gives LiteRT
QUICK_EVALUATION_CAP = 300  # dev examples scored in quick mode
SST2_DEV = "sst2/dev.tsv.gz"
IMDB_TRAIN = "imdb/train.csv.gz"


@dataclasses.dataclass(frozen=True)
class Repeats:
    """Timed calls per candidate and case, after `warmup` untimed ones (XLA compiles)."""

    latency: int  # sentiment, batch 1
    throughput: int  # sentiment, batch 32
    translation: int  # one sentence
    eager: int  # Keras `model(x)`, for the note only (it is slow)
    warmup: int = 3


QUICK_REPEATS = Repeats(latency=20, throughput=10, translation=20, eager=3)
FULL_REPEATS = Repeats(latency=200, throughput=50, translation=100, eager=10)


class MissingInput(Exception):
    """A run or data file the section needs is not there; the message is the note."""


def tflite_path(variant: str) -> str:
    return f"TFLite {variant}"


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
            "cpu_count": os.cpu_count(),
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


# -- runs and exports ------------------------------------------------------------------


def finished_run(app: str, name: str, run_dir) -> Path:
    if run_dir is None or not RunDirectory(Path(run_dir)).is_finished:
        raise MissingInput(
            f"{app} run `{name}` skipped: no finished run at {run_dir} (no model.keras)."
        )
    return Path(run_dir)


EXPORTERS = {
    "sentiment": (sentiment_export.build_export, sentiment_tflite.write_tflite_models),
    "translation": (translation_export.build_export, translation_tflite.write_tflite_models),
}
TRAINED = {"sentiment": TrainedSentimentModel, "translation": TrainedTranslator}


def export_run(
    app: str, name: str, run_dir: Path, context: BenchContext, exports: dict, skipped: list
) -> dict:
    """Exports `run_dir` once (version 1 under a fresh `<work>/inference/exports/<name>/`).

    A TFLite variant that fails the exporter's own parity checks is left out and said so
    (in `skipped` and the summary's `notes`), rather than losing every other measurement
    of the run.

    Returns:
        `shared.export.exporter.export_version`'s summary, plus `notes` and `seconds`
        (0 when an earlier name already exported the same run).
    """
    key = run_dir.resolve()
    if key in exports:  # the same run under two names
        return {**exports[key], "seconds": 0.0}
    started = time.perf_counter()
    build_export, write_tflite_models = EXPORTERS[app]
    root = context.work(KEY, "exports", name)
    shutil.rmtree(root)  # ours alone: a rerun starts from version 1 again
    spec, variants, notes = build_export(run_dir), list(VARIANTS), []
    while True:
        try:
            summary = export_version(spec, root)
            break
        except TFLiteExportError as error:
            failed = [v for v in variants if f"{v} model" in str(error)] or variants
            variants = [v for v in variants if v not in failed]
            notes.append(
                f"{app} run `{name}`: TFLite {', '.join(failed)} not exported, the "
                f"exporter's check refused it: {str(error).splitlines()[0]}"
            )
            trained = TRAINED[app].load(run_dir)
            writer = (
                functools.partial(write_tflite_models, trained, variants=tuple(variants))
                if variants
                else None
            )
            spec = dataclasses.replace(build_export(run_dir, tflite=False), write_tflite=writer)
    skipped.extend(notes)
    exports[key] = {**summary, "notes": notes, "seconds": round(time.perf_counter() - started, 1)}
    return exports[key]


def lite_runners(runner_class, export: dict) -> dict:
    """Variant -> edge runner (LiteRT, `LITE_THREADS` threads) for each exported variant."""
    files = (export.get("tflite") or {}).get("files", {})
    folder = Path(export["path"]) / TFLITE_FOLDER
    return {
        variant: runner_class.from_directory(folder, variant=variant, num_threads=LITE_THREADS)
        for variant in VARIANTS
        if variant in files
    }


def saved_model_bytes(version: Path) -> int:
    """Bytes of the SavedModel proper: `saved_model.pb`, `fingerprint.pb`, `variables/`,
    `assets/` (not the warmup records in `assets.extra/`, nor the phone models in `tflite/`)."""
    excluded = {version / TFLITE_FOLDER, version / "assets.extra"}
    return sum(
        path.stat().st_size
        for path in version.rglob("*")
        if path.is_file() and not any(folder in path.parents for folder in excluded)
    )


def artifact_sizes(run_dir: Path, export: dict) -> dict[str, int]:
    version = Path(export["path"])
    sizes = {
        KERAS_FILE: RunDirectory(run_dir).model_path.stat().st_size,
        SAVED_MODEL: saved_model_bytes(version),
    }
    for variant, info in (export.get("tflite") or {}).get("files", {}).items():
        sizes[tflite_path(variant)] = (version / TFLITE_FOLDER / info["file"]).stat().st_size
    return sizes


# -- sentiment ---------------------------------------------------------------------------


def measure_sentiment(
    context: BenchContext,
    name: str,
    run_dir: Path,
    export: dict,
    repeats: Repeats,
    skipped: list[str],
) -> dict:
    """Latency, throughput, sizes and dev-set accuracy of one sentiment run."""
    trained = TrainedSentimentModel.load(run_dir)
    classifier, vectorizer = trained.classifier, trained.vectorizer
    serving = tf.saved_model.load(export["path"])
    lites = lite_runners(EdgeSentimentClassifier, export)
    words = vectorizer.get_vocabulary()[2:]
    cases = []
    for length in SENTIMENT_LENGTHS:
        text = text_of_words(words, length)
        # One tokenization for every ids-in path: the graph's, cut to max_length.
        ids = vectorizer.vectorize(tf.constant([text]), pad_to_max_length=False).numpy()
        single = sentiment_calls(classifier, serving, lites, text, ids, 1)
        batch = sentiment_calls(classifier, serving, lites, text, ids, THROUGHPUT_BATCH)
        latency = by_candidate(compare_calls({"b1": single}, repeats.latency, repeats.warmup))
        bulk = by_candidate(compare_calls({"b32": batch}, repeats.throughput, repeats.warmup))
        eager = measure_latency(
            lambda ids=ids: classifier(ids, training=False).numpy(), repeats.eager, warmup=1
        )
        paths = {}
        for path in single:
            seconds = bulk[path]["p50_ms"] / 1000.0
            paths[path] = {
                "p50_ms": latency[path]["p50_ms"],
                "p99_ms": latency[path]["p99_ms"],
                "batch_p50_ms": bulk[path]["p50_ms"],
                "batch_p99_ms": bulk[path]["p99_ms"],
                "sequences_per_s": THROUGHPUT_BATCH / seconds,
                "tokens_per_s": THROUGHPUT_BATCH * ids.shape[1] / seconds,
            }
        cases.append(
            {
                "words": length,
                "tokens": int(ids.shape[1]),
                "paths": paths,
                "keras_eager_call_p50_ms": round(eager["median_ms"], 3),
            }
        )
    result = {
        "run_dir": str(run_dir),
        "export": export["path"],
        "export_notes": export["notes"],
        "max_length": vectorizer.max_length,
        "keras_jit_compile": bool(classifier.jit_compile),
        "cases": cases,
        "sizes": artifact_sizes(run_dir, export),
    }
    try:
        result["accuracy"] = sentiment_accuracy(context, name, trained, lites)
    except (MissingInput, DataError) as problem:
        skipped.append(f"sentiment run `{name}`: no accuracy: {problem}")
    return result


def sentiment_calls(
    classifier, serving, lites: dict, text: str, ids: np.ndarray, batch: int
) -> dict[str, Callable[[], object]]:
    """Zero-argument calls classifying `batch` copies of one input on every path."""
    batch_ids = np.repeat(ids, batch, axis=0)
    texts, token_ids = tf.constant([text] * batch), tf.constant(batch_ids)
    by_text = serving.signatures["serving_default"]
    by_ids = serving.signatures["classify_token_ids"]
    calls = {
        KERAS: lambda: classifier.predict_on_batch(batch_ids),
        SAVED_MODEL_TEXT: lambda: by_text(text=texts)["probabilities"].numpy(),
        SAVED_MODEL_IDS: lambda: by_ids(token_ids=token_ids)["probabilities"].numpy(),
    }
    for variant, runner in lites.items():
        calls[tflite_path(variant)] = functools.partial(lite_calls, runner.model, ids, batch)
    return calls


def lite_calls(model, ids: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` sequential batch-1 calls: the phone models take `token_ids [1, n]`."""
    return [model.run(SIGNATURE, **{INPUT_NAME: ids})[OUTPUT_NAME] for _ in range(count)]


def by_candidate(rows: list[dict]) -> dict[str, dict]:
    return {row["candidate"]: row for row in rows}


def sentiment_accuracy(context: BenchContext, name: str, trained, lites: dict) -> dict:
    """Accuracy of Keras and each TFLite variant (edge runner, raw text in) on the dev set,
    and how often each variant picks Keras' label."""
    dev = dev_examples(context, name, trained)
    texts, labels = dev["texts"], np.asarray(dev["label_ids"])
    keras_labels = SentimentPredictor(trained).predict(texts)[0].argmax(axis=-1)
    paths = {KERAS: keras_labels}
    for variant, runner in lites.items():
        paths[tflite_path(variant)] = runner.predict(texts).argmax(axis=-1)
    return {
        "dev_set": dev["description"],
        "examples": len(texts),
        "available": dev["available"],
        "run_validation": dev.get("run_validation"),
        "paths": {
            path: {
                "accuracy": float(np.mean(predicted == labels)),
                "agreement_with_keras": float(np.mean(predicted == keras_labels)),
            }
            for path, predicted in paths.items()
        },
    }


def dev_examples(context: BenchContext, name: str, trained) -> dict:
    """The dev texts of run `name`, their class ids and a description (capped when quick).

    Raises:
        MissingInput: no dev set is known for `name`, or its file is missing.
        DataError: the file cannot be read, or its labels are not the run's classes.
    """
    lowered = name.lower()
    run_validation = None
    if lowered.startswith("sst2"):
        path = require_data(context, SST2_DEV)
        data = load_examples(path, DataOptions(text_column="sentence"))
        description = "SST-2 dev"
    elif lowered.startswith("imdb"):
        settings = json.loads(trained.run_dir.config_path.read_text(encoding="utf-8"))
        if settings.get("validation_data"):
            raise MissingInput(
                f"the run validated on {settings['validation_data']}, not on a split of its "
                "training data, so there is no split to reproduce"
            )
        path = run_training_file(settings) or require_data(context, IMDB_TRAIN)
        options = DataOptions(
            settings.get("text_column", "text"),
            settings.get("label_column", "label"),
            settings.get("on_bad_rows", "error"),
        )
        data = load_examples(path, options)
        config = trained.config
        _, validation = split_examples(
            data, trained.labels.encode(data), trained.labels, config.validation_split, config.seed
        )
        data = data.subset(validation)
        description = (
            f"validation split of {path.name} ({config.validation_split:.0%}, seed {config.seed})"
        )
        metrics_path = trained.run_dir.metrics_path
        if metrics_path.is_file():  # what training measured on the same split
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
            run_validation = {"examples": metrics.get("n"), "accuracy": metrics.get("accuracy")}
    else:
        raise MissingInput(
            f"no dev set is known for run name `{name}` (expected a name starting with "
            "`sst2` or `imdb`)"
        )
    label_ids = trained.labels.encode(data)
    cap = QUICK_EVALUATION_CAP if context.quick else None
    return {
        "texts": data.texts[:cap],
        "label_ids": label_ids[:cap],
        "available": len(data.texts),
        "description": description,
        "run_validation": run_validation,
    }


def run_training_file(settings: dict) -> Path | None:
    """The file the run trained on, when it is still there (quick benchmark runs train on
    a slice of IMDB: their split is reproduced from that slice, not from the whole file)."""
    data = settings.get("data")
    return Path(data) if data and Path(data).is_file() else None


def require_data(context: BenchContext, relative: str) -> Path:
    path = context.data_file(relative)
    if path is None:
        raise MissingInput(f"{context.data_dir / relative} is missing")
    return path


# -- translation -------------------------------------------------------------------------


def measure_translation(
    context: BenchContext,
    name: str,
    run_dir: Path,
    export: dict,
    repeats: Repeats,
    skipped: list[str],
) -> dict:
    """Latency of one sentence, greedy and beam search, on every path (text in, text out)."""
    trained = TrainedTranslator.load(run_dir)
    translator = Translator(trained)
    version = Path(export["path"])
    info = json.loads((version / EXPORT_INFO_RELATIVE_PATH).read_text(encoding="utf-8"))
    beam_width = int(info["beam_width"])
    serving = tf.saved_model.load(str(version))
    lites = lite_runners(EdgeTranslator, export)
    length = min(TRANSLATION_SOURCE_TOKENS, trained.config.max_source_length)
    text = text_of_words(translation_export.whole_source_words(trained), length)
    source_tokens = int(translator.source_ids(tf.constant([text]))[1].numpy()[0])
    texts = tf.constant([text])
    decodings = {
        "greedy": (1, "translate_greedy"),
        f"beam {beam_width}": (beam_width, "serving_default"),
    }
    cases, outputs, loops = {}, {}, {}
    for decoding, (width, signature) in decodings.items():
        function = serving.signatures[signature]
        calls = {
            KERAS: functools.partial(keras_translate, translator, text, width),
            SAVED_MODEL: functools.partial(saved_model_translate, function, texts),
            **{
                tflite_path(variant): functools.partial(edge_translate, runner, text, width)
                for variant, runner in lites.items()
            },
        }
        cases[decoding] = calls
        outputs[decoding] = {path: call() for path, call in calls.items()}
        loops[decoding] = {
            tflite_path(variant): runner.loop_signature(width) for variant, runner in lites.items()
        }
    rows = compare_calls(cases, repeats.translation, repeats.warmup)
    measured = {decoding: {} for decoding in cases}
    for row in rows:
        measured[row["case"]][row["candidate"]] = {
            "p50_ms": row["p50_ms"],
            "p99_ms": row["p99_ms"],
            "sentences_per_s": 1000.0 / row["p50_ms"],
            "output": outputs[row["case"]][row["candidate"]],
        }
    return {
        "run_dir": str(run_dir),
        "export": str(version),
        "export_notes": export["notes"],
        "max_source_length": trained.config.max_source_length,
        "source_tokens": source_tokens,
        "source_text": text,
        "beam_width": beam_width,
        "decodings": measured,
        "tflite_loop_signatures": loops,
        "sizes": artifact_sizes(run_dir, export),
    }


def keras_translate(translator: Translator, text: str, width: int) -> str:
    return translator.translate([text], width)[0][0]


def saved_model_translate(function, texts: tf.Tensor) -> str:
    return function(text=texts)["translation"].numpy()[0].decode("utf-8")


def edge_translate(runner: EdgeTranslator, text: str, width: int) -> str:
    return runner.translate([text], width)[0]


# -- tables ----------------------------------------------------------------------------


def sentiment_latency_table(results: dict) -> Table:
    rows = []
    for name, result in results["sentiment"].items():
        for case in result["cases"]:
            keras = case["paths"][KERAS]
            for path, m in case["paths"].items():
                rows.append(
                    [
                        name,
                        input_label(case),
                        path,
                        m["p50_ms"],
                        m["p99_ms"],
                        ratio(keras["p50_ms"], m["p50_ms"]),
                        m["sequences_per_s"],
                        m["tokens_per_s"],
                        ratio(m["sequences_per_s"], keras["sequences_per_s"]),
                    ]
                )
    return Table(
        columns=[
            "run",
            "input",
            "path",
            "p50 ms (batch 1)",
            "p99 ms (batch 1)",
            "speed-up vs Keras",
            f"sequences/s (batch {THROUGHPUT_BATCH})",
            f"tokens/s (batch {THROUGHPUT_BATCH})",
            "throughput vs Keras",
        ],
        rows=rows,
        caption="**Sentiment latency and throughput** (speed-up: Keras p50 / path p50; "
        "throughput: path sequences/s / Keras sequences/s).",
    )


def input_label(case: dict) -> str:
    if case["tokens"] == case["words"]:
        return f"{case['tokens']} tokens"
    return f"{case['words']} words -> {case['tokens']} tokens"


def size_table(results: dict) -> Table:
    rows = []
    for app in ("sentiment", "translation"):
        for name, result in results[app].items():
            sizes = result["sizes"]
            for artifact, size in sizes.items():
                rows.append([app, name, artifact, size, size / 1e6, ratio(size, sizes[KERAS_FILE])])
    return Table(
        columns=["app", "run", "artifact", "bytes", "MB", "vs .keras"],
        rows=rows,
        caption="**Model sizes** (SavedModel: `saved_model.pb`, `fingerprint.pb`, `variables/` "
        "and `assets/`, without the warmup records and the phone models).",
    )


def accuracy_table(results: dict) -> Table:
    rows = []
    for name, result in results["sentiment"].items():
        accuracy = result.get("accuracy")
        if not accuracy:
            continue
        sizes = result["sizes"]
        for path, m in accuracy["paths"].items():
            size = sizes[KERAS_FILE] if path == KERAS else sizes[path]
            rows.append(
                [
                    name,
                    accuracy["dev_set"],
                    accuracy["examples"],
                    path,
                    m["accuracy"],
                    m["agreement_with_keras"],
                    size,
                ]
            )
    return Table(
        columns=[
            "run",
            "dev set",
            "examples",
            "path",
            "accuracy",
            "agreement with Keras",
            "model bytes",
        ],
        rows=rows,
        caption="**Sentiment accuracy: TFLite (edge runner, raw text in) vs Keras** "
        "(agreement: fraction of examples given Keras' label).",
    )


def translation_table(results: dict) -> Table:
    rows = []
    for name, result in results["translation"].items():
        for decoding, paths in result["decodings"].items():
            keras = paths[KERAS]
            for path, m in paths.items():
                rows.append(
                    [
                        name,
                        result["source_tokens"],
                        decoding,
                        path,
                        m["p50_ms"],
                        m["p99_ms"],
                        m["sentences_per_s"],
                        ratio(keras["p50_ms"], m["p50_ms"]),
                        "yes" if m["output"] == keras["output"] else "no",
                    ]
                )
    return Table(
        columns=[
            "run",
            "source tokens",
            "decoding",
            "path",
            "p50 ms",
            "p99 ms",
            "sentences/s",
            "speed-up vs Keras",
            "same output as Keras",
        ],
        rows=rows,
        caption="**Translation latency, one sentence (batch 1), text in and text out** "
        "(sentences/s = 1000 / p50 ms).",
    )


def method_notes(results: dict) -> list[str]:
    settings = results["settings"]
    repeats = settings["repeats"]
    notes = [
        f"Timing: every path in one process, interleaved round by round "
        f"(`shared.export.latency.compare_calls`), {repeats['warmup']} untimed calls first; "
        f"{repeats['latency']} timed calls per path at batch 1, {repeats['throughput']} at "
        f"batch {THROUGHPUT_BATCH}, {repeats['translation']} per translation case"
        + (
            " (quick mode: p99 is close to the maximum of so few calls)."
            if settings["quick"]
            else "."
        )
        + f" TensorFlow uses all {settings['cpu_count']} CPU cores.",
    ]
    if results["sentiment"]:
        first = next(iter(results["sentiment"].values()))
        eager = ", ".join(
            f"{input_label(case)}: {case['keras_eager_call_p50_ms']:.1f} ms vs "
            f"{case['paths'][KERAS]['p50_ms']:.1f} ms"
            for case in first["cases"]
        )
        notes += [
            "Keras path: `model.predict_on_batch(token_ids)`, Keras' compiled predict step "
            f"(the loaded model's `jit_compile` is {first['keras_jit_compile']}). "
            "`model(x, training=False)`, which the Keras docs suggest for small batches, "
            f"runs eagerly and is far slower (p50 at batch 1, {repeats['eager']} calls, "
            f"first sentiment run, eager vs `predict_on_batch`: {eager}), so it is not the "
            "reference.",
            "Inputs are texts of exactly N in-vocabulary words. Keras, `classify_token_ids` "
            "and TFLite get the same token ids (tokenization not timed); `serving_default` "
            "gets the raw strings (tokenization in the graph, XLA-compiled core on "
            "bucket-padded ids). Every path cuts a text to the run's `max_length`, so a "
            "256-word input feeds `max_length` tokens where that is smaller.",
            f"TFLite runs on LiteRT with {LITE_THREADS} thread (what a phone app typically "
            "uses), each call followed by the fused LSTM's variable reset it needs. The "
            f"phone models take one sequence per call: their batch-{THROUGHPUT_BATCH} "
            f"throughput is {THROUGHPUT_BATCH} sequential batch-1 calls.",
        ]
        if settings["quick"]:
            notes.append(
                f"Quick mode: accuracy on the first {QUICK_EVALUATION_CAP} dev examples only."
            )
        for name, result in results["sentiment"].items():
            validation = (result.get("accuracy") or {}).get("run_validation")
            if validation:
                notes.append(
                    f"`{name}`: the reproduced validation split has "
                    f"{result['accuracy']['available']} examples; training reported "
                    f"{validation['examples']} at accuracy {validation['accuracy']}."
                )
    for name, result in results["translation"].items():
        notes.append(
            f"Translation `{name}`: one source sentence of {result['source_tokens']} tokens "
            f"({TRANSLATION_SOURCE_TOKENS} asked, at most the run's max_source_length "
            f"{result['max_source_length']}, which 256 would exceed). Keras: "
            "`Translator.translate` (traced tf.function, no XLA); SavedModel: "
            f"`translate_greedy` and `serving_default` (beam {result['beam_width']}); "
            "TFLite: `EdgeTranslator.translate` (pure-Python WordPiece, then the whole-loop "
            "signature in one call). All take the text and return the translation."
        )
        for decoding, loops in result["tflite_loop_signatures"].items():
            missing = [path for path, signature in loops.items() if signature is None]
            if missing:
                notes.append(
                    f"Translation `{name}` {decoding}: {', '.join(missing)} has no whole-loop "
                    "signature for it; timed with `decode_step` driven from numpy instead."
                )
    return notes


# -- plots -------------------------------------------------------------------------------


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
