"""Hot reload: a version exported while the server runs is served without a restart.

This module has its own server and model root, as it adds versions to it. Its exports use
`jit_compile=False`: the reload path is the same, and XLA compilation at each load would
only make the test slower.
"""

from __future__ import annotations

import json
import shutil
import threading
import time

import httpx
import keras
import numpy as np
import pytest

from apps.sentiment.export import build_export as build_sentiment_export
from apps.serve.config import ServeConfig
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH, export_version
from tests.helpers.serving import ServerThread, free_port, version_states, wait_for

POLL_SECONDS = 0.2
PREDICT = "/v1/models/sentiment:predict"
TEXTS = ["A moving, beautifully acted film.", "Two hours I will never get back."]


def export_sentiment(run, root, favour_last_class: bool = False) -> dict:
    """Exports the tiny run; `favour_last_class` makes a recognisable version: every text
    gets the same probabilities, softmax([0, ..., 0, 5])."""
    spec = build_sentiment_export(run, tflite=False, jit_compile=False)
    if favour_last_class:
        classifier = next(t for t in spec.trackables if isinstance(t, keras.Model))
        output = classifier.get_layer("probabilities")
        kernel, bias = output.get_weights()
        bias = np.zeros_like(bias)
        bias[-1] = 5.0
        output.set_weights([np.zeros_like(kernel), bias])
    return export_version(spec, root)


@pytest.fixture(scope="module")
def server(tiny_sentiment_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("reload_models")
    export_sentiment(tiny_sentiment_run, root)
    (root / "empty_model").mkdir()  # a model folder without versions
    config = ServeConfig(model_root=root, port=free_port(), poll_seconds=POLL_SECONDS)
    server = ServerThread(config).start()
    yield server
    server.stop()


def test_a_model_folder_without_versions_is_not_served(client):
    response = client.get("/v1/models/empty_model")
    assert response.status_code == 404
    assert response.json() == {"error": "Could not find any versions of model empty_model"}


def test_a_new_version_is_picked_up_without_a_restart(server, client, tiny_sentiment_run):
    assert version_states(client) == {"1": "AVAILABLE"}
    before = client.post(PREDICT, json={"instances": TEXTS}).json()["predictions"]

    # Requests keep flowing while version 2 is exported, loaded and swapped in.
    statuses, stop = [], threading.Event()

    def traffic():
        with httpx.Client(base_url=server.url, timeout=60) as background:
            while not stop.is_set():
                statuses.append(background.post(PREDICT, json={"instances": TEXTS}).status_code)

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        exported = export_sentiment(tiny_sentiment_run, server.config.model_root, True)
        assert exported["version"] == 2
        wait_for(lambda: version_states(client).get("2") == "AVAILABLE", "version 2 AVAILABLE")
        time.sleep(3 * POLL_SECONDS)
    finally:
        stop.set()
        sender.join()
    assert statuses and set(statuses) == {200}, f"requests failed during the reload: {statuses}"

    info = server.config.model_root / "sentiment" / "2" / EXPORT_INFO_RELATIVE_PATH
    labels = json.loads(info.read_text())["labels"]
    after = client.post(PREDICT, json={"instances": TEXTS}).json()["predictions"]
    expected = np.exp([0.0] * (len(labels) - 1) + [5.0])
    for row in after:
        assert row["label"] == labels[-1]
        np.testing.assert_allclose(row["probabilities"], expected / expected.sum(), atol=1e-6)
    assert after != before

    # Only the latest version is served, as TF Serving's `latest { num_versions: 1 }`.
    wait_for(lambda: version_states(client) == {"2": "AVAILABLE", "1": "END"}, "version 1 END")
    old = client.post("/v1/models/sentiment/versions/1:predict", json={"instances": TEXTS})
    assert old.status_code == 404
    assert old.json() == {"error": "Servable not found for request: Specific(sentiment, 1)"}
    current = client.post("/v1/models/sentiment/versions/2:predict", json={"instances": TEXTS})
    assert current.json()["predictions"] == after
    assert client.get("/v1/models/sentiment/metadata").json()["model_spec"]["version"] == "2"


def test_a_broken_version_is_reported_and_the_old_one_keeps_serving(server, client):
    served = next(v for v, s in version_states(client).items() if s == "AVAILABLE")
    root = server.config.model_root / "sentiment"
    staging = root / ".staging-broken"
    staging.mkdir()
    (staging / "saved_model.pb").write_bytes(b"this is not a SavedModel")
    broken = str(int(served) + 1)
    staging.rename(root / broken)  # appears whole, as an export would

    def failed():
        rows = client.get(f"/v1/models/sentiment/versions/{broken}")
        return rows.json()["model_version_status"][0] if rows.status_code == 200 else None

    row = wait_for(lambda: (r := failed()) and r["state"] == "END" and r, "the failed load")
    assert row["status"]["error_code"] != "OK"
    assert row["status"]["error_message"]
    assert version_states(client)[served] == "AVAILABLE"
    response = client.post(PREDICT, json={"instances": TEXTS})
    assert response.status_code == 200
    time.sleep(3 * POLL_SECONDS)  # a failed version is not retried at every poll
    assert version_states(client)[broken] == "END"


def test_a_version_folder_filled_after_a_failed_load_is_retried(
    server, client, tiny_sentiment_run, tmp_path
):
    """`mkdir <root>/sentiment/N` then copying the export in: the first load fails (the
    folder is empty), and the change of its files makes the next poll load it again."""
    served = next(v for v, s in version_states(client).items() if s == "AVAILABLE")
    latest = max(int(v) for v in version_states(client))
    target = server.config.model_root / "sentiment" / str(latest + 1)
    target.mkdir()
    wait_for(lambda: version_states(client).get(str(latest + 1)) == "END", "the failed load")
    assert version_states(client)[served] == "AVAILABLE"

    export_sentiment(tiny_sentiment_run, tmp_path)
    shutil.copytree(tmp_path / "sentiment" / "1", target, dirs_exist_ok=True)
    wait_for(
        lambda: version_states(client).get(str(latest + 1)) == "AVAILABLE",
        f"version {latest + 1} AVAILABLE after its files were copied in",
    )
    response = client.post(PREDICT, json={"instances": TEXTS})
    assert response.status_code == 200
    metadata = client.get("/v1/models/sentiment/metadata").json()
    assert metadata["model_spec"]["version"] == str(latest + 1)


def test_an_unchanged_failed_version_is_retried_after_the_interval_up_to_the_limit(server, client):
    manager = server.manager
    previous = manager.load_retry_interval_s, manager.max_load_retries
    manager.load_retry_interval_s, manager.max_load_retries = 3 * POLL_SECONDS, 2
    try:
        version = max(int(v) for v in version_states(client)) + 1
        staging = server.config.model_root / "sentiment" / ".staging-unchanged"
        staging.mkdir()
        (staging / "saved_model.pb").write_bytes(b"not a SavedModel")
        staging.rename(staging.parent / str(version))
        failures = manager.models["sentiment"].failed

        def retried_twice():
            failure = failures.get(version)
            return failure is not None and failure.retries == 2 and failure

        last = wait_for(retried_twice, "two retries")
        time.sleep(8 * POLL_SECONDS)  # over twice the interval: no third retry
        assert failures[version] is last and failures[version].retries == 2
        # A new connection: `client`'s kept-alive one idled through the waits above and may
        # pass uvicorn's 5 s keep-alive just as it is reused (a loaded CI machine saw
        # "Server disconnected without sending a response" here).
        with httpx.Client(base_url=server.url, timeout=60) as fresh:
            assert version_states(fresh)[str(version)] == "END"
    finally:
        manager.load_retry_interval_s, manager.max_load_retries = previous
