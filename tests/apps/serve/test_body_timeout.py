"""A request body that trickles in is cut off at `--body-timeout-seconds` with 408, so a
slow client cannot hold a connection (and a slot of `--limit-concurrency`) forever.

The server runs on an empty model root: the body is read before the model is resolved,
so no TensorFlow work is involved.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time

import httpx

from apps.serve.config import ServeConfig
from tests.helpers.serving import running

PREDICT = b"POST /v1/models/sentiment:predict HTTP/1.1\r\nHost: x\r\n"


def trickle(server, body: bytes, every_s: float, declared: int | None = None) -> bytes:
    """Sends `body` a byte at a time, `every_s` apart, until the server answers; returns
    the answer (read until the server closes the connection or goes quiet)."""
    with socket.create_connection((server.config.host, server.config.port), timeout=3) as sock:
        length = len(body) if declared is None else declared
        sock.sendall(PREDICT + b"Content-Type: application/json\r\n")
        sock.sendall(b"Content-Length: %d\r\n\r\n" % length)
        for byte in body:
            if select.select([sock], [], [], every_s)[0]:
                break  # the server answered before the body was complete
            sock.sendall(bytes([byte]))
        answer = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                answer += chunk
        return answer


def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_server_goes_on(tmp_path):
    body = json.dumps({"instances": ["a slow review"] * 20}).encode()
    with running(tmp_path, body_timeout_s=1.0) as server:
        started = time.monotonic()
        answer = trickle(server, body, every_s=0.05)  # ~18 s to send it all
        elapsed = time.monotonic() - started
        head, _, payload = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer[:200]
        error = json.loads(payload)["error"]
        assert "within 1 s of its headers (--body-timeout-seconds)" in error
        assert f"of the {len(body)} declared" in error
        assert elapsed < 5, f"the slow client held its connection for {elapsed:.1f} s"
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.get("/v1/models/sentiment").status_code == 404


def test_a_slow_body_within_the_timeout_is_read_whole(tmp_path):
    body = json.dumps({"instances": ["fine"]}).encode()
    with running(tmp_path, body_timeout_s=5.0) as server:
        answer = trickle(server, body, every_s=0.02)  # ~0.5 s
    head, _, payload = answer.partition(b"\r\n\r\n")
    # Read whole, then refused for the model this empty root lacks (not for the body).
    assert head.startswith(b"HTTP/1.1 404"), answer[:200]
    assert "sentiment" in json.loads(payload)["error"]


def test_the_body_timeout_must_be_positive():
    with contextlib.suppress(ValueError):
        ServeConfig(body_timeout_s=0)
        raise AssertionError("body_timeout_s=0 was accepted")
