"""Faults and hostile clients: idle connections, half-copied versions, corrupt versions.

The connection tests run a server on an empty model root (no TensorFlow work: connection
handling does not depend on the models); the version tests use the tiny sentiment export
without XLA, copied into their own model roots.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import time
from pathlib import Path

import httpx
import pytest

from apps.sentiment.export import build_export as build_sentiment_export
from apps.serve.servable import LoadedVersion, first_and_later
from shared.export.exporter import export_version
from shared.export.warmup import read_warmup_requests
from tests.helpers.serving import (
    running,
    version_rows,
    version_states,
    wait_for,
)

STATUS = "/v1/models/sentiment"
PREDICT = "/v1/models/sentiment:predict"
TEXTS = ["A moving, beautifully acted film.", "Two hours I will never get back."]


@pytest.fixture(scope="module")
def exported(tiny_sentiment_run, tmp_path_factory) -> Path:
    """Version 1 of the tiny sentiment model, without XLA (loads in seconds)."""
    root = tmp_path_factory.mktemp("faults_export")
    spec = build_sentiment_export(tiny_sentiment_run, tflite=False, jit_compile=False)
    return Path(export_version(spec, root)["path"])


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


def read_answer(sock: socket.socket) -> bytes:
    """One JSON answer (headers and body) from a kept-alive connection; b"" if closed."""
    answer = b""
    while not answer.endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer


def test_a_kept_alive_connection_is_not_closed_to_make_room_for_idle_ones(tmp_path):
    """Idle connections from the same address (loopback here) close each other, not a
    client's connection that has had an answer and is waiting for its next request."""
    request = b"GET /v1/models/sentiment HTTP/1.1\r\nHost: x\r\n\r\n"
    with running(tmp_path, limit_concurrency=16, max_waiting_per_client=8) as server:
        (client,) = open_sockets(server, 1)
        client.sendall(request)
        assert read_answer(client).startswith(b"HTTP/1.1 404")
        idle = open_sockets(server, 40)
        try:
            time.sleep(0.2)
            client.sendall(request)  # the same connection, after 40 newer idle ones
            assert read_answer(client).startswith(b"HTTP/1.1 404")
        finally:
            client.close()
            for sock in idle:
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


# -- item 2: a version copied in file by file -----------------------------------------------
def copy_into(source: Path, target: Path, names: list[str]) -> None:
    """`cp -a` of some entries of a version folder (modification times kept)."""
    for name in names:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
        else:
            shutil.copy2(source / name, target / name)


def test_a_version_copied_in_stages_is_served_only_when_complete_and_warmed_up(
    exported, tmp_path, monkeypatch
):
    """The copy pauses between stages for less than --version-settle-seconds: version 2
    stays LOADING (version 1 serves) until the last file is in, then its warmup requests
    (copied last) are replayed before it answers."""
    copy_into(exported, tmp_path / "sentiment" / "1", [p.name for p in exported.iterdir()])
    loads, original = [], LoadedVersion.load

    def counted_load(model, version, *args):
        loads.append((version, time.monotonic()))
        return original(model, version, *args)

    monkeypatch.setattr(LoadedVersion, "load", counted_load)
    settle = 1.2
    config = {"poll_seconds": 0.1, "version_settle_s": settle}
    with running(tmp_path, **config) as server, httpx.Client(base_url=server.url) as client:
        assert version_states(client) == {"1": "AVAILABLE"}
        target = tmp_path / "sentiment" / "2"
        target.mkdir()
        stages = [["saved_model.pb", "fingerprint.pb"], ["variables"], ["assets", "assets.extra"]]
        for stage in stages:
            copy_into(exported, target, stage)
            wait_for(lambda: "2" in version_states(client), "version 2 seen")
            until = time.monotonic() + settle / 4
            while time.monotonic() < until:  # well within the settle time
                assert version_states(client) == {"2": "LOADING", "1": "AVAILABLE"}, stage
                metadata = client.get("/v1/models/sentiment/metadata").json()
                assert metadata["model_spec"]["version"] == "1"
                time.sleep(0.05)
        complete = time.monotonic()
        wait_for(lambda: version_states(client).get("2") == "AVAILABLE", "version 2 AVAILABLE")
        # Loaded once, after the copy was over (not a first attempt on half the files).
        starts = [started for version, started in loads if version == 2]
        assert len(starts) == 1 and starts[0] > complete, (starts, complete)
        serving = server.manager.models["sentiment"].serving
        assert serving.version == 2
        first, later = first_and_later(read_warmup_requests(target))
        assert serving.warmup_requests >= len(first) > 0  # replayed before it answered
        assert len(first) + len(later) == len(read_warmup_requests(exported))
        wait_for(lambda: serving.warmup_requests == len(first) + len(later), "the rest replayed")
        answer = client.post(PREDICT, json={"instances": TEXTS})
        assert answer.status_code == 200 and len(answer.json()["predictions"]) == 2


def test_a_version_folder_left_incomplete_is_reported_with_what_it_lacks(exported, tmp_path):
    copy_into(exported, tmp_path / "sentiment" / "1", [p.name for p in exported.iterdir()])
    config = {"poll_seconds": 0.1, "version_settle_s": 0.5}
    with running(tmp_path, **config) as server, httpx.Client(base_url=server.url) as client:
        target = tmp_path / "sentiment" / "2"
        target.mkdir()
        copy_into(exported, target, ["saved_model.pb", "assets.extra"])
        row = wait_for(
            lambda: (
                version_rows(client).get("2", {}).get("state") == "END"
                and version_rows(client)["2"]
            ),
            "the incomplete version reported",
        )
        message = row["status"]["error_message"]
        assert row["status"]["error_code"] == "NOT_FOUND"
        assert "Incomplete version folder" in message
        assert (
            "missing variables/variables.index, variables/variables.data-00000-of-00001" in message
        )
        assert version_states(client)["1"] == "AVAILABLE"
        copy_into(exported, target, ["variables", "fingerprint.pb"])
        wait_for(lambda: version_states(client).get("2") == "AVAILABLE", "version 2 AVAILABLE")


# -- item 4: a corrupt newest version --------------------------------------------------------
def test_a_corrupt_newest_version_does_not_take_the_model_down_after_a_restart(exported, tmp_path):
    """A restart with versions 2 (truncated variables) and 3 (a broken graph) beside a
    good version 1: version 1 serves, and 2 and 3 are END with their errors."""
    models = tmp_path / "sentiment"
    for version in ("1", "2", "3"):
        copy_into(exported, models / version, [p.name for p in exported.iterdir()])
    shard = next((models / "2" / "variables").glob("variables.data-*"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    (models / "3" / "saved_model.pb").write_bytes(b"not a SavedModel")
    config = {"poll_seconds": 0.1, "version_settle_s": 0.0}
    with running(tmp_path, **config) as server, httpx.Client(base_url=server.url) as client:
        rows = version_rows(client)
        assert {v: r["state"] for v, r in rows.items()} == {
            "3": "END",
            "2": "END",
            "1": "AVAILABLE",
        }
        for broken in ("2", "3"):
            assert rows[broken]["status"]["error_code"] != "OK"
            assert rows[broken]["status"]["error_message"]
        assert rows["1"]["status"] == {"error_code": "OK", "error_message": ""}
        for path in (PREDICT, "/v1/models/sentiment/versions/1:predict"):
            assert client.post(path, json={"instances": TEXTS}).status_code == 200
        broken = client.post("/v1/models/sentiment/versions/3:predict", json={"instances": TEXTS})
        assert broken.status_code == 404
        time.sleep(0.5)  # polls do not retry the unchanged broken versions nor drop version 1
        assert version_states(client) == {"3": "END", "2": "END", "1": "AVAILABLE"}
