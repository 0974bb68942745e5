"""Mapping raw label values to class ids, and back to names."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts

# IMDB, SST-2 and most sentiment files use 0 = negative, 1 = positive.
BINARY_SENTIMENT_NAMES = ("negative", "positive")
# The spellings of (negative, positive) in common files: SST-2/IMDB ids, names, and the
# aclImdb folder names. A model with two classes named by one of the named pairs reads
# labels spelled by any of them.
BINARY_SENTIMENT_SPELLINGS = (("0", "1"), BINARY_SENTIMENT_NAMES, ("neg", "pos"))
MAX_ERRORS_SHOWN = 10


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
    def infer(cls, data: LabelledTexts, names: tuple[str, ...] | None = None) -> LabelSet:
        """Decides the classes from training data.

        Args:
            data: the training examples.
            names: optional class names for sorted integer labels (`--label-names`).

        Raises:
            DataError: fewer than two classes, or `names` that do not fit the labels.
        """
        values = sorted(set(data.labels), key=_natural_key)
        source = data.origins[0].rsplit(":", 1)[0] if data.origins else "data"
        if len(values) < 2:
            raise DataError(
                f"{source}: expected at least 2 distinct labels to train a classifier. "
                f"Received only {values!r} in {len(data)} examples."
            )
        all_integers = all(_is_int(v) for v in values)
        if names is None and all_integers and [int(v) for v in values] == [0, 1]:
            names = BINARY_SENTIMENT_NAMES
        if names is not None:
            if len(names) != len(values):
                raise DataError(
                    f"{source}: expected {len(values)} label names for the labels {values}. "
                    f"Received {len(names)}: {list(names)}"
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
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _natural_key(value: str):
    return (0, int(value), "") if _is_int(value) else (1, 0, value)
