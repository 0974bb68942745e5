"""Train/validation splits of labelled texts that never put one text (or group) on both sides."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import train_test_split

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts
from shared.datasets.grouping import connected_roots
from shared.datasets.labels import LabelSet


def split_examples(
    data: LabelledTexts, label_ids: list[int], labels: LabelSet, fraction: float, seed: int
):
    """Stratified train/validation split by unique text, and by group when `data` has some.

    Copies of one text always land on the same side, so validation never scores a text
    the model trained on (IMDB has 96 exact repeats; generated corpora have more). With
    groups (`data.groups`, e.g. the film of each review) every group lands on one side too,
    so validation scores films the model never read about (see `grouped_split`).
    """
    if data.groups is not None:
        return grouped_split(data, label_ids, labels, fraction, seed)
    first_index: dict[str, int] = {}
    for index, text in enumerate(data.texts):
        first_index.setdefault(text, index)
    unique = list(first_index.values())
    unique_labels = [label_ids[i] for i in unique]
    counts = {labels.names[c]: unique_labels.count(c) for c in sorted(set(unique_labels))}
    if min(counts.values()) < 2:
        raise DataError(
            "Expected at least 2 distinct texts of every class to hold some out for "
            f"validation. Received {counts}. Add data or pass --validation-data."
        )
    try:
        train_unique, _ = train_test_split(
            unique, test_size=fraction, random_state=seed, stratify=unique_labels
        )
    except ValueError as error:  # too few texts for a stratified split of that size
        raise DataError(
            f"Expected enough distinct texts to hold out {fraction:.0%} with every class "
            f"represented. Received {len(unique)} distinct texts ({counts}): {error}. "
            "Add data, raise --validation-split, or pass --validation-data."
        ) from None
    train_texts = {data.texts[i] for i in train_unique}
    train_idx = [i for i, text in enumerate(data.texts) if text in train_texts]
    val_idx = [i for i, text in enumerate(data.texts) if text not in train_texts]
    return train_idx, val_idx


def grouped_split(
    data: LabelledTexts, label_ids: list[int], labels: LabelSet, fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Train/validation split that keeps every group, and every text, on one side.

    Examples that share a group or a text are joined (union-find), so a film never sits on
    both sides and neither does a review repeated under two films; examples with no group
    (`""`) are joined by text alone. scikit-learn's StratifiedGroupKFold then deals the
    joined groups into `round(1 / fraction)` folds with class shares as even as it can, and
    the first fold is held out: the validation share is the nearest `1/k` to `fraction`.
    """
    components = connected_roots(
        (("text", text), ("group", group)) if group else (("text", text),)
        for text, group in zip(data.texts, data.groups, strict=True)
    )
    folds = max(2, round(1 / fraction))
    counts = {labels.names[c]: label_ids.count(c) for c in sorted(set(label_ids))}
    joined = len(set(components))
    if joined < folds:
        raise DataError(
            f"Expected at least {folds} separate {data.group_name} groups to hold out "
            f"{fraction:.0%} of them for validation. Received {joined} (examples sharing a "
            f"{data.group_name} or a text are joined). Add data, pass --validation-data, or "
            "--group-column none for a random split."
        )
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    train_idx, val_idx = next(splitter.split(np.zeros(len(data)), label_ids, components))
    for side, indices in (("training", train_idx), ("validation", val_idx)):
        missing = sorted(set(counts) - {labels.names[label_ids[i]] for i in indices})
        if missing:
            raise DataError(
                f"Expected every class on the {side} side of the split grouped by "
                f"{data.group_name}. Received none of {missing} ({counts} in {joined} "
                "groups). Add data, pass --validation-data, or --group-column none for a "
                "random split."
            )
    return sorted(train_idx.tolist()), sorted(val_idx.tolist())


def describe_split(data: LabelledTexts, val_idx: Sequence[int]) -> str:
    """What `split_examples` held out and how, e.g. `2,484 examples of 343 movies held out
    (grouped by movie: none of them in training)`."""
    if data.groups is None:
        return f"{len(val_idx):,} examples held out (random, stratified, by unique text)"
    held_out = len({data.groups[i] for i in val_idx} - {""})
    groups = data.group_name + ("" if held_out == 1 else "s")
    return (
        f"{len(val_idx):,} examples of {held_out:,} {groups} held out "
        f"(grouped by {data.group_name}: none of them in training)"
    )
