"""Safe defaults: size caps, bad bodies and unknown names give clear 4xx, never a crash.

Ends with two fuzz tests (seeded, so a failure replays): random JSON bodies and paths
from hypothesis, and byte-level mutations of valid bodies. The server must answer every
one with a JSON error below 500, and still answer a good request afterwards.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis caches into ./.hypothesis, and its pytest plugin does so while collecting,
# before any fixture runs: point it at the temporary folder when this module is imported.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "rnn-suite-hypothesis")

PREDICT = "/v1/models/sentiment:predict"
GOOD_BODY = {"instances": ["A moving, beautifully acted film."]}
IDS = {"signature_name": "classify_token_ids"}


def assert_still_serving(client) -> None:
    response = client.post(PREDICT, json=GOOD_BODY)
    assert response.status_code == 200, response.text
    assert response.json()["predictions"][0]["label"] in ("negative", "positive")


def test_an_oversized_body_is_refused_with_413(server, client):
    limit = server.config.max_body_bytes
    body = json.dumps({"instances": ["x" * limit]})
    response = client.post(PREDICT, content=body)
    assert response.status_code == 413
    error = response.json()["error"]
    assert f"at most {limit} bytes (--max-body-bytes)" in error and str(len(body)) in error
    assert_still_serving(client)


def test_an_oversized_chunked_body_is_refused_while_it_streams(server, client):
    """No Content-Length to trust: the cap applies to the bytes as they arrive."""
    limit = server.config.max_body_bytes

    def chunks():
        yield b'{"instances": ["'
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536
        yield b'"]}'

    response = client.post(PREDICT, content=chunks())
    assert response.status_code == 413
    assert "--max-body-bytes" in response.json()["error"]
    assert_still_serving(client)


def test_too_many_instances_are_refused(server, client):
    limit = server.config.max_instances
    response = client.post(PREDICT, json={"instances": ["ok"] * (limit + 1)})
    assert response.status_code == 400
    error = response.json()["error"]
    assert f"at most {limit} instances" in error and f"Received: {limit + 1}" in error
    assert "--max-instances" in error


def test_an_overlong_text_is_refused(server, client):
    limit = server.config.max_text_chars
    response = client.post(PREDICT, json={"instances": ["fine", "é" * (limit + 1)]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert f"at most {limit} characters" in error and f"{limit + 1} characters" in error
    assert "element 1" in error and "--max-text-chars" in error
    # Exactly at the limit is fine (characters, not UTF-8 bytes, are counted).
    assert client.post(PREDICT, json={"instances": ["é" * limit]}).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        (PREDICT, b"{not json", 400, "JSON Parse error"),
        (PREDICT, b"", 400, "The document is empty"),
        (PREDICT, b'"just a string"', 400, "Is not object"),
        (PREDICT, {"instances": [1, 2]}, 400, "is not of expected type: string"),
        (PREDICT, {"instances": [["nested", "list"]]}, 400, "Expected input 'text' of shape [-1]"),
        (PREDICT, {"inputs": {"texts": ["a"]}}, 400, "Missing named input: text"),
        (PREDICT, {"inputs": {"text": ["a"], "lang": ["en"]}}, 400, "Unknown named input(s): lang"),
        (PREDICT, {"instances": [{"text": "a", "lang": "en"}]}, 400, "named input: lang"),
        (PREDICT, {"signature_name": "nope", "instances": ["a"]}, 400, 'name: "nope" not found'),
        (PREDICT, {"signature_name": ["x"], "instances": ["a"]}, 400, "must be a string value"),
        (PREDICT, {**IDS, "instances": [[1.5]]}, 400, "not of expected type: int32"),
        (PREDICT, {**IDS, "instances": [[-1]]}, 400, "Expected token_ids >= 0"),
        (PREDICT, {**IDS, "instances": [[2] * 100]}, 400, "Expected at most"),
        ("/v1/models/nope:predict", GOOD_BODY, 404, "Servable not found for request: Latest(nope)"),
        ("/v1/models/sentiment/versions/9:predict", GOOD_BODY, 404, "Specific(sentiment, 9)"),
        ("/v1/models/sentiment/versions/x:predict", GOOD_BODY, 400, "Malformed request"),
    ],
)
def test_bad_requests_get_a_clear_4xx(client, path, body, status, error):
    if isinstance(body, dict):
        response = client.post(path, json=body)
    else:
        response = client.post(path, content=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert error in response.json()["error"]
    assert_still_serving(client)


# -- fuzzing ---------------------------------------------------------------------------

NAMES = ["instances", "inputs", "signature_name", "text", "token_ids", "b64", "x", ""]
SIGNATURES = ["serving_default", "classify_token_ids", "translate_greedy", "__saved_model_init_op"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(SIGNATURES),
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(NAMES), json_values, max_size=3).map(
        lambda v: json.dumps(v).encode()
    ),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)
segments = st.sampled_from(["sentiment", "translation", "nope", "%00", "..", "%E2%82%AC", ""])
paths = st.builds(
    lambda model, version, verb, extra: f"/v1/models/{model}{version}{verb}{extra}",
    segments,
    st.sampled_from(["", "/versions/1", "/versions/0", f"/versions/{10**20}", "/labels/x"]),
    st.sampled_from([":predict", ":classify", ":regress", ":PREDICT", "/metadata", "", ":"]),
    st.sampled_from(["", "/", "/extra", "?q=1"]),
)


@settings(
    max_examples=300,
    derandomize=True,  # the same examples every run
    database=None,  # nothing written to .hypothesis/
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(method=st.sampled_from(["POST", "GET", "PUT"]), path=paths, body=bodies)
def test_fuzzed_requests_never_get_a_5xx(client, method, path, body):
    response = client.request(method, path, content=body if method != "GET" else None)
    assert response.status_code < 500, (method, path, body, response.text)
    if response.status_code != 200:
        assert isinstance(response.json()["error"], str)


def test_mutated_valid_bodies_never_get_a_5xx(client):
    rng = random.Random(1234)
    valid = [
        json.dumps(GOOD_BODY).encode(),
        json.dumps({"inputs": {"text": ["un film émouvant", "nul"]}}).encode(),
        json.dumps({**IDS, "instances": [[2, 3], [4, 5]]}).encode(),
        json.dumps({"instances": [{"b64": "aGVsbG8="}]}).encode(),
    ]
    statuses = []
    for _ in range(300):
        body = bytearray(rng.choice(valid))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(body))
            action = rng.random()
            if action < 0.4:
                body[position] = rng.randrange(256)
            elif action < 0.7:
                del body[position]
            else:
                body[position:position] = bytes([rng.choice(b'[]{}",:0123456789\\')])
        response = client.post(PREDICT, content=bytes(body))
        assert response.status_code < 500, (bytes(body), response.text)
        statuses.append(response.status_code)
    assert set(statuses) <= {200, 400, 404, 413}
    assert_still_serving(client)
