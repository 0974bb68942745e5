"""Startup: the port answers at once; each version is LOADING until warmed up, then AVAILABLE.

The warm-up is held in the middle by a gate on `LoadedVersion.call` (a real export's XLA
warm-up takes 30-100 s here, too long and too variable for a test): while it is held,
the status API must say LOADING, `:predict` and metadata must answer TF Serving's 404
(`BasicManager::ServingMap` only holds servables that finished loading), and the warm-up
progress must show; once released, the version is AVAILABLE and predicts as the
SavedModel does.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest

from apps.sentiment.export import build_export as build_sentiment_export
from apps.serve.__main__ import listen_socket
from apps.serve.config import ServeConfig
from apps.serve.servable import LoadedVersion, first_and_later
from shared.export.exporter import export_version
from shared.export.warmup import read_warmup_requests
from tests.helpers.paths import REPO_ROOT
from tests.helpers.serving import ServerThread, decoded, direct_outputs, free_port, wait_for

WAIT_SECONDS = 60
HELD_AFTER = 1  # warmup requests replayed before the gate holds the next one
TEXTS = ["A moving, beautifully acted film.", "Two hours I will never get back."]


@pytest.fixture(scope="module")
def model_root(tiny_sentiment_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("warmup_models")
    export_version(
        build_sentiment_export(tiny_sentiment_run, tflite=False, jit_compile=False), root
    )
    return root


@pytest.fixture
def held_warmup(monkeypatch):
    """A gate: warm-up calls after the first `HELD_AFTER` wait until it is set."""
    gate = threading.Event()
    calls, original = [], LoadedVersion.call

    def gated_call(self, signature, inputs):
        calls.append(signature)
        if len(calls) > HELD_AFTER:
            assert gate.wait(WAIT_SECONDS), "the test never released the warm-up"
        return original(self, signature, inputs)

    monkeypatch.setattr(LoadedVersion, "call", gated_call)
    yield gate
    gate.set()


def test_the_port_answers_loading_during_warmup_then_available(model_root, held_warmup, caplog):
    caplog.set_level(logging.INFO, logger="apps.serve")
    # Replayed before AVAILABLE: one request per signature (the rest come after).
    total = len(first_and_later(read_warmup_requests(model_root / "sentiment" / "1"))[0])
    started = time.monotonic()
    server = ServerThread(ServeConfig(model_root=model_root, port=free_port(), poll_seconds=0.2))
    server.start(wait_for_models=False)
    try:
        with httpx.Client(base_url=server.url, timeout=WAIT_SECONDS) as client:
            status = client.get("/v1/models/sentiment")
            answered_after = time.monotonic() - started
            loading = {
                "model_version_status": [
                    {
                        "version": "1",
                        "state": "LOADING",
                        "status": {"error_code": "OK", "error_message": ""},
                    }
                ]
            }
            assert (status.status_code, status.json()) == (200, loading)
            assert answered_after < 10, f"the port answered only after {answered_after:.1f} s"

            # Held in the middle of the warm-up: progress shows, still LOADING.
            def held():
                row = client.get("/debug/stats").json()["loading"].get("sentiment")
                return row if row and row["warmup_requests_done"] == HELD_AFTER else None

            row = wait_for(held, f"warm-up held after {HELD_AFTER} requests")
            assert row["version"] == "1" and row["phase"] == "warming up"
            assert row["warmup_requests"] == total
            assert client.get("/v1/models/sentiment/versions/1").json() == loading
            for path, request in [
                ("/v1/models/sentiment:predict", "Latest(sentiment)"),
                ("/v1/models/sentiment/versions/1:predict", "Specific(sentiment, 1)"),
            ]:
                answer = client.post(path, json={"instances": TEXTS})
                assert answer.status_code == 404
                assert answer.json() == {"error": f"Servable not found for request: {request}"}
            metadata = client.get("/v1/models/sentiment/metadata")
            assert metadata.status_code == 404
            assert not server.manager.initial_loads_done.is_set()
            progress = [r.getMessage() for r in caplog.records if "warming up" in r.getMessage()]
            assert f"sentiment v1: warming up 0/{total} shapes" in progress[0]

            held_warmup.set()
            wait_for(
                lambda: (
                    client.get("/v1/models/sentiment").json()["model_version_status"][0]["state"]
                    == "AVAILABLE"
                ),
                "version 1 AVAILABLE",
            )
            assert server.manager.initial_loads_done.wait(WAIT_SECONDS)
            assert client.get("/debug/stats").json()["loading"] == {}
            answer = client.post("/v1/models/sentiment:predict", json={"instances": TEXTS})
            assert answer.status_code == 200
            expected = direct_outputs(model_root / "sentiment" / "1", "serving_default", text=TEXTS)
            rows = answer.json()["predictions"]
            assert [r["label"] for r in rows] == decoded(expected["label"])
            np.testing.assert_allclose(
                [r["probabilities"] for r in rows], expected["probabilities"], atol=1e-5
            )
            messages = [r.getMessage() for r in caplog.records]
            assert any(m.startswith("sentiment v1: AVAILABLE") for m in messages), messages
    finally:
        held_warmup.set()
        server.stop()


def test_the_listening_socket_accepts_connections_before_the_server_runs():
    """`python -m apps.serve` listens before importing TensorFlow: a client that connects
    then is queued, not refused."""
    with listen_socket("127.0.0.1", 0) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"GET / HTTP/1.1\r\n\r\n")  # waits in the backlog
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            listen_socket("127.0.0.1", port)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_the_command_line_server_listens_before_it_imports_tensorflow(model_root, tmp_path):
    """`python -m apps.serve`: a client connecting in the first second is queued, then
    answered (LOADING or AVAILABLE), instead of getting "connection refused"."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "apps.serve", "--model-root", str(model_root)]
            + ["--port", str(port), "--poll-seconds", "0.2"],
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                early = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the port never opened"
                time.sleep(0.02)
        with early:
            # Connected before uvicorn started: the socket was listening already.
            assert "Started server process" not in log_path.read_text()
            early.settimeout(WAIT_SECONDS)
            early.sendall(b"GET /v1/models/sentiment HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = early.recv(4096)
                assert chunk, f"connection closed after {answer!r}"
                answer += chunk
        head, body = answer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200"), head
        state = json.loads(body)["model_version_status"][0]["state"]
        assert state in ("LOADING", "AVAILABLE")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT_SECONDS) as client:
            wait_for(
                lambda: (
                    client.get("/v1/models/sentiment").json()["model_version_status"][0]["state"]
                    == "AVAILABLE"
                ),
                "version 1 AVAILABLE",
            )
            answer = client.post("/v1/models/sentiment:predict", json={"instances": TEXTS})
            assert answer.status_code == 200 and len(answer.json()["predictions"]) == 2
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log_path.read_text()
    assert "sentiment v1: warming up 0/" in output
    assert "sentiment v1: AVAILABLE" in output


def test_a_version_answers_after_one_shape_per_signature_and_warms_the_rest_while_serving(
    model_root, monkeypatch
):
    """The background warm-up is held: the version is AVAILABLE and answers all the same;
    released, the other warmup requests are replayed, smaller batches first."""
    requests = read_warmup_requests(model_root / "sentiment" / "1")
    first, later = first_and_later(requests)
    expected = ["classification", "classify_token_ids", "serving_default"]
    assert sorted(name for name, _ in first) == expected
    gate, warmup_rows, original = threading.Event(), [], LoadedVersion.call

    def gated_call(self, signature, inputs):
        if threading.current_thread().name.startswith("model-loader"):  # a warmup request
            warmup_rows.append(max(len(v) for v in inputs.values()))
            if len(warmup_rows) > len(first):
                assert gate.wait(WAIT_SECONDS), "the test never released the warm-up"
        return original(self, signature, inputs)

    monkeypatch.setattr(LoadedVersion, "call", gated_call)
    config = ServeConfig(model_root=model_root, port=free_port(), poll_seconds=0.2)
    server = ServerThread(config).start()
    try:
        with httpx.Client(base_url=server.url, timeout=WAIT_SECONDS) as client:
            row = client.get("/v1/models/sentiment").json()["model_version_status"][0]
            assert row["state"] == "AVAILABLE"
            answer = client.post("/v1/models/sentiment:predict", json={"instances": TEXTS})
            assert answer.status_code == 200 and len(answer.json()["predictions"]) == 2
            serving = server.manager.models["sentiment"].serving
            assert serving.warmup_requests == len(first)
            gate.set()
            wait_for(lambda: serving.warmup_requests == len(requests), "the rest replayed")
        assert warmup_rows[: len(first)] == [1] * len(first)
        assert warmup_rows[len(first) :] == sorted(warmup_rows[len(first) :])
        assert max(warmup_rows) > 1
    finally:
        gate.set()
        server.stop()
