"""Sentiment phone models against Keras: every variant, fused and unfused lengths, other
encoders and heads, and a fused LSTM that must not clip its cell state.

The tiny session run is degenerate as a model (it answers 0.50 +- 0.01), which would make
parity prove little, so the exported copies get deterministic weights of trained-model
scale first (`tests.helpers.tflite.scramble`). Stated tolerances (max |difference| against
Keras, measured on these models): probabilities float32 1e-5, float16 1e-3, dynamic range
2e-2 with the argmax agreeing on >= 99% of 300 generated reviews; a fused LSTM whose cell
state passes 10 (where the converter's op would clip it): float32 within 1e-5 of Keras.
"""

import dataclasses

import numpy as np
import pytest

from apps.sentiment.inference import SentimentPredictor
from apps.sentiment.model import build_classifier
from apps.sentiment.tflite import write_tflite_models as write_sentiment_models
from shared.datasets.labels import LabelSet
from shared.edge.flatbuffer import non_builtin_operators, operator_names, variable_tensors
from shared.edge.golden import load_golden
from shared.edge.metadata import BROWSER_VARIANT, DEFAULT_VARIANT, VARIANTS
from shared.edge.runtime import LiteModel
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.export.tflite.fused_lstm import lstm_clip_values, set_lstm_clipping
from tests.helpers.tflite import scramble

SENTIMENT_TOLERANCE = {"float32": 1e-5, "float16": 1e-3, "dynamic_range": 2e-2}
SENTIMENT_TOLERANCE[BROWSER_VARIANT] = SENTIMENT_TOLERANCE["dynamic_range"]


def test_sentiment_variants_match_keras_on_generated_reviews(sentiment_export, reviews):
    trained, out, summary = sentiment_export
    assert summary["fused_lstm"]
    # End to end: TF tokenisation + Keras, against pure-Python tokenisation + LiteRT.
    expected, _ = SentimentPredictor(trained).predict(reviews)
    assert expected.std() > 0.1  # scrambled weights give spread-out answers
    for variant in (*VARIANTS, BROWSER_VARIANT):
        classifier = EdgeSentimentClassifier.from_directory(out, variant, num_threads=1)
        actual = classifier.predict(reviews)
        difference = np.abs(actual - expected).max()
        assert difference <= SENTIMENT_TOLERANCE[variant], (variant, difference)
        agreement = np.mean(actual.argmax(-1) == expected.argmax(-1))
        assert agreement >= (1.0 if variant == "float32" else 0.99), (variant, agreement)


def test_a_fused_export_writes_a_browser_model_without_variable_tensors(sentiment_export, reviews):
    """LiteRT.js refuses variable tensors, which the fused LSTM needs: the default export
    also writes the unfused model in dynamic range, answering as the fused ones."""
    _, out, summary = sentiment_export
    entry = summary["files"][BROWSER_VARIANT]
    assert entry["file"] == "sentiment_browser.tflite" and entry["fused_lstm"] is False
    browser = (out / entry["file"]).read_bytes()
    fused = (out / summary["files"][DEFAULT_VARIANT]["file"]).read_bytes()
    assert non_builtin_operators(browser) == []
    assert variable_tensors(fused) and variable_tensors(browser) == []
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" not in operator_names(browser)
    assert "WHILE" in operator_names(browser)
    answers = {
        variant: EdgeSentimentClassifier.from_directory(out, variant, num_threads=1).predict(
            reviews
        )
        for variant in (*VARIANTS, BROWSER_VARIANT)
    }
    for variant in VARIANTS:
        difference = np.abs(answers[BROWSER_VARIANT] - answers[variant]).max()
        assert difference <= 2 * SENTIMENT_TOLERANCE["dynamic_range"], (variant, difference)
        agreement = np.mean(answers[BROWSER_VARIANT].argmax(-1) == answers[variant].argmax(-1))
        assert agreement >= 0.99, (variant, agreement)
    golden = load_golden(out)
    assert golden["variants"] == [*VARIANTS, BROWSER_VARIANT]
    assert all(BROWSER_VARIANT in row["outputs"] for row in golden["rows"])


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


def export_another_classifier(
    trained, tmp_path, classes: int, seed: int, dynamic_length: bool, **settings
):
    """A classifier with the run's settings changed by `settings`, scrambled and exported
    (float32, fused LSTMs): `(classifier, path of its .tflite)`."""
    config = dataclasses.replace(trained.config, **settings)
    classifier = build_classifier(config, trained.vectorizer.vocabulary_size, classes)
    classifier(np.ones((1, 4), np.int32))
    scramble(classifier, seed=seed, gain=2.0)
    # One label per class: the export checks its metadata with the runner (golden.json).
    labels = LabelSet(tuple(f"class_{i}" for i in range(classes)))
    variant = dataclasses.replace(trained, config=config, classifier=classifier, labels=labels)
    summary = write_sentiment_models(variant, tmp_path, ("float32",), dynamic_length=dynamic_length)
    assert summary["fused_lstm"]
    return classifier, tmp_path / summary["files"]["float32"]["file"]


def test_fused_encoder_with_final_state_pooling_and_two_layers(sentiment_export, tmp_path):
    trained, _, _ = sentiment_export
    classifier, path = export_another_classifier(
        trained, tmp_path, 3, 5, False, pooling="final_state", num_layers=2
    )
    model = LiteModel.from_file(path)
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
    classifier, path = export_another_classifier(
        trained, tmp_path, 2, 7, dynamic_length, ngram_dim=6, ngram_buckets=97
    )
    model = LiteModel.from_file(path)
    assert non_builtin_operators(path.read_bytes()) == []
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
