"""TFLite export: builtins only, weights present, every variant against Keras.

Both apps are exported once per module (all three variants). The tiny session runs are
degenerate as models (the translator emits `[END]` first for every input, the classifier
answers 0.50 +- 0.01), which would make parity prove little, so the exported copies get
deterministic weights of trained-model scale first (`scramble`): outputs then depend on
every weight and every token, and a translation is a long, input-specific sequence.
Stated tolerances (max |difference| against Keras, measured on these models):
- sentiment probabilities: float32 1e-5, float16 1e-3, dynamic range 2e-2 with the
  argmax agreeing on >= 99% of 300 generated reviews;
- translation: float32 greedy and beam translations identical to `Translator`'s, through
  `decode_step` and through the whole-loop `greedy` and `beam_search` signatures;
  `encode` states / `decode_step` logits within 1e-5 (float32), 5e-3 (float16) and 5e-2
  (dynamic range) relative to max(1, |value|);
- a fused LSTM whose cell state passes 10 (where the converter's op would clip it): float32
  within 1e-5 of Keras.
Every written model carries its metadata's fingerprint (`shared.export.tflite.write_variants`):
embedding it keeps every byte of the converted model at its 16-byte alignment, adds 4 bytes
a buffer and a few hundred more, and leaves the outputs bit for bit as they were.
"""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.schema_py_generated import Model
from shared.export.fused_lstm import lstm_clip_values, set_lstm_clipping

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.corpus import generate_reviews
from apps.sentiment.inference import SentimentPredictor
from apps.sentiment.model import build_classifier
from apps.sentiment.tflite import write_tflite_models as write_sentiment_models
from apps.translation import tflite as translation_tflite
from apps.translation.artifacts import TrainedTranslator
from apps.translation.corpus import generate_pairs
from apps.translation.tflite import (
    LoopSignatureError,
    beam_search_check,
    greedy_check,
    probe_sources,
    smallest_margin,
    state_names,
    translation_functions,
)
from apps.translation.tflite import write_tflite_models as write_translation_models
from apps.translation.translator import Translator
from shared.edge.metadata import (
    FINGERPRINT_ENTRY,
    VARIANTS,
    fingerprint_of,
    load_metadata,
    read_fingerprint,
)
from shared.edge.runtime import (
    LiteModel,
    constant_bytes,
    metadata_entries,
    non_builtin_operators,
    operator_names,
    with_metadata_entry,
)
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.translation import EdgeTranslator
from shared.export import tflite as export_tflite
from shared.export.tflite import (
    Probe,
    TFLiteExportError,
    check_against_reference,
    check_builtins_only,
    check_unchanged,
    check_weights_present,
    convert_saved_model,
    embed_fingerprint,
    write_variants,
)

SENTIMENT_TOLERANCE = {"float32": 1e-5, "float16": 1e-3, "dynamic_range": 2e-2}
TRANSLATION_TOLERANCE = {"float32": 1e-5, "float16": 5e-3, "dynamic_range": 5e-2}


def scramble(model, seed: int, gain: float = 1.0) -> None:
    """Deterministic weights of trained-model scale: embeddings N(0, 1), kernels
    N(0, gain^2 / fan_in), biases 0 (so no single bias decides every output)."""
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        shape = tuple(weight.shape)
        if len(shape) == 1:
            weight.assign(np.zeros(shape, np.float32))
        else:
            scale = 1.0 if "embedding" in weight.path else gain / np.sqrt(shape[0])
            weight.assign(rng.normal(0.0, scale, size=shape).astype(np.float32))


@pytest.fixture(scope="module")
def sentiment_export(tiny_sentiment_run, tmp_path_factory):
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    scramble(trained.classifier, seed=3, gain=2.0)
    out = tmp_path_factory.mktemp("sentiment-tflite")
    return trained, out, write_sentiment_models(trained, out)


@pytest.fixture(scope="module")
def translation_export(tiny_translation_run, tmp_path_factory):
    trained = TrainedTranslator.load(tiny_translation_run)
    scramble(trained.model, seed=1)
    out = tmp_path_factory.mktemp("translation-tflite")
    return trained, out, write_translation_models(trained, out)


@pytest.fixture(scope="module")
def reviews():
    texts, _ = generate_reviews(300, seed=99)
    return texts + ["", "!!!", "wonderful " * 200]


@pytest.fixture(scope="module")
def sentences():
    return [spanish for spanish, _ in generate_pairs(60, seed=5)] + ["", "¿¿??", "hola " * 40]


def test_every_variant_is_builtins_only_and_has_its_weights(sentiment_export, translation_export):
    for (_, out, summary), model, expected_ops in (
        (sentiment_export, sentiment_export[0].classifier, {"UNIDIRECTIONAL_SEQUENCE_LSTM"}),
        (translation_export, translation_export[0].model, {"WHILE", "FULLY_CONNECTED"}),
    ):
        assert set(summary["files"]) == set(VARIANTS)
        sizes = {}
        for variant, entry in summary["files"].items():
            content = (out / entry["file"]).read_bytes()
            ops = operator_names(content)
            assert not [op for op in ops if op.startswith("custom:")], (variant, ops)
            assert expected_ops <= set(ops), (variant, ops)
            assert constant_bytes(content) >= model.count_params()
            # The converter's fused LSTMs clip their cell state at 10; ours must not.
            clips = lstm_clip_values(content)
            assert bool(clips) == ("UNIDIRECTIONAL_SEQUENCE_LSTM" in ops), (variant, clips)
            assert all(c["cell_clip"] == 0.0 and c["proj_clip"] == 0.0 for c in clips), clips
            sizes[variant] = entry["bytes"]
            assert sizes[variant] == len(content)
        assert sizes["dynamic_range"] < sizes["float16"] < sizes["float32"]


def test_sentiment_variants_match_keras_on_generated_reviews(sentiment_export, reviews):
    trained, out, summary = sentiment_export
    assert summary["fused_lstm"]
    # End to end: TF tokenisation + Keras, against pure-Python tokenisation + LiteRT.
    expected, _ = SentimentPredictor(trained).predict(reviews)
    assert expected.std() > 0.1  # scrambled weights give spread-out answers
    for variant in VARIANTS:
        classifier = EdgeSentimentClassifier.from_directory(out, variant, num_threads=1)
        actual = classifier.predict(reviews)
        difference = np.abs(actual - expected).max()
        assert difference <= SENTIMENT_TOLERANCE[variant], (variant, difference)
        agreement = np.mean(actual.argmax(-1) == expected.argmax(-1))
        assert agreement >= (1.0 if variant == "float32" else 0.99), (variant, agreement)


def test_fused_and_fixed_length_models_match_keras_with_padding(sentiment_export, tmp_path):
    """The fused LSTM's masking (REVERSE_SEQUENCE): padded to max_length or not, and at a
    fixed or dynamic length, the answer is the Keras one."""
    trained, out, _ = sentiment_export
    summary = write_sentiment_models(trained, tmp_path, ("float32",), dynamic_length=False)
    fixed = LiteModel.from_file(tmp_path / summary["files"]["float32"]["file"])
    dynamic = LiteModel.from_file(out / "sentiment_float32.tflite")
    length = trained.vectorizer.max_length
    rng = np.random.default_rng(0)
    for real in (0, 1, 7, length):
        ids = np.zeros((1, length), np.int32)
        ids[0, :real] = rng.integers(1, trained.vectorizer.vocabulary_size, real)
        expected = trained.classifier(ids, training=False).numpy()
        for model, model_ids in ((fixed, ids), (dynamic, ids), (dynamic, ids[:, : max(real, 1)])):
            actual = model.run("serving_default", token_ids=model_ids)["probabilities"]
            np.testing.assert_allclose(actual, expected, atol=1e-5)


def test_fused_encoder_with_final_state_pooling_and_two_layers(sentiment_export, tmp_path):
    trained, _, _ = sentiment_export
    config = dataclasses.replace(trained.config, pooling="final_state", num_layers=2)
    classifier = build_classifier(config, trained.vectorizer.vocabulary_size, 3)
    classifier(np.ones((1, 4), np.int32))
    scramble(classifier, seed=5, gain=2.0)
    variant = dataclasses.replace(trained, config=config, classifier=classifier)
    summary = write_sentiment_models(variant, tmp_path, ("float32",), dynamic_length=False)
    assert summary["fused_lstm"]
    model = LiteModel.from_file(tmp_path / summary["files"]["float32"]["file"])
    length = trained.vectorizer.max_length
    rng = np.random.default_rng(1)
    for real in (0, 3, length):
        ids = np.zeros((1, length), np.int32)
        ids[0, :real] = rng.integers(1, trained.vectorizer.vocabulary_size, real)
        actual = model.run("serving_default", token_ids=ids)["probabilities"]
        expected = classifier(ids, training=False).numpy()
        np.testing.assert_allclose(actual, expected, atol=1e-5)


@pytest.mark.parametrize("dynamic_length", [True, False])
def test_wide_and_deep_classifier_keeps_its_bag_of_ngrams_on_the_phone(
    sentiment_export, tmp_path, dynamic_length
):
    trained, _, _ = sentiment_export
    config = dataclasses.replace(trained.config, ngram_dim=6, ngram_buckets=97)
    classifier = build_classifier(config, trained.vectorizer.vocabulary_size, 2)
    classifier(np.ones((1, 4), np.int32))
    scramble(classifier, seed=7, gain=2.0)
    variant = dataclasses.replace(trained, config=config, classifier=classifier)
    summary = write_sentiment_models(variant, tmp_path, ("float32",), dynamic_length=dynamic_length)
    assert summary["fused_lstm"]
    model = LiteModel.from_file(tmp_path / summary["files"]["float32"]["file"])
    assert (
        non_builtin_operators((tmp_path / summary["files"]["float32"]["file"]).read_bytes()) == []
    )
    length = trained.vectorizer.max_length
    rng = np.random.default_rng(2)
    for real in (1, 5, length):
        ids = np.zeros((1, real if dynamic_length else length), np.int32)
        ids[0, :real] = rng.integers(2, trained.vectorizer.vocabulary_size, real)
        actual = model.run("serving_default", token_ids=ids)["probabilities"]
        expected = classifier(ids, training=False).numpy()
        np.testing.assert_allclose(actual, expected, atol=1e-5)
    # The branch matters: with its table zeroed, Keras no longer matches the phone model.
    bag = classifier.get_layer("bag_of_ngrams").embedding
    bag.embeddings.assign(np.zeros(bag.embeddings.shape, np.float32))
    assert not np.allclose(classifier(ids, training=False).numpy(), actual, atol=1e-5)


def largest_cell_state(encoder, ids: np.ndarray) -> float:
    """Largest |c| the encoder's LSTMs (both directions, first layer) reach on `ids [1, n]`,
    computed in numpy from the Keras weights."""
    inputs = encoder.embedding(ids).numpy()[0]
    largest = 0.0
    layer = encoder.recurrent_layers[0]
    for direction, sequence in (
        (layer.forward_layer, inputs),
        (layer.backward_layer, inputs[::-1]),
    ):
        cell = direction.cell
        kernel, recurrent, bias = (
            w.numpy() for w in (cell.kernel, cell.recurrent_kernel, cell.bias)
        )
        h = c = np.zeros(recurrent.shape[0])
        for x in sequence:
            i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4)
            c = c / (1 + np.exp(-f)) + np.tanh(g) / (1 + np.exp(-i))
            h = np.tanh(c) / (1 + np.exp(-o))
            largest = max(largest, float(np.abs(c).max()))
    return largest


def saturate_cells(classifier, up: int, down: int) -> None:
    """LSTM weights under which token `up` adds ~1 to every cell state per step and `down`
    takes ~1 away, forgetting almost nothing (forget gate 0.9975): 28 `up`s take |c| to
    ~27, far past the converter's clip at 10, and the `down`s that follow bring it back."""
    encoder = classifier.get_layer("encoder")
    table = encoder.embedding.embeddings.numpy()
    table[up], table[down] = 1.0, -1.0
    encoder.embedding.embeddings.assign(table)
    for layer in encoder.recurrent_layers:
        for direction in (layer.forward_layer, layer.backward_layer):
            cell = direction.cell
            features, units = cell.kernel.shape[0], cell.recurrent_kernel.shape[0]
            kernel = np.zeros((features, 4 * units), np.float32)
            kernel[:, 2 * units : 3 * units] = 3.0 / features  # g = tanh(+-3)
            bias = np.zeros(4 * units, np.float32)
            bias[:units], bias[units : 2 * units] = 4.0, 6.0  # input 0.98, forget 0.9975
            cell.kernel.assign(kernel)
            cell.recurrent_kernel.assign(np.zeros((units, 4 * units), np.float32))
            cell.bias.assign(bias)


def test_fused_lstm_does_not_clip_a_large_cell_state(sentiment_export, tmp_path):
    """The converter writes cell_clip = 10 into the fused LSTM; Keras never clips. A model
    whose cell state reaches ~27 must still match Keras (and the export's repetitive probes
    must not reject it)."""
    trained, _, _ = sentiment_export
    config = dataclasses.replace(trained.config, num_layers=1)
    classifier = build_classifier(config, trained.vectorizer.vocabulary_size, 2)
    classifier(np.ones((1, 4), np.int32))
    scramble(classifier, seed=9, gain=2.0)
    up, down = 5, 6
    saturate_cells(classifier, up, down)
    saturated = dataclasses.replace(trained, config=config, classifier=classifier)
    summary = write_sentiment_models(saturated, tmp_path, ("float32",))
    assert summary["fused_lstm"]
    content = (tmp_path / summary["files"]["float32"]["file"]).read_bytes()
    clips = lstm_clip_values(content)
    assert len(clips) == 2  # forward and backward
    assert all(c["cell_clip"] == c["proj_clip"] == 0.0 for c in clips), clips

    length = trained.vectorizer.max_length
    inputs = [
        np.array([[up] * 28 + [down] * (length - 28)], np.int32),
        np.array([[down] * 30 + [up] * (length - 30)], np.int32),
        np.array([[up] * length], np.int32),
    ]
    encoder = classifier.get_layer("encoder")
    assert min(largest_cell_state(encoder, ids) for ids in inputs) > 20.0
    model, clipped = LiteModel(content), LiteModel(set_lstm_clipping(content, 10.0, 0.0))
    clipped_differences = []
    for ids in inputs:
        expected = classifier(ids, training=False).numpy()
        actual = model.run("serving_default", token_ids=ids)["probabilities"]
        np.testing.assert_allclose(actual, expected, atol=1e-5)
        as_converted = clipped.run("serving_default", token_ids=ids)["probabilities"]
        clipped_differences.append(np.abs(as_converted - expected).max())
    # What the fix removes: with the converter's clip the answer parts from Keras.
    assert max(clipped_differences) > 1e-2, clipped_differences


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


def test_models_without_their_weights_are_caught(sentiment_export, tmp_path):
    """STACK.md's danger (a conversion that silently drops the weights) fails loudly: by
    the model's constant bytes, and by its outputs on a probe."""
    trained, out, _ = sentiment_export
    content = (out / "sentiment_float32.tflite").read_bytes()
    parameters = trained.classifier.count_params()
    assert check_weights_present(content, parameters) >= parameters
    with pytest.raises(TFLiteExportError, match="converted without its weights"):
        check_weights_present(content, 10 * len(content))
    ids = np.arange(2, 14, dtype=np.int32)[None]
    expected = trained.classifier(ids, training=False).numpy()
    differences = check_against_reference(
        content, "serving_default", {"token_ids": ids}, {"probabilities": expected}, 1e-5
    )
    assert differences["probabilities"] <= 1e-5
    # The same architecture with other weights is what a weightless model looks like here.
    wrong = {"probabilities": expected[:, ::-1]}
    with pytest.raises(TFLiteExportError, match="without its weights"):
        check_against_reference(content, "serving_default", {"token_ids": ids}, wrong, 1e-2)
    nan = {"probabilities": np.full_like(expected, np.nan)}
    with pytest.raises(TFLiteExportError, match="Received a difference of nan"):
        check_against_reference(content, "serving_default", {"token_ids": ids}, nan, 1e-2)


def test_non_builtin_ops_fail_with_their_names(tmp_path):
    module = tf.Module()
    module.det = tf.function(
        lambda x: {"det": tf.linalg.det(x)}, input_signature=[tf.TensorSpec([2, 2], tf.float32)]
    )
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.det})
    with pytest.raises(TFLiteExportError, match="no TFLite builtin: MatrixDeterminant"):
        convert_saved_model(tmp_path, ["serving_default"], "float32")
    # The same graph with Flex allowed converts, and the check names the Flex op.
    converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path))
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,
        tf.lite.OpsSet.SELECT_TF_OPS,
    ]
    with pytest.raises(TFLiteExportError, match="custom:FlexMatrixDeterminant"):
        check_builtins_only(converter.convert())
    with pytest.raises(ValueError, match="Expected a variant in"):
        convert_saved_model(tmp_path, ["serving_default"], "int8")


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


def test_the_loop_signatures_are_checked_at_export(translation_export, tiny_translation_run):
    trained, out, summary = translation_export
    for variant in VARIANTS:
        differences = summary["probe_differences"][variant]
        assert differences["greedy/target_ids"] == differences["beam_search/target_ids"] == 0.0
    sources = probe_sources(trained)
    assert any(not s.any() for s in sources)  # an empty source among them
    functions = translation_functions(trained, beam_width=3)
    checks = {
        "greedy": greedy_check(functions, trained, sources),
        "beam_search": beam_search_check(functions, trained, sources, 3),
    }
    for variant in VARIANTS:
        content = (out / f"translation_{variant}.tflite").read_bytes()
        for name, check in checks.items():
            assert check(variant, content) == {f"{name}/target_ids": 0.0}
    # Another model's TensorFlow ids: the float32 comparison is exact, so it fails.
    other = TrainedTranslator.load(tiny_translation_run)
    scramble(other.model, seed=2)
    other_functions = translation_functions(other, beam_width=3)
    for name, wrong in (
        ("greedy", greedy_check(other_functions, other, sources)),
        ("beam_search", beam_search_check(other_functions, other, sources, 3)),
    ):
        with pytest.raises(LoopSignatureError, match="give TensorFlow's ids") as error:
            wrong("float32", (out / "translation_float32.tflite").read_bytes())
        assert error.value.signature == name


def test_a_quantised_beam_search_may_differ_only_at_near_ties(translation_export, monkeypatch):
    """Against its own `decode_step` in numpy, a quantised `beam_search` signature may part
    only where that search chose between candidates within the variant's tolerance."""
    trained, out, _ = translation_export
    assert smallest_margin(np.array([[3.0, 1.0, 2.0, 2.5]]), 2) == pytest.approx(0.5 / 2.5)
    assert smallest_margin(np.array([[0.2, 0.1], [-4.0, -4.0]]), 1) == 0.0
    sources = probe_sources(trained)[:1]
    check = beam_search_check(translation_functions(trained, beam_width=3), trained, sources, 3)
    content = (out / "translation_float16.tflite").read_bytes()
    signature_ids = LiteModel(content).run("beam_search", source_ids=sources[0])["target_ids"]
    assert signature_ids[0, 0] != 0
    for margin, passes in ((1e-3, True), (0.5, False)):
        other = signature_ids.copy()
        other[0, 0] += 1
        monkeypatch.setattr(
            translation_tflite, "stepwise_beam_search", lambda *a, o=other, m=margin: (o, m)
        )
        if passes:  # float16's tolerance is 1e-2: a near tie
            assert check("float16", content) == {"beam_search/target_ids": 1.0}
        else:
            with pytest.raises(LoopSignatureError, match="no two candidates came within"):
                check("float16", content)


def test_a_loop_signature_failing_its_check_is_left_out(translation_export, monkeypatch, tmp_path):
    """As for `greedy`: the export goes on without `beam_search` and says why; the runner
    then decodes one sentence step by step in numpy."""
    trained, out, _ = translation_export

    def failing(*args):
        def check(variant, content):
            raise LoopSignatureError("beam_search", "beam_search broke")

        return check

    monkeypatch.setattr(translation_tflite, "beam_search_check", failing)
    summary = write_translation_models(trained, tmp_path, ("float32",))
    assert summary["beam_search_error"] == "beam_search broke"
    assert summary["greedy_error"] is None
    assert summary["signatures"] == ["decode_step", "encode", "greedy"]
    assert load_metadata(tmp_path, "translation")["beam_search_width"] is None
    edge = EdgeTranslator.from_directory(tmp_path, "float32")
    assert edge.beam_search_width is None and edge.loop_signature(3) is None
    reference = EdgeTranslator.from_directory(out, "float32")
    text = "Ella vende el teléfono."
    np.testing.assert_array_equal(edge.translate_ids([text]), reference.translate_ids([text]))


def test_the_beam_width_given_at_export_goes_into_metadata(translation_export, tmp_path):
    trained, out, _ = translation_export
    assert load_metadata(out, "translation")["beam_width"] == trained.config.beam_width == 3
    summary = write_translation_models(
        trained, tmp_path, ("float32",), include_greedy=False, beam_width=5
    )
    assert summary["signatures"] == ["beam_search", "decode_step", "encode"]
    metadata = load_metadata(tmp_path, "translation")
    assert metadata["beam_width"] == metadata["beam_search_width"] == 5
    edge = EdgeTranslator.from_directory(tmp_path)
    assert edge.beam_width == 5 and edge.loop_signature(5) == "beam_search"
    assert edge.loop_signature(3) is None and edge.loop_signature(1) is None
    with pytest.raises(ValueError, match="beam_width >= 1"):
        write_translation_models(trained, tmp_path, ("float32",), beam_width=-2)


def test_every_model_carries_the_fingerprint_of_its_metadata(sentiment_export, translation_export):
    for (_, out, summary), app in (
        (sentiment_export, "sentiment"),
        (translation_export, "translation"),
    ):
        metadata = load_metadata(out, app)
        assert summary["fingerprint"] == metadata["fingerprint"] == fingerprint_of(metadata)
        for entry in summary["files"].values():
            content = (out / entry["file"]).read_bytes()
            assert read_fingerprint(content)["fingerprint"] == metadata["fingerprint"]
            # The converter's own entries are still there.
            assert {"min_runtime_version", "CONVERSION_METADATA"} <= set(metadata_entries(content))


def test_embedding_the_fingerprint_keeps_the_converted_model_byte_for_byte(translation_export):
    """Written in front of the converted model, which stays whole at a 16-byte boundary (so
    every weight keeps its alignment): 4 bytes a buffer and a few hundred more (3.5 kB on
    this 0.24 MB model, 2.2 kB on a 3.9 MB one), same outputs."""
    trained, out, summary = translation_export
    sources = probe_sources(trained)
    probes = [Probe("encode", {"source_ids": ids}, {}) for ids in sources]
    probes += [Probe("beam_search", {"source_ids": ids}, {}) for ids in sources]
    for variant in VARIANTS:
        exported = (out / f"translation_{variant}.tflite").read_bytes()
        converted = with_metadata_entry(exported, FINGERPRINT_ENTRY, None)  # as converted
        assert FINGERPRINT_ENTRY not in metadata_entries(converted)
        final = embed_fingerprint(converted, summary["fingerprint"])
        position = final.find(converted)
        assert position > 0 and position % 16 == 0, position
        # New lists of buffers and metadata entries (4 bytes an item), root table, entry.
        items = Model.GetRootAs(final).BuffersLength() + len(metadata_entries(final))
        assert 0 < len(final) - len(converted) < 4 * items + 512
        assert metadata_entries(final) == {
            **metadata_entries(converted),
            FINGERPRINT_ENTRY: metadata_entries(exported)[FINGERPRINT_ENTRY],
        }
        check_unchanged(converted, final, probes, variant)  # bit for bit
        # Embedding again replaces the entry rather than adding one.
        again = embed_fingerprint(final, "0" * 64)
        assert read_fingerprint(again)["fingerprint"] == "0" * 64
        assert list(metadata_entries(again)) == list(metadata_entries(final))


def test_a_model_changed_while_embedding_is_caught(translation_export, monkeypatch):
    trained, out, summary = translation_export
    float32, float16 = (
        (out / f"translation_{variant}.tflite").read_bytes() for variant in ("float32", "float16")
    )
    probes = [Probe("encode", {"source_ids": ids}, {}) for ids in probe_sources(trained)]
    with pytest.raises(TFLiteExportError, match="changed the model"):
        check_unchanged(float32, float16, probes, "float32 model")
    real = with_metadata_entry
    monkeypatch.setattr(
        export_tflite, "with_metadata_entry", lambda content, name, data: real(float16, name, data)
    )
    with pytest.raises(TFLiteExportError, match="change nothing but the model's"):
        embed_fingerprint(float32, summary["fingerprint"])


def test_the_final_bytes_are_checked_before_they_are_written(sentiment_export, tmp_path):
    """`write_variants` runs the checks again on the model with its fingerprint, and writes
    nothing that fails them."""
    trained, out, summary = sentiment_export
    exported = (out / "sentiment_float32.tflite").read_bytes()
    converted = {"float32": {"content": with_metadata_entry(exported, FINGERPRINT_ENTRY, None)}}
    ids = np.arange(2, 14, dtype=np.int32)[None]
    expected = trained.classifier(ids, training=False).numpy()
    probes = [Probe("serving_default", {"token_ids": ids}, {"probabilities": expected})]
    checked = []

    def check(variant, content):
        checked.append(read_fingerprint(content)["fingerprint"])
        return {"check": 1.0}

    parameters = trained.classifier.count_params()
    written = write_variants(
        converted,
        tmp_path,
        "m_{variant}.tflite",
        summary["fingerprint"],
        probes,
        parameters,
        [check],
    )
    assert checked == [summary["fingerprint"]]  # the check saw the final bytes
    assert (tmp_path / "m_float32.tflite").read_bytes() == written["float32"]["content"]
    assert written["float32"]["probe_differences"]["check"] == 1.0
    assert written["float32"]["probe_differences"]["serving_default/probabilities"] <= 1e-5

    def failing(variant, content):
        raise TFLiteExportError("final bytes broke")

    with pytest.raises(TFLiteExportError, match="final bytes broke"):
        write_variants(
            converted,
            tmp_path,
            "n_{variant}.tflite",
            summary["fingerprint"],
            probes,
            parameters,
            [failing],
        )
    assert not (tmp_path / "n_float32.tflite").exists()
