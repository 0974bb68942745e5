"""`:classify` (TF Serving's Classify REST API) on sentiment's `classification` signature."""

from __future__ import annotations

import pytest

CLASSIFY = "/v1/models/sentiment:classify"
REVIEWS = ["a wonderful, moving film", "dull and far too long", "¿qué? ünïcödé"]


def test_classify_answers_every_class_with_the_scores_predict_gives(client):
    body = {"signature_name": "classification", "examples": [{"text": t} for t in REVIEWS]}
    response = client.post(CLASSIFY, json=body)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    predictions = client.post("/v1/models/sentiment:predict", json={"instances": REVIEWS}).json()[
        "predictions"
    ]
    assert len(result) == len(REVIEWS)
    for pairs, prediction in zip(result, predictions, strict=True):
        labels = [label for label, _ in pairs]
        scores = [score for _, score in pairs]
        # Every class on every row, in the model's label order (predict's probabilities').
        assert labels == ["negative", "positive"]
        assert scores == pytest.approx(prediction["probabilities"], abs=1e-5)
        assert labels[scores.index(max(scores))] == prediction["label"]


def test_context_features_reach_every_example(client):
    body = {
        "signature_name": "classification",
        "context": {"text": "dull and far too long"},
        "examples": [{}, {"other": 3}],
    }
    result = client.post(CLASSIFY, json=body).json()["result"]
    assert result[0] == result[1]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"examples": [{"text": "fine"}]}, "Expected a classify signature"),
        ({"signature_name": "classification", "examples": []}, 'Expected "examples"'),
        ({"signature_name": "classification", "examples": ["fine"]}, "example 0 to be an object"),
        (
            {"signature_name": "classification", "examples": [{"text": [1, "a"]}]},
            "Expected feature 'text' to be a string, a number",
        ),
        (
            {"signature_name": "classification", "examples": [{"n": 2**70}]},
            "Expected feature 'n'",
        ),
        (
            {
                "signature_name": "classification",
                "context": {"text": "a"},
                "examples": [{"text": "b"}],
            },
            "context features not to appear in examples",
        ),
    ],
)
def test_bad_classify_requests_get_400_saying_what_was_expected(client, body, error):
    response = client.post(CLASSIFY, json=body)
    assert response.status_code == 400
    assert error in response.json()["error"]
    if "classify signature" in error:
        assert "'classification'" in response.json()["error"]  # names the one to use


def test_regress_still_refused_naming_predict(client):
    response = client.post("/v1/models/sentiment:regress", json={"examples": [{"text": "a"}]})
    assert response.status_code == 400
    assert "Use POST /v1/models/sentiment:predict" in response.json()["error"]
