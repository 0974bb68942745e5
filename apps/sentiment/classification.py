"""TF Serving's Classify API shape for sentiment: the `classification` signature.

TF Serving's `:classify` (REST) and `Classify` (gRPC) take `tf.Example`s and run a
signature whose `method_name` is `tensorflow/serving/classify`, with one input `inputs`
(the serialized examples) and outputs `classes` (string labels) and `scores` (one per
class). Each example carries its review as the bytes feature `text` (a missing one reads
as an empty review). The answers are `serving_default`'s: same tokenizer, same model.
"""

from __future__ import annotations

import tensorflow as tf

SIGNATURE = "classification"
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"  # tensorflow_serving's kClassifyMethodName
TEXT_FEATURE = "text"


def classification_endpoint(serving_default, labels: list[str]):
    """`inputs: string [n]` (serialized tf.Example) -> `classes: string [n, classes]`,
    `scores: float [n, classes]`, through `serving_default` (text -> probabilities)."""
    features = {TEXT_FEATURE: tf.io.FixedLenFeature([], tf.string, default_value="")}
    label_names = tf.constant(labels)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="inputs")])
    def classification(inputs):
        text = tf.io.parse_example(inputs, features)[TEXT_FEATURE]
        scores = serving_default(text)["probabilities"]
        # Every class, in the labels' order, on every row (what the Classify API returns).
        classes = tf.tile(label_names[None], [tf.shape(scores)[0], 1])
        return {"classes": classes, "scores": scores}

    return classification
