"""A bounded load test: N concurrent clients for a fixed time, then one JSON line.

    python -m apps.serve.loadtest --url http://127.0.0.1:8501/v1/models/sentiment:predict \\
        --concurrency 8 --seconds 10

Each client sends one request at a time (a closed loop), cycling through `--texts` (one
per line; a few built-in reviews by default) as `{"instances": [text]}`, or posting
`--body` verbatim. Works against TF Serving too. Reports requests, errors (non-200
answers and transport failures), throughput and latency percentiles.

`--idle-connections N` also holds N connections open alongside, as a slow or hostile
client would: half send nothing, half a request line and one header but never the rest;
each one the server closes is opened again 0.1 s later. Their counts are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import numpy as np

DEFAULT_TEXTS = (
    "A moving, beautifully acted film.",
    "Two hours I will never get back.",
    "The plot was thin but the music carried it.",
    "I laughed, I cried, I would watch it again tomorrow.",
    "Dull, predictable and far too long.",
    "An honest, quiet story told with great care.",
)
MAX_ERROR_SAMPLES = 5
PARTIAL_HEADERS = b"POST /v1/models/sentiment:predict HTTP/1.1\r\nHost: loadtest\r\n"
REOPEN_AFTER_S = 0.1


def request_bodies(texts: list[str] | None = None, body: str | None = None):
    """Endless request bodies: `body` as is, or one text per request in turn."""
    if body is not None:
        return itertools.repeat(body.encode("utf-8"))
    texts = list(texts or DEFAULT_TEXTS)
    return (json.dumps({"instances": [t]}).encode("utf-8") for t in itertools.cycle(texts))


async def hold_idle_connections(url: str, count: int, stop: asyncio.Event) -> dict:
    """Keeps `count` connections to `url`'s server open without a whole request until
    `stop`; returns how many were opened and how many the server closed."""
    parts = urllib.parse.urlsplit(url)
    counts = {"idle_connections": count, "idle_opened": 0, "idle_closed_by_server": 0}

    async def one(partial: bool) -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
            except OSError:
                await asyncio.sleep(REOPEN_AFTER_S)
                continue
            counts["idle_opened"] += 1
            if partial:
                writer.write(PARTIAL_HEADERS)
            closed = asyncio.ensure_future(reader.read(1))
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if closed.done():
                counts["idle_closed_by_server"] += 1
            closed.cancel()
            stopped.cancel()
            writer.close()
            await asyncio.sleep(REOPEN_AFTER_S)

    await asyncio.gather(*(one(partial=i % 2 == 1) for i in range(count)))
    return counts


async def run_load_test(
    url: str,
    concurrency: int = 8,
    seconds: float = 10.0,
    bodies=None,
    timeout: float = 30.0,
    idle_connections: int = 0,
) -> dict:
    """Runs the clients and returns the summary (what the command prints)."""
    bodies = bodies or request_bodies()
    stop_idle = asyncio.Event()
    idle = asyncio.ensure_future(hold_idle_connections(url, idle_connections, stop_idle))
    if idle_connections:
        await asyncio.sleep(1.0)  # let them all connect first
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    error_samples: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=next(bodies), headers=headers)
                    statuses[str(response.status_code)] += 1
                    if response.status_code != 200 and len(error_samples) < MAX_ERROR_SAMPLES:
                        error_samples.append(f"{response.status_code}: {response.text[:300]}")
                except httpx.HTTPError as error:
                    statuses[type(error).__name__] += 1
                    if len(error_samples) < MAX_ERROR_SAMPLES:
                        error_samples.append(f"{type(error).__name__}: {error}")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    stop_idle.set()
    idle_counts = await idle
    milliseconds = np.array(latencies) * 1000
    requests = len(latencies)
    return {
        "url": url,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests": requests,
        "errors": requests - statuses.get("200", 0),
        "throughput_rps": round(requests / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 2) if requests else None,
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 2) if requests else None,
        "max_ms": round(float(milliseconds.max()), 2) if requests else None,
        "statuses": dict(statuses),
        "error_samples": error_samples,
        **(idle_counts if idle_connections else {}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m apps.serve.loadtest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--url", default="http://127.0.0.1:8501/v1/models/sentiment:predict", help="predict URL"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to run")
    parser.add_argument("--texts", type=Path, help="file of texts, one per line")
    parser.add_argument("--body", help="a JSON body to send as is (instead of texts)")
    parser.add_argument(
        "--idle-connections",
        type=int,
        default=0,
        help="connections held open alongside without a whole request (reopened when closed)",
    )
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.seconds <= 0 or args.idle_connections < 0:
        parser.error(
            "expected --concurrency >= 1, --seconds > 0 and --idle-connections >= 0; received "
            f"{args.concurrency}, {args.seconds} and {args.idle_connections}"
        )
    texts = None
    if args.texts:
        texts = [line for line in args.texts.read_text(encoding="utf-8").splitlines() if line]
    summary = asyncio.run(
        run_load_test(
            args.url,
            args.concurrency,
            args.seconds,
            request_bodies(texts, args.body),
            idle_connections=args.idle_connections,
        )
    )
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
