"""Collecting the rows a loader cannot use: one error listing them all, or skip them."""

from __future__ import annotations

from shared.datasets.errors import DataError
from shared.datasets.examples import RejectedRow

MAX_LISTED_PROBLEMS = 10
ON_BAD_ROWS_CHOICES = ("error", "skip")


class BadRows:
    """Collects the rows a loader cannot use, then rejects them or raises one error.

    Loaders report every problem in one pass so that a user fixes a file once rather than
    once per bad row.

    Args:
        source: the file or folder being read, named in the summary error.
        on_bad_rows: `"error"` to raise at the end if any row was bad, `"skip"` to keep
            the bad rows as `RejectedRow`s instead.
    """

    def __init__(self, source: str, on_bad_rows: str):
        if on_bad_rows not in ON_BAD_ROWS_CHOICES:
            raise ValueError(
                f"Expected on_bad_rows to be one of {list(ON_BAD_ROWS_CHOICES)}. "
                f"Received: {on_bad_rows!r}."
            )
        self.source = source
        self.skip = on_bad_rows == "skip"
        self.count = 0
        self.rejected: list[RejectedRow] = []
        self._listed: list[str] = []
        self._hints: dict[str, None] = {}  # A dict keeps hints unique and in order.

    def add(self, origin: str, reason: str, raw: str, hint: str | None = None) -> None:
        """Records one bad row.

        Args:
            origin: where the row is, as `path:line` or a file path.
            reason: what is wrong with it.
            raw: the row's raw text, kept for the rejected-rows file.
            hint: an optional sentence on how to fix this kind of problem, said once.
        """
        self.count += 1
        if self.skip:
            self.rejected.append(RejectedRow(origin=origin, reason=reason, raw=raw))
        elif len(self._listed) < MAX_LISTED_PROBLEMS:
            self._listed.append(f"  {origin}: {reason}")
        if hint:
            self._hints[hint] = None

    def finish(self, good: int) -> list[RejectedRow]:
        """Raises if bad rows must stop the load, else returns the rejected rows.

        Args:
            good: how many usable examples the loader found.

        Returns:
            The rejected rows (empty unless skipping).

        Raises:
            DataError: in `"error"` mode when any row was bad, or when every row was bad.
        """
        if not self.count or (self.skip and good):
            return self.rejected
        if self.skip:
            # Every row was bad; say why, as error mode would, instead of returning nothing.
            self._listed = [f"  {r.origin}: {r.reason}" for r in self.rejected]
        lines = self._listed[:MAX_LISTED_PROBLEMS]
        if self.count > len(lines):
            lines.append(f"  ... and {self.count - len(lines)} more.")
        message = (
            f"{self.source}: expected every row to hold a usable example. Received: "
            f"{self.count} bad row(s) out of {self.count + good}:\n" + "\n".join(lines)
        )
        for hint in self._hints:
            message += f"\n{hint}"
        if good:
            message += (
                "\nFix them, or pass --on-bad-rows skip to skip them (the skipped rows are "
                "then written to the run directory)."
            )
        else:
            message += "\nNo examples are left, so there is nothing to skip to."
        raise DataError(message)
