"""Side-by-side latency of exported SavedModels, as a server would call them.

Every candidate is loaded from disk (not the Keras objects in memory) and called through
its signature with the same requests, interleaved round by round so a noisy shared
machine slows every candidate alike; ratios are what to read, not absolute times.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf

from shared.edge.timing import interleaved_latency


def compare_latency(
    candidates: dict[str, tuple[Path, str]],
    cases: dict[str, dict[str, dict[str, np.ndarray]]],
    repeats: int = 50,
) -> list[dict]:
    """Times each candidate on each case.

    Args:
        candidates: name -> (SavedModel folder, signature name).
        cases: case name -> candidate name -> signature inputs. A candidate missing
            from a case is skipped for it (e.g. an ids-only model on a text case).
        repeats: timed calls per candidate and case, after two untimed ones.

    Returns:
        One row per (case, candidate): p50 and p99 in milliseconds.
    """
    functions = {
        name: tf.saved_model.load(str(path)).signatures[signature]
        for name, (path, signature) in candidates.items()
    }
    cases_of_calls = {
        case: {
            name: functools.partial(functions[name], **{k: tf.constant(v) for k, v in i.items()})
            for name, i in inputs_by_candidate.items()
        }
        for case, inputs_by_candidate in cases.items()
    }
    # Two untimed calls trace and compile for each shape before timing.
    return compare_calls(cases_of_calls, repeats, warmup=2)


def compare_calls(
    cases: dict[str, dict[str, Callable[[], object]]], repeats: int = 200, warmup: int = 5
) -> list[dict]:
    """Times zero-argument callables case by case, interleaved (any runtime: LiteRT, TF).

    Returns:
        One row per (case, candidate) with `p50_ms` and `p99_ms`, as `compare_latency`.
    """
    rows = []
    for case, calls in cases.items():
        for name, summary in interleaved_latency(calls, repeats, warmup).items():
            rows.append(
                {
                    "case": case,
                    "candidate": name,
                    "p50_ms": round(summary["median_ms"], 3),
                    "p99_ms": round(summary["p99_ms"], 3),
                }
            )
    return rows


def format_table(rows: list[dict], reference: str) -> str:
    """Markdown table with each candidate's p50 relative to `reference` in the same case."""
    reference_p50 = {r["case"]: r["p50_ms"] for r in rows if r["candidate"] == reference}
    lines = [
        "| case | candidate | p50 ms | p99 ms | speed-up vs " + reference + " |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        base = reference_p50.get(row["case"])
        ratio = f"{base / row['p50_ms']:.2f}x" if base else "-"
        lines.append(
            f"| {row['case']} | {row['candidate']} | {row['p50_ms']} | {row['p99_ms']} | {ratio} |"
        )
    return "\n".join(lines)
