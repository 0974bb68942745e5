"""MediaPipe Tasks' `TextClassifier` (the real `mediapipe` package) on our phone models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.edge.tokenizers import WordTokenizer
from shared.export.tflite.tflite_metadata import with_task_metadata


def classifier(model_content: bytes):
    """A MediaPipe `TextClassifier` on `model_content` (every category returned)."""
    from mediapipe.tasks.python.core import base_options
    from mediapipe.tasks.python.text import text_classifier

    options = text_classifier.TextClassifierOptions(
        base_options=base_options.BaseOptions(model_asset_buffer=bytes(model_content)),
        max_results=-1,
    )
    return text_classifier.TextClassifier.create_from_options(options)


def scores(text_classifier, text: str, size: int) -> np.ndarray:
    """The classifier's scores for `text` by category index: float32 `[size]`."""
    result = text_classifier.classify(text)
    row = np.full(size, np.nan, np.float32)
    for category in result.classifications[0].categories:
        row[category.index] = category.score
    return row


def echo_model(length: int) -> bytes:
    """A `.tflite` text "classifier" whose scores are its input ids (`token_ids int32
    [1, None] -> probabilities float32 [1, length]`, padded ids included): through
    MediaPipe it shows the ids MediaPipe's tokenizer gave a text."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32, "token_ids")])
    def echo(token_ids):
        return {"probabilities": tf.cast(token_ids, tf.float32)}

    converter = tf.lite.TFLiteConverter.from_concrete_functions([echo.get_concrete_function()])
    return converter.convert()


def mediapipe_ids(vocabulary: Sequence[str], max_length: int, texts: Sequence[str]) -> np.ndarray:
    """The ids MediaPipe feeds a model for each text, read through `echo_model` carrying
    our standard metadata: int32 `[len(texts), max_length]`."""
    tokenize = WordTokenizer(vocabulary, max_length).tokenize
    labels = [f"position {i}" for i in range(max_length)]
    content = with_task_metadata(echo_model(max_length), vocabulary, labels, max_length, tokenize)
    with classifier(content) as echo:
        rows = [scores(echo, text, max_length) for text in texts]
    return np.rint(np.stack(rows)).astype(np.int32)


def mediapipe_probabilities(model_content: bytes, labels: Sequence[str], texts) -> np.ndarray:
    """MediaPipe's scores per label for each text, all on one `TextClassifier` (never
    reset: a model keeping state between calls would drift): float32
    `[len(texts), len(labels)]`."""
    with classifier(model_content) as text_classifier:
        return np.stack([scores(text_classifier, text, len(labels)) for text in texts])
