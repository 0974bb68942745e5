"""TF Serving warmup requests: `assets.extra/tf_serving_warmup_requests`.

TF Serving replays these `PredictionLog` records when it loads a version, before it
reports the version AVAILABLE, so the first real request does not pay for graph
initialisation or XLA compilation. The file is a TFRecord of serialised `PredictionLog`
protos (tensorflow-serving-api), the format TF Serving's SavedModel warmup reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

WARMUP_RELATIVE_PATH = Path("assets.extra") / "tf_serving_warmup_requests"
# TF Serving reads at most this many warmup records per version.
MAX_WARMUP_RECORDS = 1000


def write_warmup_requests(
    version_dir: Path, model_name: str, requests: list[tuple[str, dict[str, np.ndarray]]]
) -> Path:
    """Writes one `PredictRequest` per `(signature name, {input name: array})`."""
    if not 1 <= len(requests) <= MAX_WARMUP_RECORDS:
        raise ValueError(
            f"Expected 1 to {MAX_WARMUP_RECORDS} warmup requests. Received: {len(requests)}"
        )
    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    path.parent.mkdir(exist_ok=True)  # never recreate a version folder that vanished
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature_name, inputs in requests:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name)
            )
            for name, value in inputs.items():
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return path


def read_warmup_requests(version_dir: Path) -> list[tuple[str, dict[str, np.ndarray]]]:
    """`[(signature_name, {input name: array})]` as TF Serving would replay them."""
    path = Path(version_dir) / WARMUP_RELATIVE_PATH
    requests = []
    for record in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog.FromString(record)
        request = log.predict_log.request
        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        requests.append((request.model_spec.signature_name or "serving_default", inputs))
    return requests
