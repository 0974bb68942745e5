"""Plain containers for labelled texts as they come out of the loaders."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class RejectedRow:
    """A row a loader could not use, kept so that nothing is silently lost.

    Attributes:
        origin: where it came from, as `path:line`.
        reason: what was wrong, e.g. `expected 2 fields, received 3`.
        raw: the row's raw text (decoded with replacement characters if it was not UTF-8).
    """

    origin: str
    reason: str
    raw: str


def report_rejected_rows(rejected: list[RejectedRow], path: Path) -> None:
    """Writes skipped rows to a TSV (origin, reason, raw) and says so: nothing is lost."""
    if not rejected:
        return
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(["origin", "reason", "raw"])
        for row in rejected:
            writer.writerow([row.origin, row.reason, row.raw])
    print(
        f"skipped {len(rejected)} bad row(s), e.g. {rejected[0].origin}: {rejected[0].reason}; "
        f"all listed in {path}"
    )


def require_equal_lengths(**columns: list) -> None:
    """Raises unless the parallel lists of a container are equally long.

    Raises:
        ValueError: e.g. `Expected texts, labels and origins of equal length. Received:
            3 texts, 2 labels, 3 origins.`
    """
    if len({len(values) for values in columns.values()}) > 1:
        *names, last = columns
        counts = ", ".join(f"{len(values)} {name}" for name, values in columns.items())
        raise ValueError(
            f"Expected {', '.join(names)} and {last} of equal length. Received: {counts}."
        )


def take(values: list, indices) -> list:
    """The items of `values` at `indices`, in that order."""
    return [values[i] for i in indices]


class ParallelLists:
    """What a container of parallel lists (one item per example) shares: its length, the
    check that the lists agree, and their items at some indices. A subclass names its
    lists in `PARALLEL`, the first one counting the examples."""

    PARALLEL: tuple[str, ...] = ()

    def require_equal_lengths(self) -> None:
        require_equal_lengths(**{name: getattr(self, name) for name in self.PARALLEL})

    def __len__(self) -> int:
        return len(getattr(self, self.PARALLEL[0]))

    def taken(self, indices) -> dict[str, list]:
        """Each parallel list's items at `indices`, by list name."""
        return {name: take(getattr(self, name), indices) for name in self.PARALLEL}


@dataclasses.dataclass(frozen=True)
class LabelledTexts(ParallelLists):
    """Texts with their raw label values, in file order.

    Attributes:
        texts: the texts as read, surrounding whitespace stripped (no other normalisation).
        labels: the raw label values as strings (`"1"`, `"pos"`, ...); mapping them to
            class ids is the job of `shared.datasets.labels.LabelSet`.
        origins: `path:line` (or a file path) for each example, for error messages.
        rejected: rows that were skipped (only when the loader was told to skip).
        groups: optional group of each example (e.g. the film a review is about), for
            validation splits that keep a group on one side; `""` where it is unknown.
            None when the source has no groups.
        group_name: what the groups are, e.g. `"movie"` (the column they came from); set
            exactly when `groups` is.
    """

    texts: list[str]
    labels: list[str]
    origins: list[str]
    rejected: list[RejectedRow] = dataclasses.field(default_factory=list)
    groups: list[str] | None = None
    group_name: str | None = None

    PARALLEL = ("texts", "labels", "origins")

    def __post_init__(self):
        self.require_equal_lengths()
        if (self.groups is None) != (self.group_name is None):
            raise ValueError(
                "Expected groups and group_name to be given together. Received: "
                f"groups {'absent' if self.groups is None else 'present'}, "
                f"group_name {self.group_name!r}."
            )
        if self.groups is not None and len(self.groups) != len(self.texts):
            raise ValueError(
                "Expected one group per text. Received: "
                f"{len(self.groups)} groups for {len(self.texts)} texts."
            )

    def subset(self, indices) -> LabelledTexts:
        """Returns the examples at `indices` (in that order); rejected rows stay behind."""
        return LabelledTexts(
            **self.taken(indices),
            groups=None if self.groups is None else take(self.groups, indices),
            group_name=self.group_name,
        )
