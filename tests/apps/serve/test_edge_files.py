"""The files the demo page's on-device mode loads from our server (`apps/serve/edge_files.py`):
a version's phone models and LiteRT.js, and nothing else of the disk."""

from __future__ import annotations

import json

import pytest

from apps.serve import edge_files


@pytest.fixture(scope="module")
def phone_folder(server):
    return server.config.model_root / "sentiment" / "1" / "tflite"


def test_the_versions_with_phone_models_are_listed(client, phone_folder):
    listing = client.get("/edge/sentiment").json()
    assert listing["litertjs"] is True
    [version] = listing["versions"]
    metadata = json.loads((phone_folder / "metadata.json").read_text(encoding="utf-8"))
    assert version["version"] == 1 and version["default_variant"] == metadata["default_variant"]
    assert version["variants"] == {v: entry["file"] for v, entry in metadata["models"].items()}
    assert {"metadata.json", "golden.json", *version["variants"].values()} == set(version["files"])
    # Exported without phone models: nothing to run on the device.
    assert client.get("/edge/translation").json()["versions"] == []


def test_a_versions_phone_files_are_served_as_they_are(client, phone_folder):
    for name in ("metadata.json", "golden.json", "sentiment_float32.tflite"):
        response = client.get(f"/edge/sentiment/1/{name}")
        assert response.status_code == 200, name
        assert response.content == (phone_folder / name).read_bytes()
        assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/edge/sentiment/1/saved_model.pb",  # the version's other files
        "/edge/sentiment/1/..%2Fsaved_model.pb",
        "/edge/sentiment/1/..%2F..%2F..%2Fsentiment%2F1%2Ftflite%2Fmetadata.json",
        "/edge/sentiment/one/metadata.json",
        "/edge/sentiment/2/metadata.json",
        "/edge/..%2Fsentiment/1/metadata.json",
        "/litertjs/core/..%2F..%2F..%2Fpackage.json",
        "/litertjs/core/wasm/missing.wasm",
    ],
)
def test_nothing_else_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert "error" in response.json()


def test_litertjs_is_served_from_the_npm_install(client):
    response = client.get("/litertjs/core/wasm/litert_wasm_internal.wasm")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/wasm"
    assert response.content[:4] == b"\0asm"
    module = client.get("/litertjs/core/dist/index.js")
    assert module.headers["content-type"].startswith("text/javascript")
    assert "loadAndCompile" in module.text


def test_a_server_without_litertjs_says_how_to_install_it(client, monkeypatch, tmp_path):
    monkeypatch.setattr(edge_files, "LITERTJS_DIR", tmp_path / "missing")
    assert client.get("/edge/sentiment").json()["litertjs"] is False
    response = client.get("/litertjs/core/dist/index.js")
    assert response.status_code == 404
    assert "make web" in response.json()["error"]
