"""Request merging: concurrent requests share signature calls, answers stay exact.

Merging is observed through the batching counters at `/debug/stats` (not part of TF
Serving's API). The batch timeout is raised to 200 ms while these tests run, so that
requests fired together are merged however slowly this machine schedules them.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import numpy as np

from tests.helpers.serving import decoded, direct_outputs

PREDICT = "/v1/models/sentiment:predict"


@contextlib.contextmanager
def batch_timeout(server, seconds: float):
    previous = server.scheduler.batch_timeout_s
    server.scheduler.batch_timeout_s = seconds
    try:
        yield
    finally:
        server.scheduler.batch_timeout_s = previous


def signature_stats(server, signature: str = "serving_default") -> dict:
    rows = httpx.get(f"{server.url}/debug/stats").json()["batching"]["signatures"]
    found = [r for r in rows if r["model"] == "sentiment" and r["signature"] == signature]
    return found[0] if found else {"requests": 0, "rows": 0, "calls": 0, "batch_rows": {}}


async def post_all(url: str, bodies: list[dict]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return await asyncio.gather(*(client.post(PREDICT, json=b) for b in bodies))


def test_concurrent_requests_are_merged_and_answered_exactly(server):
    texts = [f"review number {i}: {'good ' * (i % 5)}{'bad ' * (i % 3)}film" for i in range(16)]
    before = signature_stats(server)
    with batch_timeout(server, 0.2):
        responses = asyncio.run(post_all(server.url, [{"instances": [t]} for t in texts]))
    after = signature_stats(server)
    assert [r.status_code for r in responses] == [200] * 16
    expected = direct_outputs(
        server.config.model_root / "sentiment" / "1", "serving_default", text=texts
    )
    for response, label, probabilities in zip(
        responses, decoded(expected["label"]), expected["probabilities"], strict=True
    ):
        (row,) = response.json()["predictions"]
        assert row["label"] == label
        np.testing.assert_allclose(row["probabilities"], probabilities, atol=1e-5)
    requests = after["requests"] - before["requests"]
    calls = after["calls"] - before["calls"]
    print(f"16 concurrent requests -> {calls} signature calls; batches: {after['batch_rows']}")
    assert requests == 16
    assert calls < 16, "no two concurrent requests were merged"
    assert max(int(k) for k in after["batch_rows"]) > 1


def test_a_request_larger_than_the_max_batch_is_split(server):
    max_batch = server.config.max_batch_size
    texts = [f"a long request, row {i}" for i in range(max_batch + 8)]
    before = signature_stats(server)
    response = httpx.post(f"{server.url}{PREDICT}", json={"instances": texts}, timeout=60)
    after = signature_stats(server)
    assert response.status_code == 200, response.text
    expected = direct_outputs(
        server.config.model_root / "sentiment" / "1", "serving_default", text=texts
    )
    assert [r["label"] for r in response.json()["predictions"]] == decoded(expected["label"])
    assert after["rows"] - before["rows"] == len(texts)
    assert after["calls"] - before["calls"] >= 2  # never more than max_batch rows a call
    assert max(int(k) for k in after["batch_rows"]) <= max_batch


def test_a_failing_request_does_not_fail_the_batch_it_was_merged_into(server):
    """An out-of-range id fails the graph's assertion; only its own request must see it."""
    good = [[2, 3, 4], [5, 6, 7], [8, 9, 10]]
    bodies = [{"signature_name": "classify_token_ids", "instances": [ids]} for ids in good]
    bodies.insert(1, {"signature_name": "classify_token_ids", "instances": [[2, 3, 10**6]]})
    before = signature_stats(server, "classify_token_ids")
    with batch_timeout(server, 0.2):
        responses = asyncio.run(post_all(server.url, bodies))
    after = signature_stats(server, "classify_token_ids")
    assert [r.status_code for r in responses] == [200, 400, 200, 200]
    assert "Expected token_ids <" in responses[1].json()["error"]
    expected = direct_outputs(
        server.config.model_root / "sentiment" / "1",
        "classify_token_ids",
        token_ids=np.array(good, np.int32),
    )
    labels = [r.json()["predictions"][0]["label"] for i, r in enumerate(responses) if i != 1]
    assert labels == decoded(expected["label"])
    assert after["requests"] - before["requests"] == 4
