"""TF Serving's REST `:classify`: JSON examples -> `tf.Example`s -> a classify signature.

Request: `{"signature_name": ..., "context": {feature: value}, "examples": [{feature:
value}, ...]}`; a string becomes a bytes feature (`{"b64": ...}` for binary), a whole
number an int64 feature, any other number a float feature, a list the same element-wise;
`context` features are added to every example. Response: `{"result": [[[class, score],
...] per example]}`. The signature must have `method_name` `tensorflow/serving/classify`
(sentiment's `classification`), with the input `inputs` and outputs `classes` / `scores`.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np
import tensorflow as tf

from apps.serve.errors import echo, invalid_argument
from apps.serve.json_inputs import is_b64_object, quote
from apps.serve.signatures import Signature
from shared.export.warmup import CLASSIFY_METHOD_NAME


def check_classify_signature(signature: Signature, model: str, classify_names: list[str]):
    """Refuses, naming the ones that would do, a signature that is not a classify one."""
    if signature.method_name != CLASSIFY_METHOD_NAME:
        choices = ", ".join(repr(name) for name in classify_names) or "none"
        raise invalid_argument(
            f"Expected a classify signature (method_name {CLASSIFY_METHOD_NAME}) for "
            f":classify. Received: signature '{echo(signature.name)}' of model "
            f"'{echo(model)}', whose method_name is '{signature.method_name}'. Its classify "
            f'signatures: {choices} (set "signature_name").'
        )


def _feature(name: str, value) -> tf.train.Feature:
    values = value if isinstance(value, list) else [value]
    if values and all(isinstance(v, str) or is_b64_object(v) for v in values):
        return tf.train.Feature(
            bytes_list=tf.train.BytesList(
                value=[v.encode("utf-8") if isinstance(v, str) else _b64(v, name) for v in values]
            )
        )
    if values and all(_is_int64(v) for v in values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    if values and all(_is_int64(v) or isinstance(v, float) for v in values):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    raise invalid_argument(
        f"Expected feature '{echo(name)}' to be a string, a number, or a non-empty list of "
        f"one of them. Received: {quote(value)}"
    )


def _is_int64(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _b64(value: dict, name: str) -> bytes:
    try:
        return base64.b64decode(value["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid_argument(f"Unable to base64 decode feature '{echo(name)}'") from None


def serialized_examples(document: dict) -> np.ndarray:
    """The request's examples as serialized `tf.Example`s, `context` merged into each."""
    examples = document.get("examples")
    context = document.get("context", {})
    if not isinstance(examples, list) or not examples:
        raise invalid_argument(
            'Expected "examples": a non-empty list of objects (feature name -> value). '
            f"Received: {quote(examples)}"
        )
    if not isinstance(context, dict):
        raise invalid_argument(f'Expected "context" to be an object. Received: {quote(context)}')
    serialized = []
    for index, example in enumerate(examples):
        if not isinstance(example, dict):
            raise invalid_argument(
                f"Expected example {index} to be an object (feature name -> value). "
                f"Received: {quote(example)}"
            )
        clash = sorted(set(example) & set(context))
        if clash:
            raise invalid_argument(
                f"Expected context features not to appear in examples. Received: "
                f"{', '.join(echo(name) for name in clash)} in both (example {index})"
            )
        features = {name: _feature(name, value) for name, value in {**context, **example}.items()}
        proto = tf.train.Example(features=tf.train.Features(feature=features))
        serialized.append(proto.SerializeToString())
    return np.array(serialized, dtype=object)


def classify_result(outputs: dict[str, np.ndarray]) -> dict:
    """`{"result": [[[class, score], ...] per example]}`, as TF Serving answers."""
    classes, scores = outputs["classes"], outputs["scores"]
    return {
        "result": [
            [
                [label.decode("utf-8") if isinstance(label, bytes) else str(label), float(score)]
                for label, score in zip(row_classes, row_scores, strict=True)
            ]
            for row_classes, row_scores in zip(classes, scores, strict=True)
        ]
    }
