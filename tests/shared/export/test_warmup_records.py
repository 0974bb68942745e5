"""Warmup records: a PredictLog per request, a ClassifyLog for classify signatures."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from shared.export.warmup import (
    CLASSIFY_METHOD_NAME,
    WARMUP_RELATIVE_PATH,
    read_warmup_requests,
    write_warmup_requests,
)


def example(text: str) -> bytes:
    feature = tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode("utf-8")]))
    return tf.train.Example(
        features=tf.train.Features(feature={"text": feature})
    ).SerializeToString()


def records(version_dir) -> list:
    path = str(version_dir / WARMUP_RELATIVE_PATH)
    return [
        prediction_log_pb2.PredictionLog.FromString(record)
        for record in tf.data.TFRecordDataset(path).as_numpy_iterator()
    ]


def test_classify_signatures_get_classify_logs_and_read_back_unchanged(tmp_path):
    examples = np.array([example("Une merveille."), example("")], dtype=object)
    requests = [
        ("serving_default", {"text": np.array([b"a fine film"], dtype=object)}),
        ("classification", {"inputs": examples}),
    ]
    write_warmup_requests(tmp_path, "sentiment", requests, {"classification": CLASSIFY_METHOD_NAME})
    predict, classify = records(tmp_path)
    assert predict.WhichOneof("log_type") == "predict_log"
    assert classify.WhichOneof("log_type") == "classify_log"
    request = classify.classify_log.request
    assert (request.model_spec.name, request.model_spec.signature_name) == (
        "sentiment",
        "classification",
    )
    assert len(request.input.example_list.examples) == 2
    (_, first), (name, second) = read_warmup_requests(tmp_path)
    assert list(first["text"]) == [b"a fine film"]
    assert name == "classification" and list(second["inputs"]) == list(examples)


def test_without_method_names_every_request_is_a_predict_log(tmp_path):
    requests = [("classification", {"inputs": np.array([example("x")], dtype=object)})]
    write_warmup_requests(tmp_path, "sentiment", requests)
    (record,) = records(tmp_path)
    assert record.WhichOneof("log_type") == "predict_log"


def test_a_classify_request_with_other_inputs_is_refused_with_what_it_needs(tmp_path):
    requests = [("classification", {"text": np.array([b"x"], dtype=object)})]
    with pytest.raises(ValueError, match=r"one input 'inputs' .*Received: \['text'\]"):
        write_warmup_requests(
            tmp_path, "sentiment", requests, {"classification": CLASSIFY_METHOD_NAME}
        )
