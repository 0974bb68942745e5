"""Mapping raw label values to class ids, and back to names."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts
from shared.training.damage import read_json

# IMDB, SST-2 and most sentiment files use 0 = negative, 1 = positive.
BINARY_SENTIMENT_NAMES = ("negative", "positive")
# The spellings of (negative, positive) in common files: SST-2/IMDB ids, names, and the
# aclImdb folder names. A model with two classes named by one of the named pairs reads
# labels spelled by any of them.
BINARY_SENTIMENT_SPELLINGS = (("0", "1"), BINARY_SENTIMENT_NAMES, ("neg", "pos"))
MAX_ERRORS_SHOWN = 10
# A class this rare in training data is more likely a typo than a class: under 1% of the
# rows and at most this many (a class that size could not be learned anyway).
ODD_LABEL_MAX_ROWS = 10


@dataclasses.dataclass(frozen=True)
class LabelSet:
    """The classes a model predicts: `names[i]` is class id `i`.

    `aliases` maps raw values seen in data files to ids. `encode` also accepts every
    class name, and for a binary sentiment model (classes negative/positive or neg/pos)
    the other usual spellings (`0/1`, `negative/positive`, `neg/pos`), so a model trained
    on `0/1` files can be evaluated on files labelled `negative/positive` and vice versa.
    """

    names: tuple[str, ...]
    aliases: dict[str, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def infer(
        cls,
        data: LabelledTexts,
        names: tuple[str, ...] | None = None,
        allow_odd: bool = False,
    ) -> LabelSet:
        """Decides the classes from training data.

        A label that looks like a typo (see `odd_labels`) would silently become a class of
        its own, so it is refused unless `names` gives one name per label or `allow_odd`
        accepts it (then a warning goes to stderr).

        Args:
            data: the training examples.
            names: optional class names for sorted integer labels (`--label-names`).
            allow_odd: accept odd labels as classes (`--allow-odd-labels`).

        Raises:
            DataError: fewer than two classes, `names` that do not fit the labels, or odd
                labels (named with their rows) without `names` or `allow_odd`.
        """
        values = sorted(set(data.labels), key=_natural_key)
        source = data.origins[0].rsplit(":", 1)[0] if data.origins else "data"
        if len(values) < 2:
            raise DataError(
                f"{source}: expected at least 2 distinct labels to train a classifier. "
                f"Received only {values!r} in {len(data)} examples."
            )
        odd = odd_labels(data.labels)
        if odd and names is None:
            listed = _describe_odd(odd, data)
            if not allow_odd:
                raise DataError(
                    f"{source}: expected the labels of the classes to learn. Received "
                    f"labels that look like typos: {listed}. Fix those rows, or pass "
                    "--allow-odd-labels to train on them as classes of their own (or "
                    f"--label-names with one name for each of {values})."
                )
            print(f"warning: {source}: odd labels kept as classes: {listed}", file=sys.stderr)
        all_integers = all(_is_int(v) for v in values)
        if names is None and all_integers and [int(v) for v in values] == [0, 1]:
            names = BINARY_SENTIMENT_NAMES
        if names is not None:
            if len(names) != len(values):
                hint = f"; of these, {_describe_odd(odd, data)} look like typos" if odd else ""
                raise DataError(
                    f"{source}: expected {len(values)} label names for the labels {values}"
                    f"{hint}. Received {len(names)}: {list(names)}"
                )
            aliases = {v: i for i, v in enumerate(values)}
            aliases.update({n: i for i, n in enumerate(names)})
            return cls(tuple(names), aliases)
        return cls(tuple(values), {v: i for i, v in enumerate(values)})

    def __len__(self) -> int:
        return len(self.names)

    def accepted_labels(self) -> dict[str, int]:
        """Every raw label value `encode` maps to a class id.

        The model's own `aliases` win over the rest (a run trained with
        `--label-names positive,negative` keeps its `0` = positive).
        """
        accepted: dict[str, int] = {}
        folded_names = [name.strip().lower() for name in self.names]
        for named in BINARY_SENTIMENT_SPELLINGS[1:]:
            if len(self.names) == 2 and sorted(folded_names) == sorted(named):
                negative = folded_names.index(named[0])
                for negative_label, positive_label in BINARY_SENTIMENT_SPELLINGS:
                    accepted[negative_label] = negative
                    accepted[positive_label] = 1 - negative
        accepted.update({name: i for i, name in enumerate(self.names)})
        accepted.update(self.aliases)
        return accepted

    def encode(self, data: LabelledTexts) -> list[int]:
        """Class ids for `data.labels`; unknown values raise one error listing them all."""
        ids, unknown = [], []
        accepted = self.accepted_labels()
        # Case and surrounding spaces never distinguish classes: "Pos", " pos" are "pos".
        folded = {k.strip().lower(): v for k, v in accepted.items()}
        for label, origin in zip(data.labels, data.origins, strict=True):
            class_id = accepted.get(label)
            if class_id is None:
                class_id = folded.get(label.strip().lower())
            if class_id is None:
                unknown.append(f"{origin}: label {label!r}")
            ids.append(class_id)
        if unknown:
            shown = "\n  ".join(unknown[:MAX_ERRORS_SHOWN])
            raise DataError(
                f"Expected labels among {sorted(accepted, key=_natural_key)} (the classes "
                f"this model was trained on). Received {len(unknown)} unknown label(s):\n  {shown}"
            )
        return ids

    def to_json(self) -> dict:
        return {"names": list(self.names), "aliases": self.aliases}

    @classmethod
    def from_json(cls, value: dict) -> LabelSet:
        return cls(tuple(value["names"]), {k: int(v) for k, v in value["aliases"].items()})

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LabelSet:
        return cls.from_json(read_json(path))


def odd_labels(labels: list[str]) -> list[str]:
    """The label values that look like typos rather than classes.

    - words among integer labels (`maybe` among `0`/`1`), or integers among words: the
      kind with fewer rows is odd;
    - spellings that differ from another label only in case or spaces (`Positive` beside
      `positive`): the rarer spelling is odd;
    - a label on under 1% of the rows and at most `ODD_LABEL_MAX_ROWS` rows (`postive`).
    """
    counts = Counter(labels)
    total = sum(counts.values())
    odd = set()
    integers = {v for v in counts if _is_int(v)}
    if integers and len(integers) < len(counts):
        words = set(counts) - integers
        integer_rows = sum(counts[v] for v in integers)
        odd |= words if integer_rows >= total - integer_rows else integers
    by_folded: dict[str, list[str]] = {}
    for value in counts:
        by_folded.setdefault(value.strip().lower(), []).append(value)
    for spellings in by_folded.values():
        if len(spellings) > 1:
            odd |= set(sorted(spellings, key=lambda v: -counts[v])[1:])
    odd |= {v for v, n in counts.items() if n * 100 < total and n <= ODD_LABEL_MAX_ROWS}
    return sorted(odd, key=_natural_key)


def _describe_odd(odd: list[str], data: LabelledTexts) -> str:
    """`'maybe' (1 row: train.csv:17)`, for each odd label."""
    parts = []
    for value in odd:
        rows = [o for o, label in zip(data.origins, data.labels, strict=True) if label == value]
        shown = ", ".join(rows[:MAX_ERRORS_SHOWN]) + (
            ", ..." if len(rows) > MAX_ERRORS_SHOWN else ""
        )
        parts.append(f"{value!r} ({len(rows)} row{'s' if len(rows) != 1 else ''}: {shown})")
    return "; ".join(parts)


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _natural_key(value: str):
    return (0, int(value), "") if _is_int(value) else (1, 0, value)
