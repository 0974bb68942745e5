"""Back-pressure: a full batch queue refuses work at once (503) instead of queueing it.

A slow fake servable makes the queue fill up deterministically; the HTTP test slows the
shared server's sentiment model the same way and checks the 503, its words, and that the
server answers normally again once the backlog has drained.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import httpx
import numpy as np

from apps.serve.errors import ServingError
from apps.serve.request_merging import BatchScheduler

PREDICT = "/v1/models/sentiment:predict"
QUEUE_FULL = "The batch scheduling queue to which this task was submitted is full"


class SlowServable:
    """Answers `call` after `seconds`, echoing its input; counts concurrent calls."""

    model, version = "slow", 1

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.calls = 0
        self._lock = threading.Lock()

    def call(self, signature, inputs):
        with self._lock:
            self.calls += 1
        time.sleep(self.seconds)
        return {"y": inputs["x"] * 2}


async def _flood(scheduler, servable, requests: int, rows: int):
    inputs = {"x": np.ones((rows, 3), np.float32)}
    return await asyncio.gather(
        *(scheduler.run(servable, "serving_default", inputs) for _ in range(requests)),
        return_exceptions=True,
    )


def test_a_full_queue_refuses_requests_with_unavailable_and_then_recovers():
    scheduler = BatchScheduler(
        max_batch_size=4, batch_timeout_s=0.0, num_batch_threads=1, max_enqueued_batches=2
    )
    servable = SlowServable(0.05)
    try:
        results = asyncio.run(_flood(scheduler, servable, requests=10, rows=4))
        refused = [r for r in results if isinstance(r, ServingError)]
        answered = [r for r in results if isinstance(r, dict)]
        assert len(refused) + len(answered) == 10
        assert refused, "nothing was refused: the queue is unbounded"
        assert 2 <= len(answered) <= 4  # one running (maybe taken already) + two waiting
        for error in refused:
            assert error.code == "UNAVAILABLE" and error.http_status == 503
            assert error.message.startswith(QUEUE_FULL)
            assert "--max-enqueued-batches" in error.message
        np.testing.assert_array_equal(answered[0]["y"], np.full((4, 3), 2.0))
        # Once drained, the same load is admitted again.
        (again,) = asyncio.run(_flood(scheduler, servable, requests=1, rows=4))
        assert isinstance(again, dict)
    finally:
        scheduler.close()


def test_a_request_larger_than_the_queue_is_admitted_into_an_empty_queue():
    scheduler = BatchScheduler(
        max_batch_size=2, batch_timeout_s=0.0, num_batch_threads=1, max_enqueued_batches=1
    )
    try:
        (result,) = asyncio.run(_flood(scheduler, SlowServable(0.0), requests=1, rows=7))
        assert result["y"].shape == (7, 3)
    finally:
        scheduler.close()


def test_tasks_whose_client_went_away_are_not_run():
    scheduler = BatchScheduler(
        max_batch_size=1, batch_timeout_s=0.0, num_batch_threads=1, max_enqueued_batches=100
    )
    servable = SlowServable(0.1)

    async def scenario():
        inputs = {"x": np.ones((1, 3), np.float32)}
        first = asyncio.ensure_future(scheduler.run(servable, "s", inputs))
        waiting = [asyncio.ensure_future(scheduler.run(servable, "s", inputs)) for _ in range(5)]
        await asyncio.sleep(0.02)  # the first is running; the others wait in the queue
        for task in waiting:
            task.cancel()
        await first
        await asyncio.sleep(0.2)

    try:
        asyncio.run(scenario())
        assert servable.calls == 1
    finally:
        scheduler.close()


@contextlib.contextmanager
def slow_sentiment(server, seconds: float, max_enqueued_batches: int):
    """The served sentiment version sleeps `seconds` per call; the queue holds fewer batches."""
    servable = server.manager.models["sentiment"].serving
    scheduler = server.scheduler
    real_call, previous = servable.call, scheduler.max_enqueued_batches

    def slow_call(signature, inputs):
        time.sleep(seconds)
        return real_call(signature, inputs)

    servable.call = slow_call
    scheduler.max_enqueued_batches = max_enqueued_batches
    try:
        yield
    finally:
        scheduler.max_enqueued_batches = previous
        del servable.call


async def _post_all(url: str, bodies: list[dict]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return await asyncio.gather(*(client.post(PREDICT, json=b) for b in bodies))


def test_the_server_answers_503_when_its_queue_is_full_and_recovers(server):
    rows = server.config.max_batch_size  # each request is one full batch
    body = {"instances": [f"flood row {i}" for i in range(rows)]}
    with slow_sentiment(server, seconds=0.8, max_enqueued_batches=1):
        responses = asyncio.run(_post_all(server.url, [body] * 10))
        statuses = [r.status_code for r in responses]
        assert set(statuses) <= {200, 503}, statuses
        assert 503 in statuses and 200 in statuses, statuses
        refused = next(r for r in responses if r.status_code == 503)
        assert refused.headers["content-type"] == "application/json"
        assert refused.json()["error"].startswith(QUEUE_FULL)
        # The backlog drains; a new request is served even while the model is slow.
        again = httpx.post(f"{server.url}{PREDICT}", json=body, timeout=60)
        assert again.status_code == 200, again.text
    assert len(again.json()["predictions"]) == rows
