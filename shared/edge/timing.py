"""Latency of model calls: medians and percentiles, several candidates timed interleaved."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def measure_latency(
    fn: Callable[[], object], repeats: int = 100, warmup: int = 5
) -> dict[str, float]:
    """Times `fn()` (one model call on fixed inputs) and summarises it in milliseconds.

    Args:
        fn: a zero-argument callable; its result is discarded.
        repeats: timed calls (>= 1); report the median of at least 100 for comparisons.
        warmup: untimed calls first (allocation, XNNPACK packing, graph tracing).

    Returns:
        `{"median_ms", "p10_ms", "p90_ms", "p99_ms", "min_ms", "repeats"}`.
    """
    return interleaved_latency({"fn": fn}, repeats, warmup)["fn"]


def interleaved_latency(
    functions: dict[str, Callable[[], object]], repeats: int = 100, warmup: int = 5
) -> dict[str, dict[str, float]]:
    """Times several zero-argument callables in interleaved rounds (one call of each per
    round), so load from other processes on a shared machine hits all of them alike.

    Returns:
        name -> the summary `measure_latency` returns.
    """
    if repeats < 1:
        raise ValueError(f"Expected repeats >= 1. Received: {repeats}")
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000.0)
    return {name: _summary(sorted(values)) for name, values in times.items()}


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": statistics.median(times),
        "p10_ms": times[int(0.1 * (len(times) - 1))],
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "p99_ms": times[int(0.99 * (len(times) - 1))],
        "min_ms": times[0],
        "repeats": len(times),
    }
