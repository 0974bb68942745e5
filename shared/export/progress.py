"""One line per export stage on stderr, with the seconds since the export started.

An export is ~90 s of work in a few long steps (tracing the SavedModel, each TFLite
conversion, the checks against TensorFlow); without a word between them it looks hung.
The exporters announce each stage with `stage(...)`, a plain `logging` call that costs
nothing and prints nothing unless someone listens; the export command listens with
`reporting(...)`, which prints each stage as it starts:

    export sentiment [  0.0 s] loading run runs/sentiment/embedded-1a2b3c
    export sentiment [  2.9 s] writing the SavedModel (tracing 2 signatures)
    export sentiment [ 14.1 s] TFLite float16 (2/3): converting
    ...
    export sentiment [ 88.4 s] done: version 3

A stage's duration is the gap to the next line. Library callers (tests, notebooks) get
the same lines through their own logging set-up, under the logger `LOGGER_NAME`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from typing import TextIO

LOGGER_NAME = "shared.export.progress"
_log = logging.getLogger(LOGGER_NAME)


def stage(message: str, *args) -> None:
    """Announces the stage starting now (`message % args`, as `logging` formats it)."""
    _log.info(message, *args)


class _StageLines(logging.Handler):
    """Writes each record as `<label> [<elapsed> s] <message>`, flushed at once."""

    def __init__(self, label: str, stream: TextIO):
        super().__init__(logging.INFO)
        self.label = label
        self.stream = stream
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"{self.label} [{elapsed:5.1f} s] {record.getMessage()}\n")
            self.stream.flush()
        except Exception:  # a closed stream must not fail the export
            self.handleError(record)


@contextlib.contextmanager
def reporting(label: str, stream: TextIO | None = None) -> Iterator[None]:
    """Prints every `stage` announced inside the block as one line on `stream` (stderr).

    Args:
        label: starts every line, e.g. `"export sentiment"`.
        stream: where the lines go; None for `sys.stderr` as it is when the block opens.
    """
    handler = _StageLines(label, stream if stream is not None else sys.stderr)
    previous = _log.level, _log.propagate
    _log.addHandler(handler)
    _log.setLevel(logging.INFO)
    _log.propagate = False  # once here, not again through a root handler
    try:
        yield
    finally:
        _log.removeHandler(handler)
        _log.setLevel(previous[0])
        _log.propagate = previous[1]
