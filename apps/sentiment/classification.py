"""TF Serving's Classify API shape for sentiment: the `classification` signature.

TF Serving's `:classify` (REST) and `Classify` (gRPC) take `tf.Example`s and run a
signature whose `method_name` is `tensorflow/serving/classify`, with one input `inputs`
(the serialized examples) and outputs `classes` (string labels) and `scores` (one per
class). Each example carries its review as the bytes feature `text` (a missing one reads
as an empty review). The answers are `serving_default`'s: same tokenizer, same model.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.export.warmup import CLASSIFY_INPUT

SIGNATURE = "classification"
TEXT_FEATURE = "text"


def classification_endpoint(serving_default, labels: list[str]):
    """`inputs: string [n]` (serialized tf.Example) -> `classes: string [n, classes]`,
    `scores: float [n, classes]`, through `serving_default` (text -> probabilities)."""
    features = {TEXT_FEATURE: tf.io.FixedLenFeature([], tf.string, default_value="")}
    label_names = tf.constant(labels)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=CLASSIFY_INPUT)])
    def classification(inputs):
        text = tf.io.parse_example(inputs, features)[TEXT_FEATURE]
        scores = serving_default(text)["probabilities"]
        # Every class, in the labels' order, on every row (what the Classify API returns).
        classes = tf.tile(label_names[None], [tf.shape(scores)[0], 1])
        return {"classes": classes, "scores": scores}

    return classification


def serialized_examples(texts: list[str]) -> np.ndarray:
    """The `tf.Example`s the `classification` signature reads, one per text (serialized)."""
    examples = [
        tf.train.Example(
            features=tf.train.Features(
                feature={
                    TEXT_FEATURE: tf.train.Feature(
                        bytes_list=tf.train.BytesList(value=[text.encode("utf-8")])
                    )
                }
            )
        ).SerializeToString()
        for text in texts
    ]
    return np.array(examples, dtype=object)
