"""Request merging: requests that arrive together share one signature call.

This is what TF Serving's batching session does (hence `BatchScheduler`, its name there);
not the XLA shape buckets (`shared/export/shape_buckets.py`) nor TF Serving's parameters
file (`shared/export/tf_serving_config.py`). As there: one queue per (version, signature,
input shapes); the first request in a queue waits up to `batch_timeout_s` for others, up
to `max_batch_size` rows; the merged batch runs once in a worker thread (the event loop
never blocks on TensorFlow) and each request gets its own rows back. Two differences,
both to keep one request from hurting another:

- Requests with more rows than `max_batch_size` are split into chunks of at most that
  many rows (TF Serving's `enable_large_batch_splitting`), whose answers are joined again.
- If a merged batch fails (say one request holds an out-of-range id), each request in it
  is run again on its own, so only the faulty one gets the error.

Rows of different shapes (e.g. `token_ids` of different lengths) are never padded to
merge: they go to different queues.

Back-pressure, as TF Serving's `max_enqueued_batches`: a request whose rows would make its
queue hold more than that many batches is refused at once (503 UNAVAILABLE, TF Serving's
words), rather than waiting behind work it cannot overtake. A request's chunks are
admitted all together or not at all; a queue that is empty always admits one request.
Tasks whose client has gone away are dropped when a batch is taken.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from apps.serve.errors import ServingError
from apps.serve.servable import LoadedVersion

Arrays = dict[str, np.ndarray]


@dataclasses.dataclass
class _Task:
    inputs: Arrays
    rows: int
    future: asyncio.Future
    arrived: float


@dataclasses.dataclass
class _Queue:
    version: LoadedVersion
    signature: str
    tasks: collections.deque = dataclasses.field(default_factory=collections.deque)
    rows: int = 0
    arrival: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    runner: asyncio.Task | None = None
    solo: bool = False  # one unbatchable request: nothing to wait for


@dataclasses.dataclass
class SignatureStats:
    """Counts for one (model, version, signature): how well requests were merged."""

    requests: int = 0  # chunks of requests, after splitting large ones
    rows: int = 0
    calls: int = 0  # signature invocations
    batch_rows: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def as_json(self) -> dict:
        return {
            "requests": self.requests,
            "rows": self.rows,
            "calls": self.calls,
            "max_batch_rows": max(self.batch_rows, default=0),
            "batch_rows": {str(k): v for k, v in sorted(self.batch_rows.items())},
        }


def _batch_rows(inputs: Arrays) -> int | None:
    """Rows shared by every input, or None when the inputs cannot be batched together."""
    leading = {a.shape[0] if a.ndim else None for a in inputs.values()}
    if len(leading) != 1 or None in leading:
        return None
    return leading.pop()


def _split(outputs: Arrays, sizes: list[int]) -> list[Arrays] | None:
    """Per-request outputs, or None if an output has no batch dimension to split on."""
    total = sum(sizes)
    if any(o.ndim == 0 or o.shape[0] != total for o in outputs.values()):
        return None
    offsets = np.cumsum([0, *sizes])
    return [
        {name: o[start:stop] for name, o in outputs.items()}
        for start, stop in zip(offsets[:-1], offsets[1:], strict=True)
    ]


def run_batch(version: LoadedVersion, signature: str, parts: list[Arrays]):
    """Worker thread: one call on the merged parts; `(results, calls)` where each result is
    the part's outputs or the exception it raised."""
    if len(parts) == 1:
        try:
            return [version.call(signature, parts[0])], 1
        except tf.errors.OpError as error:
            return [error], 1
    merged = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    try:
        split = _split(version.call(signature, merged), [_batch_rows(p) for p in parts])
    except tf.errors.OpError:
        split = None
    if split is not None:
        return split, 1
    # Run each part alone: only a faulty part fails, and outputs need no splitting.
    results = []
    for part in parts:
        try:
            results.append(version.call(signature, part))
        except tf.errors.OpError as error:
            results.append(error)
    return results, 1 + len(parts)


class BatchScheduler:
    """Merges concurrent requests per signature and runs them on worker threads.

    Args:
        max_batch_size: Most rows per signature call.
        batch_timeout_s: How long a batch's first request waits for more (0: no wait).
        num_batch_threads: Signature calls running at once.
        max_enqueued_batches: Most batches waiting in one queue; beyond it, 503.
    """

    def __init__(
        self,
        max_batch_size: int,
        batch_timeout_s: float,
        num_batch_threads: int,
        max_enqueued_batches: int = 100,
    ):
        self.max_batch_size = max_batch_size
        self.batch_timeout_s = batch_timeout_s
        self.max_enqueued_batches = max_enqueued_batches
        self.executor = ThreadPoolExecutor(num_batch_threads, thread_name_prefix="batch")
        self._num_threads = num_batch_threads
        self._slots: asyncio.Semaphore | None = None
        self._queues: dict[tuple, _Queue] = {}
        self._running: set[asyncio.Task] = set()
        self.stats: dict[tuple[str, int, str], SignatureStats] = collections.defaultdict(
            SignatureStats
        )

    async def run(self, version: LoadedVersion, signature: str, inputs: Arrays) -> Arrays:
        """The signature's outputs for `inputs`, computed in a (possibly shared) batch."""
        rows = _batch_rows(inputs)
        if not rows:  # nothing to batch on (or 0 rows): run alone
            return await self._submit(version, signature, inputs, rows or 0, key=None)
        chunks = [
            {name: a[start : start + self.max_batch_size] for name, a in inputs.items()}
            for start in range(0, rows, self.max_batch_size)
        ]
        key = (
            id(version),
            signature,
            tuple((n, a.dtype.str, a.shape[1:]) for n, a in sorted(inputs.items())),
        )
        self._admit(self._queues.get(key), rows)
        results = await asyncio.gather(
            *(self._submit(version, signature, c, _batch_rows(c), key) for c in chunks)
        )
        if len(results) == 1:
            return results[0]
        return {name: np.concatenate([r[name] for r in results]) for name in results[0]}

    def _admit(self, queue: _Queue | None, rows: int) -> None:
        """Refuses `rows` more rows if `queue` would then hold too many batches."""
        if queue is None or not queue.tasks:
            return
        batches = math.ceil((queue.rows + rows) / self.max_batch_size)
        if batches > self.max_enqueued_batches:
            raise ServingError(
                "UNAVAILABLE",
                "The batch scheduling queue to which this task was submitted is full "
                f"(at most {self.max_enqueued_batches} batches of {self.max_batch_size} rows "
                "wait per signature: --max-enqueued-batches). Retry later or send fewer rows.",
            )

    def _submit(self, version, signature, inputs, rows, key) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        task = _Task(inputs, rows, loop.create_future(), loop.time())
        solo = key is None
        if solo:  # unbatchable: a queue of its own, run at once
            key = (id(task),)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(version, signature, solo=solo)
        queue.tasks.append(task)
        queue.rows += rows
        queue.arrival.set()
        if queue.runner is None:
            queue.runner = asyncio.create_task(self._drain(key, queue))
        return task.future

    async def _drain(self, key: tuple, queue: _Queue) -> None:
        """Forms batches from `queue` until it is empty, then removes it."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._num_threads)
        try:
            while queue.tasks:
                await self._slots.acquire()
                try:
                    await self._wait_for_batch(queue)
                    batch = self._take(queue)
                except BaseException:
                    self._slots.release()
                    raise
                if not batch:  # every waiting client went away
                    self._slots.release()
                    continue
                running = asyncio.create_task(self._execute(queue, batch))
                self._running.add(running)
                running.add_done_callback(self._running.discard)
        finally:
            queue.runner = None
            if not queue.tasks and self._queues.get(key) is queue:
                del self._queues[key]

    async def _wait_for_batch(self, queue: _Queue) -> None:
        """Returns when the batch is full or its first request has waited long enough."""
        loop = asyncio.get_running_loop()
        deadline = queue.tasks[0].arrived + self.batch_timeout_s
        while not queue.solo and queue.rows < self.max_batch_size:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            queue.arrival.clear()
            try:
                await asyncio.wait_for(queue.arrival.wait(), remaining)
            except TimeoutError:
                return

    def _take(self, queue: _Queue) -> list[_Task]:
        """The next batch; tasks nobody waits for any more (client gone) are dropped."""
        batch, rows = [], 0
        while queue.tasks and (not batch or rows + queue.tasks[0].rows <= self.max_batch_size):
            task = queue.tasks.popleft()
            if task.future.done():
                queue.rows -= task.rows
                continue
            batch.append(task)
            rows += task.rows
        queue.rows -= rows
        return batch

    async def _execute(self, queue: _Queue, batch: list[_Task]) -> None:
        loop = asyncio.get_running_loop()
        try:
            results, calls = await loop.run_in_executor(
                self.executor, run_batch, queue.version, queue.signature, [t.inputs for t in batch]
            )
        except Exception as error:  # unexpected (not a TF error): every request gets it
            results, calls = [error] * len(batch), 1
        finally:
            self._slots.release()
        stats = self.stats[(queue.version.model, queue.version.version, queue.signature)]
        stats.requests += len(batch)
        stats.rows += sum(t.rows for t in batch)
        stats.calls += calls
        stats.batch_rows[sum(t.rows for t in batch)] += 1
        for task, result in zip(batch, results, strict=True):
            if task.future.done():  # the client went away
                continue
            if isinstance(result, BaseException):
                task.future.set_exception(result)
            else:
                task.future.set_result(result)

    def stats_json(self) -> list[dict]:
        return [
            {"model": model, "version": str(version), "signature": signature, **s.as_json()}
            for (model, version, signature), s in sorted(self.stats.items())
        ]

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
