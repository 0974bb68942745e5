"""Sentiment run -> builtins-only `.tflite` models (three precisions) and `metadata.json`.

The model takes token ids `[1, length]` (from the pure-Python tokenizer on the phone,
`shared.edge.tokenizers.WordTokenizer`) and returns `probabilities [1, classes]`. By default the
length is dynamic: the app feeds exactly the text's ids (padding is masked, so this equals
padding to `max_length`) and short texts cost less. Batch stays 1: the LSTMs need it,
both as TFLite's fused sequence op (used when the encoder allows, 3-4x faster than the
`WHILE` loop of a converted Keras 3 LSTM; `shared.export.tflite.fused_lstm`) and as that loop.

The fused op keeps its states in variable tensors, overwritten by each call; the model
zeroes them itself at the start of every call (`shared.export.tflite.state_zeroing`), so
it is a pure function of its ids: no runner resets anything. LiteRT.js refuses variable
tensors all the same, so a fused export also writes `sentiment_browser.tflite`, the
unfused model in dynamic range (`shared.export.tflite.phone_export`).

Stream-capable runs (`train --streaming`) get a `stream_step` signature besides, with the
state as explicit inputs and outputs (`apps.sentiment.stream_tflite`).

Every variant is checked against Keras at export on a random review and on long
repetitive ones built from the tokens that push the LSTM's cell state furthest (where a
converted LSTM that clips its cell state, as the converter's fused op does unless told
otherwise, parts from Keras).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.corpus import generate_reviews
from apps.sentiment.phone_compression import CompactSettings, compact_for_phone, wants_compact
from shared.edge.golden import GOLDEN_CORPUS_TEXTS
from shared.edge.metadata import VARIANTS
from shared.edge.sentiment import INPUT_NAME, OUTPUT_NAME, SIGNATURE, EdgeSentimentClassifier
from shared.export.tflite.fused_lstm import fused_encoder_call, lstm_encoder_is_fusable
from shared.export.tflite.phone_export import EmbeddingTable, PhoneExportSpec, write_phone_export
from shared.export.tflite.tflite_metadata import sentiment_task_metadata
from shared.export.tflite.verification import Probe
from shared.ids import PAD_ID, UNK_ID


def classifier_function(
    classifier: keras.Model, sequence_length: int | None = None, fuse_lstm: bool = True
):
    """`token_ids int32 [1, sequence_length] -> {"probabilities": [1, classes]}`.

    Args:
        classifier: the trained Keras classifier (`apps.sentiment.model`).
        sequence_length: None for a dynamic length (resized at run time), else fixed.
        fuse_lstm: run the encoder's LSTMs as TFLite's fused sequence op when they allow
            it (`shared.export.tflite.fused_lstm.fused_encoder_call`); else the Keras graph, whose
            LSTMs become `WHILE` loops (slower, and more so the longer the text).
    """
    encoder = classifier.get_layer("encoder")
    fused = fuse_lstm and lstm_encoder_is_fusable(encoder)
    layer_names = {layer.name for layer in classifier.layers}

    @tf.function(input_signature=[tf.TensorSpec([1, sequence_length], tf.int32, INPUT_NAME)])
    def classify(token_ids):
        if not fused:
            return {OUTPUT_NAME: classifier(token_ids, training=False)}
        # The classifier's head on the fused encoder's outputs (dropout is off at inference).
        sequence, hidden = fused_encoder_call(encoder, token_ids)
        if "final_hidden_states" in layer_names:
            features = classifier.get_layer("final_hidden_states")(list(hidden[-1]))
        else:
            padding_mask = tf.not_equal(token_ids, PAD_ID)
            features = classifier.get_layer("pooling")(sequence, padding_mask)
        if "bag_of_ngrams" in layer_names:
            bag = classifier.get_layer("bag_of_ngrams")(token_ids)
            features = classifier.get_layer("wide_and_deep")([features, bag])
        return {OUTPUT_NAME: classifier.get_layer("probabilities")(features)}

    return classify


def probe_ids(vocabulary_size: int, length: int, seed: int = 0) -> np.ndarray:
    """Deterministic ids `[1, length]` over the whole vocabulary, the last quarter padding."""
    ids = np.random.default_rng(seed).integers(
        UNK_ID, vocabulary_size, size=(1, length), dtype=np.int32
    )
    ids[:, length - length // 4 :] = PAD_ID
    return ids


def cell_driving_ids(encoder) -> tuple[int, int]:
    """Two token ids that, repeated, push the first recurrent layer's state furthest in
    opposite directions (a "great" and an "awful" for a sentiment model).

    For an LSTM: the cell state one token would settle at, repeated, with the recurrent
    term left out (`sigmoid(i) tanh(g) / (1 - sigmoid(f))` of the forward cell), on the
    unit where it is largest; for other cells, the two largest embeddings.
    """
    table = np.asarray(encoder.embedding.embeddings, dtype=np.float64)
    first = encoder.recurrent_layers[0]
    # A bidirectional layer's forward direction; a streaming encoder's layer is one.
    cell = getattr(first, "forward_layer", first).cell
    if encoder.cell != "lstm":
        norms = np.linalg.norm(table, axis=1)
        norms[PAD_ID] = -1.0
        first, second = np.argsort(-norms, kind="stable")[:2]
        return int(first), int(second)
    gates = table @ np.asarray(cell.kernel, np.float64)
    if cell.use_bias:
        gates = gates + np.asarray(cell.bias, np.float64)
    i, f, g, _ = np.split(gates, 4, axis=-1)
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    settled = sigmoid(i) * np.tanh(g) / np.maximum(1.0 - sigmoid(f), 1e-6)
    settled[PAD_ID] = 0.0
    unit = int(np.argmax(np.abs(settled).max(axis=0)))
    return int(np.argmax(settled[:, unit])), int(np.argmin(settled[:, unit]))


def repetitive_probe_ids(encoder, length: int) -> list[np.ndarray]:
    """Long repetitive inputs `[1, length]`: each of `cell_driving_ids` over the whole
    length, and each for 55% of it then the other (the state climbs far, then must come
    back: where a clipped cell state shows)."""
    up, down = cell_driving_ids(encoder)
    turn = (length * 11) // 20
    rows = [[up] * length, [down] * length]
    rows += [[a] * turn + [b] * (length - turn) for a, b in ((up, down), (down, up))]
    return [np.asarray([row], dtype=np.int32) for row in rows]


def write_tflite_models(
    trained: TrainedSentimentModel,
    out_dir: Path,
    variants: tuple[str, ...] = VARIANTS,
    dynamic_length: bool = True,
    fuse_lstm: bool = True,
    phone_size: str = "auto",
    compact_settings: CompactSettings | None = None,
) -> dict:
    """Converts a trained classifier to one `.tflite` per variant plus `metadata.json`.

    Every model is checked after conversion: builtins only, weights present, and outputs
    within `PROBE_TOLERANCE[variant]` of Keras on a random review and on long repetitive
    ones (`repetitive_probe_ids`): a model converted without its weights, or one whose
    fused LSTM clips its cell state, fails here, not on a phone. Each then gets the
    fingerprint of `metadata.json` embedded (`shared.export.tflite.phone_export`, which
    checks the final bytes again), so a runner refuses the pair once either is edited.

    Args:
        trained: a loaded sentiment run.
        out_dir: folder for `sentiment_<variant>.tflite` and `metadata.json`.
        variants: a subset of `VARIANTS`.
        dynamic_length: ids `[1, None]` (resized per text) rather than `[1, max_length]`.
        fuse_lstm: fused LSTM ops where the encoder allows (see `classifier_function`).
        phone_size: `compact` converts a small copy distilled from the classifier
            (`apps.sentiment.phone_compression`), `full` the classifier itself, `auto`
            the compact copy when the word and n-gram tables exceed its budget.
        compact_settings: the compact copy's sizes and distillation (default settings).

    Stream-capable runs (`train --streaming`) get a `stream_step` signature besides
    (`apps.sentiment.stream_tflite`; their length is always dynamic).

    Returns:
        `{"directory", "metadata", "files": {variant: {"file", "sha256", "bytes"}},
        "fingerprint", "fused_lstm", "probe_differences": {variant: {"<signature>/<output>":
        float}}, "phone_model": {"phone_size", and for a compact copy its compression,
        distillation and agreement with the server model}}`.
    """
    if trained.config.streaming:
        from apps.sentiment.stream_tflite import write_stream_tflite_models  # noqa: PLC0415

        if not dynamic_length:
            raise ValueError(
                "Expected dynamic_length=True for a stream-capable run (a chunk has any "
                "length). Received dynamic_length=False."
            )
        return write_stream_tflite_models(trained, out_dir, variants, fuse_lstm)
    classifier, vectorizer = trained.classifier, trained.vectorizer
    phone_model = {"phone_size": "full"}
    if wants_compact(trained, phone_size):
        classifier, phone_model = compact_for_phone(trained, compact_settings or CompactSettings())
    vocabulary = vectorizer.get_vocabulary()
    encoder = classifier.get_layer("encoder")
    fused = fuse_lstm and lstm_encoder_is_fusable(encoder)
    length = None if dynamic_length else vectorizer.max_length
    function = classifier_function(classifier, length, fused)
    inputs = [probe_ids(len(vocabulary), vectorizer.max_length)]
    inputs += repetitive_probe_ids(encoder, vectorizer.max_length)
    probes = [
        Probe(
            SIGNATURE,
            {INPUT_NAME: ids},
            {OUTPUT_NAME: function(tf.constant(ids))[OUTPUT_NAME].numpy()},
        )
        for ids in inputs
    ]
    embedding = encoder.embedding
    spec = PhoneExportSpec(
        runner=EdgeSentimentClassifier,
        model=classifier,
        endpoints={SIGNATURE: function},
        # LiteRT.js refuses the fused LSTM's variable tensors: a browser model of loops.
        browser_endpoints={SIGNATURE: classifier_function(classifier, length, False)}
        if fused
        else None,
        probes=probes,
        table=EmbeddingTable(
            # A compact copy's table is the low-rank factor (`FactorizedEmbedding.rank`).
            "vocabulary",
            [len(vocabulary), getattr(embedding, "rank", embedding.output_dim)],
            embedding.name.split("/")[-1],
        ),
        special_ids={"pad": PAD_ID, "unk": UNK_ID},
        run_config=dataclasses.asdict(trained.config),
        golden_texts=generate_reviews(GOLDEN_CORPUS_TEXTS)[0],
        # MediaPipe Tasks' TextClassifier and the Task Library read these (vocab + labels).
        task_metadata=sentiment_task_metadata(
            vocabulary, trained.labels.names, vectorizer.max_length, vectorizer.truncate_from
        ),
        metadata_fields=lambda signatures: {
            "vocabulary": vocabulary,
            "labels": list(trained.labels.names),
            "max_length": vectorizer.max_length,
            "truncate_from": vectorizer.truncate_from,
            "fused_lstm": fused,
            "phone_model": _phone_model_summary(phone_model),
        },
    )
    export = write_phone_export(spec, out_dir, variants)
    return {**export_summary(export, fused), "phone_model": phone_model}


def export_summary(export: dict, fused: bool) -> dict:
    """What a sentiment phone export reports (and export.json records) of `write_phone_export`."""
    keys = ("directory", "metadata", "files", "fingerprint")
    return {
        **{key: export[key] for key in keys},
        "fused_lstm": fused,
        "probe_differences": export["probe_differences"],
    }


def _phone_model_summary(phone_model: dict) -> dict:
    """metadata.json's short account of the phone model (export.json has all of it)."""
    keys = ("phone_size", "compression", "agreement")
    return {key: phone_model[key] for key in keys if key in phone_model}
