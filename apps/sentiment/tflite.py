"""Sentiment run -> builtins-only `.tflite` models (three precisions) and `metadata.json`.

The model takes token ids `[1, length]` (from the pure-Python tokenizer on the phone,
`shared.edge.text.WordTokenizer`) and returns `probabilities [1, classes]`. By default the
length is dynamic: the app feeds exactly the text's ids (padding is masked, so this equals
padding to `max_length`) and short texts cost less. Batch stays 1: the LSTMs need it,
both as TFLite's fused sequence op (used when the encoder allows, 3-4x faster than the
`WHILE` loop of a converted Keras 3 LSTM) and as that loop.

The fused op keeps its states in variable tensors, overwritten by each call: a runner
must reset them after every call (`Interpreter.reset_all_variables()`;
`shared.edge.runtime.LiteModel.run` does), which metadata.json says under
`reset_variables_after_each_call`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from shared.edge.metadata import METADATA_FILE, new_metadata, write_metadata
from shared.edge.runtime import LiteModel
from shared.export.tflite import (
    TFLITE_VARIANTS,
    Probe,
    convert_variants,
    find_tensor_name,
    fused_encoder_call,
    lstm_encoder_is_fusable,
    save_endpoints,
)
from shared.layers.masking import PAD_ID
from shared.text.vectorizer import UNK_ID

SIGNATURE = "serving_default"
INPUT_NAME = "token_ids"
OUTPUT_NAME = "probabilities"
DEFAULT_VARIANT = "dynamic_range"
FILE_PATTERN = "sentiment_{variant}.tflite"


def classifier_function(
    classifier: keras.Model, sequence_length: int | None = None, fuse_lstm: bool = True
):
    """`token_ids int32 [1, sequence_length] -> {"probabilities": [1, classes]}`.

    Args:
        classifier: the trained Keras classifier (`apps.sentiment.model`).
        sequence_length: None for a dynamic length (resized at run time), else fixed.
        fuse_lstm: run the encoder's LSTMs as TFLite's fused sequence op when they allow
            it (`shared.export.tflite.fused_encoder_call`); else the Keras graph, whose
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
        return {OUTPUT_NAME: classifier.get_layer("probabilities")(features)}

    return classify


def probe_ids(vocabulary_size: int, length: int, seed: int = 0) -> np.ndarray:
    """Deterministic ids `[1, length]` over the whole vocabulary, the last quarter padding."""
    ids = np.random.default_rng(seed).integers(
        UNK_ID, vocabulary_size, size=(1, length), dtype=np.int32
    )
    ids[:, length - length // 4 :] = PAD_ID
    return ids


def write_tflite_models(
    trained: TrainedSentimentModel,
    out_dir: Path,
    variants: tuple[str, ...] = TFLITE_VARIANTS,
    dynamic_length: bool = True,
    fuse_lstm: bool = True,
) -> dict:
    """Converts a trained classifier to one `.tflite` per variant plus `metadata.json`.

    Every model is checked after conversion: builtins only, and outputs within
    `PROBE_TOLERANCE[variant]` of Keras on a probe input (a model converted without its
    weights fails here, not on a phone).

    Args:
        trained: a loaded sentiment run.
        out_dir: folder for `sentiment_<variant>.tflite` and `metadata.json`.
        variants: a subset of `TFLITE_VARIANTS`.
        dynamic_length: ids `[1, None]` (resized per text) rather than `[1, max_length]`.
        fuse_lstm: fused LSTM ops where the encoder allows (see `classifier_function`).

    Returns:
        `{"directory", "metadata", "files": {variant: {"file", "sha256", "bytes"}},
        "probe_differences": {variant: {"<signature>/<output>": float}}}`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    classifier, vectorizer = trained.classifier, trained.vectorizer
    vocabulary = vectorizer.get_vocabulary()
    fused = fuse_lstm and lstm_encoder_is_fusable(classifier.get_layer("encoder"))
    function = classifier_function(
        classifier, None if dynamic_length else vectorizer.max_length, fused
    )
    probe = probe_ids(len(vocabulary), vectorizer.max_length)
    expected = function(tf.constant(probe))[OUTPUT_NAME].numpy()

    with tempfile.TemporaryDirectory(prefix="sentiment-tflite-") as saved_model_dir:
        save_endpoints(saved_model_dir, classifier, {SIGNATURE: function})
        converted = convert_variants(
            saved_model_dir,
            [SIGNATURE],
            out_dir,
            FILE_PATTERN,
            [Probe(SIGNATURE, {INPUT_NAME: probe}, {OUTPUT_NAME: expected})],
            classifier.count_params(),
            variants,
        )

    reference = converted[variants[0]]["content"]
    size_checks = [{"what": "labels", "signature": SIGNATURE, "output": OUTPUT_NAME, "axis": -1}]
    embedding = classifier.get_layer("encoder").embedding
    table = find_tensor_name(
        reference, [len(vocabulary), embedding.output_dim], embedding.name.split("/")[-1]
    )
    if table is not None:
        size_checks.append({"what": "vocabulary", "tensor": table, "axis": 0})
    metadata = new_metadata(
        "sentiment",
        {variant: item["path"] for variant, item in converted.items()},
        default_variant=DEFAULT_VARIANT if DEFAULT_VARIANT in converted else variants[0],
        signatures=LiteModel(reference).describe_signatures(),
        special_ids={"pad": PAD_ID, "unk": UNK_ID},
        size_checks=size_checks,
        run_config=dataclasses.asdict(trained.config),
        vocabulary=vocabulary,
        labels=list(trained.labels.names),
        max_length=vectorizer.max_length,
        truncate_from=vectorizer.truncate_from,
        fused_lstm=fused,
        reset_variables_after_each_call=fused,
        exported_with={"tensorflow": tf.__version__, "keras": keras.__version__},
    )
    metadata_path = write_metadata(out_dir / METADATA_FILE, metadata)
    return {
        "directory": str(out_dir),
        "metadata": str(metadata_path),
        "files": metadata["models"],
        "fused_lstm": fused,
        "probe_differences": {v: item["probe_differences"] for v, item in converted.items()},
    }
