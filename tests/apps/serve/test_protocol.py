"""The serving endpoint speaks TF Serving's REST API: status, metadata, predict.

Every answer is compared with the SavedModel's own outputs (loaded here, without server
code), and the bodies are the ones TF Serving's documentation and our README show.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from tests.helpers.serving import decoded, direct_outputs

REVIEWS = [
    "A moving, beautifully acted film.",
    "Two hours I will never get back.",
    "Ñandú-level nonsense — ¡terrible! 😀",
    "",
]
SPANISH = ["¿Dónde está la estación?", "el gato come pescado", "Mi amigo lee los libros."]


def version_dir(server, model: str, version: int = 1):
    return server.config.model_root / model / str(version)


def assert_sentiment_rows(rows: list[dict], expected: dict) -> None:
    assert [r["label"] for r in rows] == decoded(expected["label"])
    assert [r["token_count"] for r in rows] == expected["token_count"].tolist()
    np.testing.assert_allclose(
        np.array([r["probabilities"] for r in rows], np.float32),
        expected["probabilities"],
        atol=1e-5,
    )


# -- status and metadata ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/models/sentiment", "/v1/models/sentiment/versions/1"])
def test_status_reports_the_served_version(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "model_version_status": [
            {
                "version": "1",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/v1/models/sentiment/versions/2", 404, "Could not find version 2 of model sentiment"),
        ("/v1/models/nope", 404, "Could not find any versions of model nope"),
        ("/v1/models", 400, "Missing model name in request."),
        ("/v1/models/sentiment/labels/stable", 400, "Unrecognized servable version label: stable"),
        (
            "/v1/models/sentiment/versions/2/metadata",
            404,
            "Servable not found for request: Specific(sentiment, 2)",
        ),
        ("/v1/models/nope/metadata", 404, "Servable not found for request: Latest(nope)"),
        ("/v1/other", 400, "Malformed request: GET /v1/other"),
    ],
)
def test_status_and_metadata_errors_use_tf_serving_words(client, path, status, error):
    response = client.get(path)
    assert response.status_code == status
    assert response.json() == {"error": error}


@pytest.mark.parametrize(
    "path", ["/v1/models/sentiment/metadata", "/v1/models/sentiment/versions/1/metadata"]
)
def test_metadata_lists_the_signatures_as_tf_serving(client, path):
    answer = client.get(path).json()
    assert answer["model_spec"] == {"name": "sentiment", "signature_name": "", "version": "1"}
    signatures = answer["metadata"]["signature_def"]["signature_def"]
    # TF Serving lists every SignatureDef of the MetaGraph, the init op's included.
    assert set(signatures) == {
        "serving_default",
        "classify_token_ids",
        "classification",
        "__saved_model_init_op",
    }
    assert signatures["classification"]["method_name"] == "tensorflow/serving/classify"
    default = signatures["serving_default"]
    assert default["method_name"] == "tensorflow/serving/predict"
    assert default["inputs"]["text"]["dtype"] == "DT_STRING"
    assert default["inputs"]["text"]["tensor_shape"] == {
        "dim": [{"size": "-1", "name": ""}],
        "unknown_rank": False,
    }
    outputs = default["outputs"]
    assert {k: v["dtype"] for k, v in outputs.items()} == {
        "label": "DT_STRING",
        "probabilities": "DT_FLOAT",
        "token_count": "DT_INT32",
    }
    assert [d["size"] for d in outputs["probabilities"]["tensor_shape"]["dim"]] == ["-1", "2"]
    assert all(v["name"].endswith(tuple(":0123456789")) for v in outputs.values())
    ids = signatures["classify_token_ids"]["inputs"]["token_ids"]
    assert ids["dtype"] == "DT_INT32"
    assert [d["size"] for d in ids["tensor_shape"]["dim"]] == ["-1", "-1"]


# -- predict ---------------------------------------------------------------------------


def test_the_readme_curl_body_works_unchanged(server, client):
    """The README's TF Serving example, byte for byte, read as a TF Serving client would."""
    body = (
        '{"instances": ["A moving, beautifully acted film.", "Two hours I will never get back."]}'
    )
    response = client.post("/v1/models/sentiment:predict", content=body)
    assert response.status_code == 200
    predictions = response.json()["predictions"]
    assert len(predictions) == 2
    for row in predictions:
        assert set(row) == {"label", "probabilities", "token_count"}
        assert row["label"] in ("negative", "positive")
        assert abs(sum(row["probabilities"]) - 1) < 1e-5
    expected = direct_outputs(version_dir(server, "sentiment"), "serving_default", text=REVIEWS[:2])
    assert_sentiment_rows(predictions, expected)


@pytest.mark.parametrize(
    "path", ["/v1/models/sentiment:predict", "/v1/models/sentiment/versions/1:predict"]
)
def test_row_format_answers_as_the_saved_model(server, client, path):
    response = client.post(path, json={"instances": REVIEWS})
    assert response.status_code == 200, response.text
    expected = direct_outputs(version_dir(server, "sentiment"), "serving_default", text=REVIEWS)
    assert_sentiment_rows(response.json()["predictions"], expected)


def test_row_format_accepts_objects_for_named_inputs(server, client):
    response = client.post(
        "/v1/models/sentiment:predict", json={"instances": [{"text": t} for t in REVIEWS]}
    )
    expected = direct_outputs(version_dir(server, "sentiment"), "serving_default", text=REVIEWS)
    assert_sentiment_rows(response.json()["predictions"], expected)


@pytest.mark.parametrize("inputs", [REVIEWS, {"text": REVIEWS}], ids=["list", "object"])
def test_columnar_format_answers_outputs_by_name(server, client, inputs):
    response = client.post("/v1/models/sentiment:predict", json={"inputs": inputs})
    assert response.status_code == 200, response.text
    outputs = response.json()["outputs"]
    expected = direct_outputs(version_dir(server, "sentiment"), "serving_default", text=REVIEWS)
    assert outputs["label"] == decoded(expected["label"])
    assert outputs["token_count"] == expected["token_count"].tolist()
    np.testing.assert_allclose(outputs["probabilities"], expected["probabilities"], atol=1e-5)


def test_an_empty_batch_answers_empty_outputs(client):
    """Zero rows is a valid tensor: TF Serving runs it, and so does this server."""
    response = client.post("/v1/models/sentiment:predict", json={"inputs": []})
    assert response.status_code == 200, response.text
    assert response.json() == {"outputs": {"label": [], "probabilities": [], "token_count": []}}


def test_b64_strings_are_the_same_text(client):
    plain = client.post("/v1/models/sentiment:predict", json={"instances": REVIEWS}).json()
    encoded = [{"b64": base64.b64encode(t.encode()).decode()} for t in REVIEWS]
    as_b64 = client.post("/v1/models/sentiment:predict", json={"instances": encoded}).json()
    assert as_b64 == plain


def test_signature_name_selects_the_ids_signature(server, client):
    ids = [[2, 3, 4, 5], [6, 7, 0, 0]]
    body = {"signature_name": "classify_token_ids", "instances": ids}
    response = client.post("/v1/models/sentiment:predict", json=body)
    assert response.status_code == 200, response.text
    expected = direct_outputs(
        version_dir(server, "sentiment"), "classify_token_ids", token_ids=np.array(ids, np.int32)
    )
    rows = response.json()["predictions"]
    assert [r["label"] for r in rows] == decoded(expected["label"])
    np.testing.assert_allclose(
        [r["probabilities"] for r in rows], expected["probabilities"], atol=1e-5
    )


@pytest.mark.parametrize("signature", ["serving_default", "translate_greedy", None])
def test_translation_signatures_answer_as_the_saved_model(server, client, signature):
    body = {"instances": SPANISH}
    if signature:
        body["signature_name"] = signature
    response = client.post("/v1/models/translation:predict", json=body)
    assert response.status_code == 200, response.text
    expected = direct_outputs(
        version_dir(server, "translation"), signature or "serving_default", text=SPANISH
    )
    assert response.json()["predictions"] == [
        {"source_token_count": int(count), "translation": text}
        for count, text in zip(
            expected["source_token_count"], decoded(expected["translation"]), strict=True
        )
    ]


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/v1/models/foo:predict", 404, "Servable not found for request: Latest(foo)"),
        (
            "/v1/models/sentiment/versions/7:predict",
            404,
            "Servable not found for request: Specific(sentiment, 7)",
        ),
        ("/v1/models/sentiment:classify", 400, "Expected a classify signature"),
        ("/v1/models/sentiment:regress", 400, "Use POST /v1/models/sentiment:predict"),
        ("/v1/models/foo:classify", 404, "Servable not found for request: Latest(foo)"),
        ("/v1/models/sentiment:PREDICT", 400, "Malformed request: POST /v1/models/sentiment:"),
    ],
)
def test_unknown_models_versions_and_verbs(client, path, status, error):
    response = client.post(path, json={"instances": ["fine"]})
    assert response.status_code == status
    assert error in response.json()["error"]


def test_answers_are_json_with_non_ascii_kept(client):
    response = client.post("/v1/models/sentiment:predict", json={"instances": ["¿qué?"]})
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content.decode("utf-8"))["predictions"][0]["token_count"] >= 1
