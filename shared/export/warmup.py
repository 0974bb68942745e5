"""TF Serving warmup requests: `assets.extra/tf_serving_warmup_requests`.

TF Serving replays these `PredictionLog` records when it loads a version, before it
reports the version AVAILABLE, so the first real request does not pay for graph
initialisation or XLA compilation. The file is a TFRecord of serialised `PredictionLog`
protos (tensorflow-serving-api), the format TF Serving's SavedModel warmup reads: a
`PredictLog` per request, or a `ClassifyLog` (its `tf.Example`s) for a signature whose
method is classify, as TF Serving replays each through the API its method belongs to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import (
    classification_pb2,
    input_pb2,
    model_pb2,
    predict_pb2,
    prediction_log_pb2,
)

WARMUP_RELATIVE_PATH = Path("assets.extra") / "tf_serving_warmup_requests"
# TF Serving reads at most this many warmup records per version.
MAX_WARMUP_RECORDS = 1000
# tensorflow_serving's kClassifyMethodName, and the one input such a signature takes.
CLASSIFY_METHOD_NAME = "tensorflow/serving/classify"
CLASSIFY_INPUT = "inputs"


def write_warmup_requests(
    version_dir: Path,
    model_name: str,
    requests: list[tuple[str, dict[str, np.ndarray]]],
    method_names: dict[str, str] | None = None,
) -> Path:
    """Writes one request per `(signature name, {input name: array})`: a
    `ClassificationRequest` for signatures whose method (`method_names`) is classify,
    whose `inputs` are serialized `tf.Example`s, else a `PredictRequest`."""
    method_names = method_names or {}
    if not 1 <= len(requests) <= MAX_WARMUP_RECORDS:
        raise ValueError(
            f"Expected 1 to {MAX_WARMUP_RECORDS} warmup requests. Received: {len(requests)}"
        )
    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    path.parent.mkdir(exist_ok=True)  # never recreate a version folder that vanished
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature_name, inputs in requests:
            spec = model_pb2.ModelSpec(name=model_name, signature_name=signature_name)
            if method_names.get(signature_name) == CLASSIFY_METHOD_NAME:
                log = prediction_log_pb2.PredictionLog(
                    classify_log=prediction_log_pb2.ClassifyLog(
                        request=classify_request(spec, signature_name, inputs)
                    )
                )
            else:
                request = predict_pb2.PredictRequest(model_spec=spec)
                for name, value in inputs.items():
                    request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
                log = prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(request=request)
                )
            writer.write(log.SerializeToString())
    return path


def classify_request(spec, signature_name: str, inputs: dict) -> object:
    """A `ClassificationRequest` holding the serialized `tf.Example`s of `inputs`."""
    if set(inputs) != {CLASSIFY_INPUT}:
        raise ValueError(
            f"Expected a classify warmup request for {signature_name!r} with the one input "
            f"{CLASSIFY_INPUT!r} (serialized tf.Examples). Received: {sorted(inputs)}"
        )
    examples = [tf.train.Example.FromString(bytes(b)) for b in inputs[CLASSIFY_INPUT]]
    return classification_pb2.ClassificationRequest(
        model_spec=spec,
        input=input_pb2.Input(example_list=input_pb2.ExampleList(examples=examples)),
    )


def read_warmup_requests(version_dir: Path) -> list[tuple[str, dict[str, np.ndarray]]]:
    """`[(signature_name, {input name: array})]` as TF Serving would replay them."""
    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    requests = []
    for record in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog.FromString(record)
        if log.HasField("classify_log"):
            request = log.classify_log.request
            examples = [e.SerializeToString() for e in request.input.example_list.examples]
            inputs = {CLASSIFY_INPUT: np.array(examples, dtype=object)}
        else:
            request = log.predict_log.request
            inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        requests.append((request.model_spec.signature_name or "serving_default", inputs))
    return requests
