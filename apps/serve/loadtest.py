"""A bounded load test: N concurrent clients for a fixed time, then one JSON line.

    python -m apps.serve.loadtest --url http://127.0.0.1:8501/v1/models/sentiment:predict \\
        --concurrency 8 --seconds 10

Each client sends one request at a time (a closed loop), cycling through `--texts` (one
per line; a few built-in reviews by default) as `{"instances": [text]}`, or posting
`--body` verbatim. Works against TF Serving too. Reports requests, errors (non-200
answers and transport failures), throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import sys
import time
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


def request_bodies(texts: list[str] | None = None, body: str | None = None):
    """Endless request bodies: `body` as is, or one text per request in turn."""
    if body is not None:
        return itertools.repeat(body.encode("utf-8"))
    texts = list(texts or DEFAULT_TEXTS)
    return (json.dumps({"instances": [t]}).encode("utf-8") for t in itertools.cycle(texts))


async def run_load_test(
    url: str, concurrency: int = 8, seconds: float = 10.0, bodies=None, timeout: float = 30.0
) -> dict:
    """Runs the clients and returns the summary (what the command prints)."""
    bodies = bodies or request_bodies()
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
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.seconds <= 0:
        parser.error("expected --concurrency >= 1 and --seconds > 0")
    texts = None
    if args.texts:
        texts = [line for line in args.texts.read_text(encoding="utf-8").splitlines() if line]
    summary = asyncio.run(
        run_load_test(args.url, args.concurrency, args.seconds, request_bodies(texts, args.body))
    )
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
