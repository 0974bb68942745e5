"""Translation: latency of one sentence, greedy and beam search, on every path."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import tensorflow as tf

from apps.translation import export as translation_export
from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from benchmarks.inference.exports import artifact_sizes, lite_runners
from benchmarks.inference.settings import (
    KERAS,
    SAVED_MODEL,
    TRANSLATION_SOURCE_TOKENS,
    RunToMeasure,
    tflite_path,
)
from shared.edge.translation import EdgeTranslator
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH
from shared.export.latency import compare_calls
from shared.export.shape_buckets import text_of_words


def measure_translation(run: RunToMeasure) -> dict:
    """Latency of one sentence, greedy and beam search, on every path (text in, text out)."""
    trained = TrainedTranslator.load(run.run_dir)
    translator = Translator(trained)
    version = Path(run.export["path"])
    info = json.loads((version / EXPORT_INFO_RELATIVE_PATH).read_text(encoding="utf-8"))
    beam_width = int(info["beam_width"])
    serving = tf.saved_model.load(str(version))
    lites = lite_runners(EdgeTranslator, run.export)
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
    rows = compare_calls(cases, run.repeats.translation, run.repeats.warmup)
    measured = {decoding: {} for decoding in cases}
    for row in rows:
        measured[row["case"]][row["candidate"]] = {
            "p50_ms": row["p50_ms"],
            "p99_ms": row["p99_ms"],
            "sentences_per_s": 1000.0 / row["p50_ms"],
            "output": outputs[row["case"]][row["candidate"]],
        }
    return {
        "run_dir": str(run.run_dir),
        "export": str(version),
        "export_notes": run.export["notes"],
        "max_source_length": trained.config.max_source_length,
        "source_tokens": source_tokens,
        "source_text": text,
        "beam_width": beam_width,
        "decodings": measured,
        "tflite_loop_signatures": loops,
        "sizes": artifact_sizes(run.run_dir, run.export),
    }


def keras_translate(translator: Translator, text: str, width: int) -> str:
    return translator.translate([text], width)[0][0]


def saved_model_translate(function, texts: tf.Tensor) -> str:
    return function(text=texts)["translation"].numpy()[0].decode("utf-8")


def edge_translate(runner: EdgeTranslator, text: str, width: int) -> str:
    return runner.translate([text], width)[0]
