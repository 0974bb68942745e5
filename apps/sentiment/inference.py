"""Batched, graph-compiled inference from raw strings (never eager on this path)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel


class SentimentPredictor:
    """Raw texts -> class probabilities, through one traced `tf.function`.

    Args:
        trained: a loaded run (classifier, vectorizer, labels).
        batch_size: texts per graph call.
    """

    def __init__(self, trained: TrainedSentimentModel, batch_size: int = 256):
        self.trained = trained
        self.batch_size = batch_size
        vectorizer, classifier = trained.vectorizer, trained.classifier

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def predict_batch(texts):
            # Padding only to the batch's longest text is exact under the masking policy
            # and much cheaper than max_length for short inputs.
            ids = vectorizer.vectorize(texts, pad_to_max_length=False)
            return classifier(ids, training=False), vectorizer.count_tokens(texts)

        self._predict_batch = predict_batch

    def predict(self, texts: list[str], progress=None) -> tuple[np.ndarray, np.ndarray]:
        """Returns `(probabilities [n, classes], token_counts [n])` for `texts`.

        Args:
            texts: raw texts.
            progress: optional `shared.progress.ProgressLine`, advanced per batch.
        """
        probabilities, counts = [], []
        for start in range(0, len(texts), self.batch_size):
            batch = tf.constant(texts[start : start + self.batch_size], dtype=tf.string)
            p, c = self._predict_batch(batch)
            probabilities.append(p.numpy())
            counts.append(c.numpy())
            if progress is not None:
                progress.advance(len(p))
        if not probabilities:
            return np.zeros((0, len(self.trained.labels)), np.float32), np.zeros((0,), np.int32)
        return np.concatenate(probabilities), np.concatenate(counts)

    def predict_ids(self, texts: list[str]) -> np.ndarray:
        """Most probable class id per text."""
        return self.predict(texts)[0].argmax(axis=-1)
