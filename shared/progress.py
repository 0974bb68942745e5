"""A progress line on stderr for long loops (evaluation), never on stdout.

stdout of the command lines is for results (JSON lines); progress goes to stderr. On a
terminal the line is redrawn in place; in a log or a pipe a line is written at each
quarter, so logs stay short.
"""

from __future__ import annotations

import sys
import time

QUARTERS = (0.25, 0.5, 0.75, 1.0)


class ProgressLine:
    """`<label>: <done>/<total> <unit> (<percent>%, <seconds> s)` on stderr.

    Args:
        label: what is being done, e.g. "evaluating".
        total: how many items there are.
        unit: what an item is, e.g. "texts".
        stream: where to write (default: `sys.stderr`, looked up at creation).
        min_interval: seconds between redraws on a terminal.

    Example:
        >>> progress = ProgressLine("evaluating", 872, "texts")
        >>> for batch in batches:
        ...     progress.advance(len(batch))
        >>> progress.close()
    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str = "",
        stream=None,
        min_interval: float = 0.2,
    ):
        self.label = label
        self.total = max(int(total), 0)
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._quarters_written = 0
        self._closed = False
        isatty = getattr(self.stream, "isatty", None)
        self.interactive = bool(isatty and isatty())

    def text(self) -> str:
        percent = 100 * self.done / self.total if self.total else 100.0
        unit = f" {self.unit}" if self.unit else ""
        seconds = time.monotonic() - self.started
        return f"{self.label}: {self.done}/{self.total}{unit} ({percent:.0f}%, {seconds:.1f} s)"

    def advance(self, count: int) -> None:
        """Marks `count` more items done and redraws when it is time."""
        self.done = min(self.done + int(count), self.total)
        if self.interactive:
            now = time.monotonic()
            if now - self._last_draw >= self.min_interval or self.done == self.total:
                self._last_draw = now
                self.stream.write("\r" + self.text())
                self.stream.flush()
            return
        fraction = self.done / self.total if self.total else 1.0
        reached = sum(fraction >= q for q in QUARTERS)
        if reached > self._quarters_written:
            self._quarters_written = reached
            self.stream.write(self.text() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Ends the line (on a terminal) after the last redraw."""
        if self._closed:
            return
        self._closed = True
        if self.interactive:
            self.stream.write("\r" + self.text() + "\n")
            self.stream.flush()
        elif self._quarters_written < len(QUARTERS):
            self.stream.write(self.text() + "\n")
            self.stream.flush()
