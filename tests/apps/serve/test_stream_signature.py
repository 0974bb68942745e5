"""A client streams a text through `rnn-serve`: the `stream` signature chunk by chunk,
passing the returned state back (the server keeps nothing), ends on the whole text's
probabilities."""

import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from apps.sentiment.export import build_export
from apps.serve.config import ServeConfig
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH, export_version
from tests.helpers.chunks import STREAM_TEXT, random_text_chunks
from tests.helpers.serving import ServerThread, free_port

STATE_NAMES = ["hidden_0", "carry_0", "pooled_count", "pooled_sum", "pooled_max"]


@pytest.fixture(scope="module")
def stream_server(tiny_streaming_run, tmp_path_factory):
    """A server of the tiny streaming run, and the state a text starts from (export.json)."""
    root = tmp_path_factory.mktemp("stream_models")
    # No XLA: the warmup then compiles nothing slow, and streaming is what is tested.
    exported = export_version(
        build_export(tiny_streaming_run, jit_compile=False, tflite=False), root
    )
    details = json.loads((Path(exported["path"]) / EXPORT_INFO_RELATIVE_PATH).read_text())
    start = {
        name: [[spec["initial"]] * spec["size"]] for name, spec in details["stream_state"].items()
    }
    server = ServerThread(ServeConfig(model_root=root, port=free_port(), poll_seconds=0.5))
    yield server.start(), start
    server.stop()


def predict(server, body: dict) -> dict:
    response = httpx.post(f"{server.url}/v1/models/sentiment:predict", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_client_holding_the_state_gets_the_whole_text(stream_server):
    server, start = stream_server
    assert set(start) == set(STATE_NAMES)  # export.json lists them sorted
    whole = predict(server, {"instances": [STREAM_TEXT]})["predictions"][0]["probabilities"]
    rng = np.random.default_rng(4)
    for _ in range(3):
        state = start
        for chunk in random_text_chunks(STREAM_TEXT, rng):
            body = {"signature_name": "stream", "inputs": {"text": [chunk], **state}}
            outputs = predict(server, body)["outputs"]
            assert set(outputs) == {"label", "probabilities", *STATE_NAMES}
            state = {name: outputs[name] for name in STATE_NAMES}
        np.testing.assert_allclose(outputs["probabilities"][0], whole, atol=1e-5)
    # The row format works too, and an empty chunk changes nothing.
    row = {"text": "", **{name: value[0] for name, value in state.items()}}
    again = predict(server, {"signature_name": "stream", "instances": [row]})["predictions"][0]
    np.testing.assert_allclose(again["probabilities"], whole, atol=1e-5)
