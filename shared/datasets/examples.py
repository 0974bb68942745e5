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


@dataclasses.dataclass(frozen=True)
class LabelledTexts:
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

    def __post_init__(self):
        if not (len(self.texts) == len(self.labels) == len(self.origins)):
            raise ValueError(
                "Expected texts, labels and origins of equal length. Received: "
                f"{len(self.texts)} texts, {len(self.labels)} labels, "
                f"{len(self.origins)} origins."
            )
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

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices) -> LabelledTexts:
        """Returns the examples at `indices` (in that order); rejected rows stay behind."""
        return LabelledTexts(
            texts=[self.texts[i] for i in indices],
            labels=[self.labels[i] for i in indices],
            origins=[self.origins[i] for i in indices],
            groups=None if self.groups is None else [self.groups[i] for i in indices],
            group_name=self.group_name,
        )
