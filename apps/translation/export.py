"""Exports a finished translation run for TF Serving (and phones, see `tflite.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH, AppExport
from shared.export.shape_buckets import bucket_grid_texts, bucketed, text_of_words
from shared.ids import JOINER, MAX_SERVING_BATCH, SUBWORD_RESERVED_TOKENS

APP = "translation"
MAX_WARMUP_BATCH = MAX_SERVING_BATCH


def serving_endpoints(
    trained: TrainedTranslator, beam_width: int | None = None, jit_compile: bool = True
) -> dict:
    """`serving_default` (beam search, width fixed here) and `translate_greedy`.

    Both take raw source strings `text [n]` and return `translation [n]` (strings) and
    `source_token_count [n]` (subword pieces before truncation to `max_source_length`).
    """
    translator = Translator(trained)
    beam_width = beam_width or trained.config.beam_width
    max_length = trained.config.max_source_length
    decode_beam = bucketed(
        lambda ids: translator.decode_ids(ids, beam_width), max_length, jit_compile
    )
    decode_greedy = bucketed(lambda ids: translator.decode_ids(ids, 1), max_length, jit_compile)
    detokenize = trained.target_tokenizer.detokenize

    def translate_with(decode):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
        def translate(text):
            ids, counts = translator.source_ids(text)
            return {"translation": detokenize(decode(ids)), "source_token_count": counts}

        return translate

    return {
        "serving_default": translate_with(decode_beam),
        "translate_greedy": translate_with(decode_greedy),
    }


def trackables(trained: TrainedTranslator) -> list:
    return [trained.model, trained.source_tokenizer, trained.target_tokenizer]


def whole_source_words(trained: TrainedTranslator) -> list[str]:
    """Source vocabulary entries that are whole words: each tokenizes to exactly one id."""
    return [
        token
        for token in trained.source_tokenizer.vocabulary
        if token not in SUBWORD_RESERVED_TOKENS and not token.startswith(JOINER) and token.isalpha()
    ] or ["a"]


def warmup_requests(trained: TrainedTranslator) -> list[tuple[str, dict[str, np.ndarray]]]:
    """Both signatures at every (batch bucket, length bucket): each XLA shape compiles at load."""
    words = whole_source_words(trained)
    grid = bucket_grid_texts(words, trained.config.max_source_length, MAX_WARMUP_BATCH)
    return [
        (name, {"text": texts})
        for texts in grid
        for name in ("serving_default", "translate_greedy")
    ]


def export_details(trained: TrainedTranslator, beam_width: int | None = None) -> dict:
    config = trained.config
    return {
        "beam_width": beam_width or config.beam_width,
        "length_penalty": config.length_penalty,
        "max_source_length": config.max_source_length,
        "max_target_length": config.max_target_length,
        "source_vocabulary_size": trained.source_tokenizer.vocabulary_size,
        "target_vocabulary_size": trained.target_tokenizer.vocabulary_size,
    }


def build_export(
    run_dir: Path, jit_compile: bool = True, tflite: bool = True, beam_width: int | None = None
) -> AppExport:
    """Everything `shared.export.exporter.export_version` needs for one finished run."""
    trained = TrainedTranslator.load(run_dir)
    write_tflite = None
    if tflite:
        from apps.translation.tflite import write_tflite_models  # noqa: PLC0415  (converter)

        def write_tflite(out_dir):
            return write_tflite_models(trained, out_dir, beam_width=beam_width)

    return AppExport(
        app=APP,
        run_dir=Path(run_dir),
        endpoints=serving_endpoints(trained, beam_width, jit_compile),
        trackables=trackables(trained),
        warmup_requests=warmup_requests(trained),
        details={**export_details(trained, beam_width), "xla_compiled": jit_compile},
        write_tflite=write_tflite,
    )


def latency_comparison(run_dir: Path, exported_dir: Path, workdir: Path) -> list:
    """Tables for `export --compare-latency` (see `shared.export.latency`).

    Serving: the exported signature against the same export without XLA (same beam
    width); a plain `model.export` of the training model is teacher-forced (it needs the
    target), so it cannot translate, and the plain-graph export is the fair baseline.
    Phone: one sentence through each LiteRT variant (pure-Python tokenizer included)
    against the XLA-compiled decoding of the same model on its ids, greedy and beam.
    """
    from shared.edge.metadata import TFLITE_FOLDER, VARIANTS  # noqa: PLC0415
    from shared.edge.translation import EdgeTranslator  # noqa: PLC0415
    from shared.export.exporter import export_version  # noqa: PLC0415
    from shared.export.latency import compare_calls, compare_latency  # noqa: PLC0415

    trained = TrainedTranslator.load(run_dir)
    info = json.loads((Path(exported_dir) / EXPORT_INFO_RELATIVE_PATH).read_text())
    beam_width = info["beam_width"]
    spec = build_export(run_dir, jit_compile=False, tflite=False, beam_width=beam_width)
    plain_graph = export_version(spec, workdir)
    candidates = {
        "plain graph": (Path(plain_graph["path"]), "serving_default"),
        "XLA": (Path(exported_dir), "serving_default"),
    }
    words = whole_source_words(trained)
    lengths = sorted({8, trained.config.max_source_length})
    cases = {}
    for batch in (1, 32):
        for length in lengths:
            text = text_of_words(words, length)
            texts = np.array([text.encode("utf-8")] * batch, dtype=object)
            cases[f"batch {batch}, {length} tokens"] = {
                name: {"text": texts} for name in candidates
            }
    tables = [
        (
            f"Serving (beam {beam_width}, loaded from disk)",
            compare_latency(candidates, cases),
            "plain graph",
        )
    ]
    phone_dir = Path(exported_dir) / TFLITE_FOLDER
    if phone_dir.is_dir():
        translator = Translator(trained)
        phones = {v: EdgeTranslator.from_directory(phone_dir, variant=v) for v in VARIANTS}
        phone_cases = {}
        for width in (1, beam_width):
            xla = tf.function(lambda ids, w=width: translator.decode_ids(ids, w), jit_compile=True)
            for length in lengths:
                text = text_of_words(words, length)
                ids, _ = translator.source_ids(tf.constant([text]))
                mode = "greedy" if width == 1 else f"beam {width}"
                phone_cases[f"1 sentence, {length} tokens, {mode}"] = {
                    "XLA tf.function (ids)": lambda f=xla, i=ids: f(i).numpy(),
                    **{
                        f"LiteRT {variant} (text)": (
                            lambda p=phone, t=text, w=width: p.translate_ids([t], w)
                        )
                        for variant, phone in phones.items()
                    },
                }
        tables.append(
            ("Phone path (LiteRT, 1 thread)", compare_calls(phone_cases), "XLA tf.function (ids)")
        )
    return tables
