"""The `classification` signature: TF Serving's Classify API shape (issue 15, item 6)."""

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.classification import SIGNATURE, TEXT_FEATURE, classification_endpoint
from apps.sentiment.export import serving_endpoints, trackables, warmup_requests
from shared.export.saved_model import write_saved_model
from shared.export.warmup import CLASSIFY_METHOD_NAME, read_warmup_requests, write_warmup_requests

REVIEWS = ["A gem of a film.", "Dull, dull, dull.", "", "Ni fu ni fa."]


def example(text: str | None) -> bytes:
    features = {}
    if text is not None:
        value = tf.train.BytesList(value=[text.encode("utf-8")])
        features[TEXT_FEATURE] = tf.train.Feature(bytes_list=value)
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


def test_classification_signature_answers_as_serving_default(tiny_sentiment_run, tmp_path):
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    endpoints = serving_endpoints(trained, jit_compile=False)
    labels = list(trained.labels.names)
    endpoints[SIGNATURE] = classification_endpoint(endpoints["serving_default"], labels)
    write_saved_model(tmp_path, trackables(trained), endpoints, {SIGNATURE: CLASSIFY_METHOD_NAME})

    saved_model = saved_model_pb2.SavedModel.FromString((tmp_path / "saved_model.pb").read_bytes())
    signature = saved_model.meta_graphs[0].signature_def[SIGNATURE]
    assert signature.method_name == CLASSIFY_METHOD_NAME  # what TF Serving's Classify checks
    assert list(signature.inputs) == ["inputs"]
    assert signature.inputs["inputs"].dtype == tf.string.as_datatype_enum
    assert signature.outputs["classes"].dtype == tf.string.as_datatype_enum
    assert signature.outputs["scores"].dtype == tf.float32.as_datatype_enum
    default = saved_model.meta_graphs[0].signature_def["serving_default"]
    assert default.method_name == "tensorflow/serving/predict"

    loaded = tf.saved_model.load(str(tmp_path)).signatures
    examples = tf.constant([example(text) for text in REVIEWS] + [example(None)])
    answer = loaded[SIGNATURE](inputs=examples)
    expected = loaded["serving_default"](text=tf.constant(REVIEWS + [""]))["probabilities"]
    np.testing.assert_allclose(answer["scores"].numpy(), expected.numpy(), atol=1e-6)
    classes = [[c.decode() for c in row] for row in answer["classes"].numpy()]
    assert classes == [labels] * (len(REVIEWS) + 1)
    # A missing `text` feature reads as an empty review.
    np.testing.assert_allclose(answer["scores"][-1], answer["scores"][2], atol=1e-6)

    # The export's warmup holds a classify request (a ClassifyLog, as TF Serving replays
    # it through its Classify API) that this signature answers.
    (warmup,) = [inputs for name, inputs in warmup_requests(trained) if name == SIGNATURE]
    write_warmup_requests(
        tmp_path, "sentiment", [(SIGNATURE, warmup)], {SIGNATURE: CLASSIFY_METHOD_NAME}
    )
    ((name, replayed),) = read_warmup_requests(tmp_path)
    assert name == SIGNATURE and list(replayed["inputs"]) == list(warmup["inputs"])
    text = tf.train.Example.FromString(replayed["inputs"][0]).features.feature[TEXT_FEATURE]
    scores = loaded[SIGNATURE](inputs=tf.constant(replayed["inputs"]))["scores"]
    expected = loaded["serving_default"](text=tf.constant(text.bytes_list.value))["probabilities"]
    np.testing.assert_allclose(scores.numpy(), expected.numpy(), atol=1e-6)


def test_every_export_offers_the_classification_signature(tiny_sentiment_run):
    from apps.sentiment.export import build_export  # noqa: PLC0415

    spec = build_export(tiny_sentiment_run, jit_compile=False, tflite=False)
    assert SIGNATURE in spec.endpoints
    assert spec.method_names == {SIGNATURE: CLASSIFY_METHOD_NAME}
