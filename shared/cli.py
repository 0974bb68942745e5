"""Conventions every app's command line shares: run folders, errors, JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

RUNS_ROOT = Path("runs")


def quiet_tensorflow() -> None:
    """Hides TensorFlow's C++ start-up chatter unless the user asked for it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def latest_finished_run(app: str, runs_root: Path = RUNS_ROOT) -> Path:
    """The most recently finished run of `app`, for commands given no `--run-dir`."""
    candidates = sorted(
        (p.parent for p in (runs_root / app).glob("*/model.keras")),
        key=lambda p: (p / "model.keras").stat().st_mtime,
    )
    if not candidates:
        raise FileNotFoundError(
            f"Expected a trained model under {runs_root / app}/*/model.keras. Received: none. "
            f"Train one first (`python -m apps.{app} train`) or pass --run-dir."
        )
    return candidates[-1]


def print_json_line(value: dict, stream=None) -> None:
    """One JSON object per line, non-ASCII kept readable."""
    stream = stream or sys.stdout
    stream.write(json.dumps(value, ensure_ascii=False) + "\n")
    stream.flush()


def run_command(command: Callable[[], int]) -> int:
    """Runs a CLI command; expected failures print `error: ...` and exit 2, no traceback."""
    from shared.data.errors import DataError  # noqa: PLC0415 (keep import light)

    try:
        return command()
    except (DataError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: the last completed epoch is checkpointed; run the same command "
            "again to resume.",
            file=sys.stderr,
        )
        return 130
