"""Loads an exported version the way TF Serving does and replays its warmup requests.

Run it as a script, from anywhere, in any environment with TensorFlow and
tensorflow-text (no project code is imported, which is the point: it proves the export
stands alone):

    python shared/export/replay_warmup.py saved_models/sentiment/1 [--repeat 20]

Prints one JSON line per request: signature, batch size, the time of the first call
(graph set-up and XLA compilation), the median of `--repeat` further calls, and the
outputs (strings decoded, arrays as lists).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenisation ops the graph uses)
from tensorflow_serving.apis import prediction_log_pb2

WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"


def to_json(value: np.ndarray):
    if value.dtype == object:
        return [v.decode("utf-8") for v in value.reshape(-1)]
    return value.tolist()


def example_texts(serialized: np.ndarray) -> list[str]:
    """The `text` feature of each serialized `tf.Example` (what a classify request sent)."""
    features = [tf.train.Example.FromString(v).features.feature for v in serialized]
    return [b"".join(f["text"].bytes_list.value).decode("utf-8") for f in features]


def replay(version_dir: str, repeat: int) -> None:
    model = tf.saved_model.load(version_dir)
    records = tf.data.TFRecordDataset(f"{version_dir}/{WARMUP_FILE}").as_numpy_iterator()
    for record in records:
        log = prediction_log_pb2.PredictionLog.FromString(record)
        if log.HasField("classify_log"):  # a classify signature: its tf.Examples
            request = log.classify_log.request
            examples = [e.SerializeToString() for e in request.input.example_list.examples]
            inputs = {"inputs": tf.constant(examples, tf.string)}
        else:
            request = log.predict_log.request
            inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
        signature = request.model_spec.signature_name or "serving_default"
        function = model.signatures[signature]
        started = time.perf_counter()
        outputs = function(**inputs)
        first_ms = (time.perf_counter() - started) * 1000
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            function(**inputs)
            timings.append((time.perf_counter() - started) * 1000)
        line = {
            "signature": signature,
            "batch": int(next(iter(inputs.values())).shape[0]),
            "first_call_ms": round(first_ms, 2),
            "median_ms": round(float(np.median(timings)), 3) if timings else None,
            "inputs": {
                k: example_texts(v.numpy()) if log.HasField("classify_log") else to_json(v.numpy())
                for k, v in inputs.items()
            },
            "outputs": {k: to_json(v.numpy()) for k, v in outputs.items()},
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version_dir", help="saved_models/<app>/<version>")
    parser.add_argument("--repeat", type=int, default=0, help="timed calls per request")
    args = parser.parse_args()
    replay(args.version_dir, args.repeat)


if __name__ == "__main__":
    main()
