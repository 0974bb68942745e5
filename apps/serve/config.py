"""Settings of the serving endpoint: one frozen dataclass, defaults here, CLI flags override."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from shared.ids import MAX_SERVING_BATCH

# TF Serving's REST port, so clients need no change between this server and TF Serving.
DEFAULT_PORT = 8501
MAX_PORT = 65535
WARMUP_CHOICES = ("first", "all")


@dataclasses.dataclass(frozen=True)
class ServeConfig:
    """What `python -m apps.serve` runs with.

    Args:
        model_root: TF Serving's layout, `<model_root>/<model>/<integer version>/`.
        host: Interface to bind; loopback unless told otherwise, as nothing authenticates.
        port: HTTP port (TF Serving's REST default).
        max_batch_size: Most rows one signature call gets after merging requests (TF
            Serving's `max_batch_size`); the exports compile XLA shapes up to
            `shared.ids.MAX_SERVING_BATCH` rows, so a larger value compiles new shapes on
            first use.
        batch_timeout_ms: How long the first request of a batch waits for others (TF
            Serving's `batch_timeout_micros`, in milliseconds).
        num_batch_threads: Signature calls that may run at once (TF Serving's
            `num_batch_threads`).
        max_enqueued_batches: Most batches that may wait in one signature's queue (TF
            Serving's `max_enqueued_batches`); a request that would exceed it is refused
            at once with 503 UNAVAILABLE instead of waiting behind the others.
        limit_concurrency: Most connections and requests uvicorn handles at once; beyond
            it new ones get 503 before their body is read (uvicorn's `limit_concurrency`).
            Connections still waiting for a request's headers do not hold it: a new
            connection closes the oldest of them instead.
        header_timeout_s: A connection's request headers must be complete within this
            many seconds of its opening (or of its last response), else it is closed.
        body_timeout_s: A request's body must be complete within this many seconds of
            its headers, else the request gets 408 and the connection is closed.
        max_waiting_per_client: Most connections one client address may keep open while
            they wait for request headers; a new one closes that client's oldest.
        poll_seconds: How often `model_root` is scanned for new versions (TF Serving's
            `--file_system_poll_wait_seconds`).
        version_settle_s: A new version folder is loaded only once none of its files has
            changed for this many seconds, so a version being copied in is not loaded
            (and warmed up) half-way; it is LOADING meanwhile.
        warmup_before_available: "first": a version is AVAILABLE once the first warmup
            request of each signature at the smallest batch size is replayed (a lone
            client's short request), and the others are replayed while it serves, smaller
            batches first; "all": every warmup request first (TF Serving's way, minutes
            with XLA: each shape compiles for seconds).
        load_retry_interval_s: How long after a failed load the version is tried again
            (TF Serving's `load_retry_interval_micros`, 60 s); a change of the version
            folder's files retries it at the next poll.
        max_load_retries: Most retries of a failed version after the interval (TF
            Serving's `max_num_load_retries`); a change of its files always retries.
        max_body_bytes: Largest request body accepted.
        max_instances: Most rows (instances) one predict request may carry; requests over
            `max_batch_size` rows are split into several signature calls.
        max_text_chars: Longest string accepted in a string input, in characters.
    """

    model_root: Path = Path("saved_models")
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_batch_size: int = MAX_SERVING_BATCH
    batch_timeout_ms: float = 2.0
    num_batch_threads: int = 2
    max_enqueued_batches: int = 100
    limit_concurrency: int = 512
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_waiting_per_client: int = 32
    poll_seconds: float = 2.0
    version_settle_s: float = 2.0
    warmup_before_available: str = "first"
    load_retry_interval_s: float = 60.0
    max_load_retries: int = 5
    max_body_bytes: int = 1 << 20
    max_instances: int = 256
    max_text_chars: int = 5000

    def __post_init__(self):
        if not 0 <= self.port <= MAX_PORT:
            raise ValueError(
                f"Expected port between 0 and {MAX_PORT} (0: any free port). Received: {self.port}"
            )
        positive = (
            "max_batch_size",
            "num_batch_threads",
            "max_enqueued_batches",
            "limit_concurrency",
            "max_waiting_per_client",
            "max_body_bytes",
            "max_instances",
            "max_text_chars",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"Expected {name} >= 1. Received: {getattr(self, name)}")
        if self.warmup_before_available not in WARMUP_CHOICES:
            raise ValueError(
                f"Expected warmup_before_available in {', '.join(WARMUP_CHOICES)}. "
                f"Received: {self.warmup_before_available}"
            )
        if self.version_settle_s < 0:
            raise ValueError(f"Expected version_settle_s >= 0. Received: {self.version_settle_s}")
        for name in ("header_timeout_s", "body_timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Expected {name} > 0. Received: {getattr(self, name)}")
        if self.max_load_retries < 0:
            raise ValueError(f"Expected max_load_retries >= 0. Received: {self.max_load_retries}")
        if self.batch_timeout_ms < 0 or self.poll_seconds <= 0 or self.load_retry_interval_s <= 0:
            raise ValueError(
                "Expected batch_timeout_ms >= 0, poll_seconds > 0 and load_retry_interval_s > 0. "
                f"Received: {self.batch_timeout_ms}, {self.poll_seconds}, "
                f"{self.load_retry_interval_s}"
            )
