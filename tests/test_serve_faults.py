"""Faults and hostile clients: idle connections, half-copied versions, corrupt versions.

The connection tests run a server on an empty model root (no TensorFlow work: connection
handling does not depend on the models); the version tests use the tiny sentiment export
without XLA, copied into their own model roots.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time

import httpx

from apps.serve.config import ServeConfig
from tests.serve_helpers import ServerThread, free_port

STATUS = "/v1/models/sentiment"


@contextlib.contextmanager
def running(root, **settings):
    server = ServerThread(ServeConfig(model_root=root, port=free_port(), **settings)).start()
    try:
        yield server
    finally:
        server.stop()


def open_sockets(server, count: int, first_bytes: bytes = b"") -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((server.config.host, server.config.port), timeout=5)
        if first_bytes:
            sock.sendall(first_bytes)
        sockets.append(sock)
    return sockets


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    """True if the server closes `sock` (EOF or reset) within `within_s` seconds."""
    sock.settimeout(within_s)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def legitimate_request(server) -> tuple[int, float]:
    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get(STATUS)
    return response.status_code, time.monotonic() - started


# -- item 1: idle and slow connections ------------------------------------------------------
def test_idle_connections_over_the_limit_do_not_lock_out_a_client(tmp_path):
    """More idle and half-sent connections than --limit-concurrency: a real request is
    still answered at once (uvicorn alone answers 503 for as long as they stay open)."""
    limit = 16
    with running(tmp_path, limit_concurrency=limit, header_timeout_s=30) as server:
        idle = open_sockets(server, limit + 8)
        partial = open_sockets(server, 4, b"GET /v1/models/sentiment HTTP/1.1\r\nHost: x\r\n")
        try:
            time.sleep(0.2)  # let the server accept them all
            for _ in range(3):
                status, seconds = legitimate_request(server)
                # 404 "Could not find any versions": the API answered, not uvicorn's 503.
                assert status == 404, f"answered {status} with {limit + 12} idle connections open"
                assert seconds < 2, f"answered after {seconds:.1f} s"
            # The oldest idle connections made room; the newest are still open.
            assert closed_by_server(idle[0], 2)
            assert not closed_by_server(partial[-1], 0.2)
        finally:
            for sock in idle + partial:
                sock.close()


def test_a_connection_without_complete_headers_is_closed_after_the_timeout(tmp_path):
    with running(tmp_path, header_timeout_s=1.0) as server:
        silent, trickling = open_sockets(server, 2)
        try:
            trickling.sendall(b"GET /v1/models/sentiment HTTP/1.1\r\n")
            started = time.monotonic()
            for index in range(20):  # a header line every 0.1 s never completes the request
                with contextlib.suppress(OSError):
                    trickling.sendall(b"X-Slow-%d: y\r\n" % index)
                time.sleep(0.1)
            assert closed_by_server(trickling, 1), "a trickling client held its connection"
            assert closed_by_server(silent, 1), "a silent client held its connection"
            assert time.monotonic() - started < 3.5
            # A client that sends its request in time is answered, and its keep-alive
            # connection gets the same deadline for its next request.
            with httpx.Client(base_url=server.url, timeout=10) as client:
                assert client.get(STATUS).status_code == 404
                time.sleep(1.5)
                assert client.get(STATUS).status_code == 404  # reconnects by itself
        finally:
            silent.close()
            trickling.close()


def test_one_client_keeps_at_most_its_share_of_waiting_connections(tmp_path):
    with running(tmp_path, header_timeout_s=30, max_waiting_per_client=4) as server:
        sockets = open_sockets(server, 10)
        try:
            time.sleep(0.2)
            assert all(closed_by_server(sock, 2) for sock in sockets[:6])
            assert not any(closed_by_server(sock, 0.1) for sock in sockets[6:])
            assert legitimate_request(server)[0] == 404
        finally:
            for sock in sockets:
                sock.close()


def test_a_header_timeout_that_is_not_positive_is_refused(capsys):
    from apps.serve.__main__ import main

    assert main(["--port", "0", "--header-timeout-seconds", "0"]) == 2
    assert "Expected header_timeout_s > 0. Received: 0.0" in capsys.readouterr().err


# -- item 6: what a 404 repeats ------------------------------------------------------------
def raw_request(server, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """Status and body of one request sent as bytes (httpx refuses URLs this long)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    with socket.create_connection((server.config.host, server.config.port), timeout=30) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    header, _, content = answer.partition(b"\r\n\r\n")
    return int(header.split()[1]), content


def test_a_huge_model_name_is_not_repeated_in_full(tmp_path):
    name = "m" * 100_000
    with running(tmp_path) as server:
        for method, path in [
            ("GET", f"/v1/models/{name}"),
            ("POST", f"/v1/models/{name}:predict"),
            ("GET", f"/v1/models/{name}/versions/1"),
            ("GET", f"/v2/{name}"),
        ]:
            status, content = raw_request(server, method, path, b'{"instances": ["Great!"]}')
            assert status == 404, (method, path[:30], content[:300])
            assert len(content) < 500, f"{method} {path[:20]}... answered {len(content)} bytes"
            # Cut, and saying how long it was (the name alone, or the whole path).
            assert re.search(rb"m{150}\.\.\.\(100\d{3} characters\)", content), content
        status, content = raw_request(server, "GET", "/v1/models/short")
        assert (status, content) == (404, b'{"error":"Could not find any versions of model short"}')
