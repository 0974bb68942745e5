"""Sentiment: batch-1 latency, batch-32 throughput and sizes on every path, and the dev-set
accuracy of each TFLite variant through the TF-free edge runner."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.inference import SentimentPredictor
from benchmarks.context import BenchContext
from benchmarks.inference.dev_sets import dev_examples
from benchmarks.inference.exports import artifact_sizes, lite_runners
from benchmarks.inference.settings import (
    KERAS,
    SAVED_MODEL_IDS,
    SAVED_MODEL_TEXT,
    SENTIMENT_LENGTHS,
    THROUGHPUT_BATCH,
    MissingInput,
    RunToMeasure,
    tflite_path,
)
from shared.datasets.errors import DataError
from shared.edge.sentiment import INPUT_NAME, OUTPUT_NAME, SIGNATURE, EdgeSentimentClassifier
from shared.edge.timing import measure_latency
from shared.export.latency import compare_calls
from shared.export.shape_buckets import text_of_words


def measure_sentiment(run: RunToMeasure) -> dict:
    """Latency, throughput, sizes and dev-set accuracy of one sentiment run."""
    trained = TrainedSentimentModel.load(run.run_dir)
    classifier, vectorizer = trained.classifier, trained.vectorizer
    serving = tf.saved_model.load(run.export["path"])
    lites = lite_runners(EdgeSentimentClassifier, run.export)
    words = vectorizer.get_vocabulary()[2:]
    cases = []
    for length in SENTIMENT_LENGTHS:
        text = text_of_words(words, length)
        # One tokenization for every ids-in path: the graph's, cut to max_length.
        ids = vectorizer.vectorize(tf.constant([text]), pad_to_max_length=False).numpy()
        single = sentiment_calls(classifier, serving, lites, text, ids, 1)
        batch = sentiment_calls(classifier, serving, lites, text, ids, THROUGHPUT_BATCH)
        latency = by_candidate(
            compare_calls({"b1": single}, run.repeats.latency, run.repeats.warmup)
        )
        bulk = by_candidate(
            compare_calls({"b32": batch}, run.repeats.throughput, run.repeats.warmup)
        )
        eager = measure_latency(
            lambda ids=ids: classifier(ids, training=False).numpy(), run.repeats.eager, warmup=1
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
        "run_dir": str(run.run_dir),
        "export": run.export["path"],
        "export_notes": run.export["notes"],
        "max_length": vectorizer.max_length,
        "keras_jit_compile": bool(classifier.jit_compile),
        "cases": cases,
        "sizes": artifact_sizes(run.run_dir, run.export),
    }
    try:
        result["accuracy"] = sentiment_accuracy(run.context, run.name, trained, lites)
    except (MissingInput, DataError) as problem:
        run.skipped.append(f"sentiment run `{run.name}`: no accuracy: {problem}")
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
