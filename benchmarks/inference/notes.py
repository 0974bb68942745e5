"""The section's notes: how it measured, and the caveats a reader needs."""

from __future__ import annotations

from benchmarks.inference import dev_sets
from benchmarks.inference.settings import (
    KERAS,
    LITE_THREADS,
    THROUGHPUT_BATCH,
    TRANSLATION_SOURCE_TOKENS,
)
from benchmarks.inference.tables import input_label


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
                # Read from `dev_sets` at call time: the note states the cap it applied.
                f"Quick mode: accuracy on the first {dev_sets.QUICK_EVALUATION_CAP} dev "
                "examples only."
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
