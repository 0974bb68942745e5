"""The section's tables, built from the raw `results`."""

from __future__ import annotations

from benchmarks.inference.settings import KERAS, KERAS_FILE, THROUGHPUT_BATCH
from benchmarks.report import Table, ratio


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
