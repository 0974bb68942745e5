"""Translation phone models against Keras and `Translator`.

The tiny session run is degenerate as a model (it emits `[END]` first for every input), so
the exported copy gets deterministic weights of trained-model scale first
(`tests.helpers.tflite.scramble`): a translation is then a long, input-specific sequence.
Stated tolerances: float32 greedy and beam translations identical to `Translator`'s,
through `decode_step` and through the whole-loop `greedy` and `beam_search` signatures;
`encode` states / `decode_step` logits within 1e-5 (float32), 5e-3 (float16) and 5e-2
(dynamic range) relative to max(1, |value|).
"""

import numpy as np
import tensorflow as tf

from apps.translation.tflite import (
    state_names,
)
from apps.translation.translator import Translator
from shared.edge.metadata import VARIANTS
from shared.edge.runtime import LiteModel
from shared.edge.translation import EdgeTranslator

TRANSLATION_TOLERANCE = {"float32": 1e-5, "float16": 5e-3, "dynamic_range": 5e-2}


def test_translation_float32_matches_translator_exactly(translation_export, sentences):
    trained, out, summary = translation_export
    assert summary["greedy_error"] is None and summary["beam_search_error"] is None
    assert summary["signatures"] == ["beam_search", "decode_step", "encode", "greedy"]
    translator = Translator(trained)
    greedy, _ = translator.translate(sentences, beam_width=1)
    beam, _ = translator.translate(sentences)  # the run's beam width, 3
    assert len(set(greedy)) > 10 and greedy != beam  # input-specific, beam matters
    edge = EdgeTranslator.from_directory(out, "float32", num_threads=1)
    assert edge.beam_search_width == 3
    for width, expected in ((1, greedy), (3, beam)):
        # Whole-loop signature one sentence at a time, and numpy steps for all together.
        assert edge.translate(sentences, width, use_loop_signature=True) == expected
        assert edge.translate(sentences, width, use_loop_signature=False) == expected
        assert [edge.translate([s], width)[0] for s in sentences[:5]] == expected[:5]
    assert edge.translate(sentences) == beam


def test_the_beam_search_signature_gives_the_translators_ids(translation_export, sentences):
    """The `beam_search` signature's raw ids, one sentence at a time: float32 against
    `Translator.decode_ids` (beam 3), every variant against its own `decode_step` driving
    the numpy beam search (the quantised ones part from TensorFlow on long outputs)."""
    trained, out, _ = translation_export
    translator = Translator(trained)
    decode = tf.function(lambda ids: translator.decode_ids(ids, 3), reduce_retracing=True)
    texts = sentences[:20] + sentences[-3:]
    expected = [decode(translator.source_ids(tf.constant([t]))[0]).numpy() for t in texts]
    assert len({e.tobytes() for e in expected}) > 10  # input-specific
    for variant in VARIANTS:
        edge = EdgeTranslator.from_directory(out, variant, num_threads=1)
        actual = [edge.model.run("beam_search", source_ids=edge.source_ids(t)) for t in texts]
        actual = np.concatenate([a["target_ids"] for a in actual])
        stepped = edge.translate_ids(texts, 3, use_loop_signature=False)
        np.testing.assert_array_equal(actual, stepped, err_msg=variant)
        if variant == "float32":
            np.testing.assert_array_equal(actual, np.concatenate(expected))


def test_translation_variants_match_keras_step_by_step(translation_export):
    trained, out, _ = translation_export
    encoder, bridge, decoder = (
        trained.model.get_layer(n) for n in ("encoder", "bridge", "decoder")
    )
    names = state_names(decoder)
    per_layer = len(names) // decoder.num_layers
    rng = np.random.default_rng(7)
    source = rng.integers(4, trained.source_tokenizer.vocabulary_size, (1, 11)).astype(np.int32)
    encoded = [s.numpy() for layer in bridge(encoder(source)[1]) for s in layer]
    tokens = rng.integers(4, trained.target_tokenizer.vocabulary_size, 5).astype(np.int32)
    states = [rng.normal(0, 0.5, (5, s.shape[1])).astype(np.float32) for s in encoded]
    nested = tuple(tuple(states[i : i + per_layer]) for i in range(0, len(states), per_layer))
    logits, new_states = decoder.step(tokens, nested)
    stepped = [logits.numpy(), *[s.numpy() for layer in new_states for s in layer]]
    for variant in VARIANTS:
        model = LiteModel.from_file(out / f"translation_{variant}.tflite")
        lite_encoded = model.run("encode", source_ids=source)
        lite_stepped = model.run(
            "decode_step", tokens=tokens, **dict(zip(names, states, strict=True))
        )
        pairs = [(lite_encoded[n], e) for n, e in zip(names, encoded, strict=True)]
        pairs += [(lite_stepped[n], e) for n, e in zip(["logits", *names], stepped, strict=True)]
        for actual, expected in pairs:
            scale = max(1.0, float(np.abs(expected).max()))
            difference = np.abs(actual - expected).max() / scale
            assert difference <= TRANSLATION_TOLERANCE[variant], (variant, difference)


def test_empty_sources_translate_to_empty_strings_like_the_translator(translation_export):
    """`Translator` treats an all-[PAD] source as finished from the start; the TFLite
    `greedy` signature and the numpy greedy and beam search do too, also mixed in a batch."""
    trained, out, _ = translation_export
    mixed = ["", "Ella vende el teléfono.", "   ", "¿Dónde está la estación?", ""]
    translator = Translator(trained)
    edge = EdgeTranslator.from_directory(out, "float32", num_threads=1)
    for width in (1, 3):
        expected, _ = translator.translate(mixed, beam_width=width)
        assert expected[0] == expected[2] == expected[4] == "" and expected[1], expected
        assert edge.translate(mixed, beam_width=width, use_loop_signature=False) == expected
        assert edge.translate(mixed, beam_width=width, use_loop_signature=True) == expected
        assert edge.translate([""], beam_width=width) == [""]
    model = LiteModel.from_file(out / "translation_float32.tflite")
    for length in (1, 4):
        empty = np.zeros((1, length), np.int32)
        for signature in ("greedy", "beam_search"):
            ids = model.run(signature, source_ids=empty)["target_ids"]
            assert ids.shape == (1, trained.config.max_target_length) and not ids.any()
