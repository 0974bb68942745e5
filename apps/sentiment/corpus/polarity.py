"""The two labels of the embedded sentiment corpus, and how its generators deal them out."""

from __future__ import annotations

import random
from collections.abc import Sequence

POSITIVE = "positive"
NEGATIVE = "negative"


def balanced_polarities(count: int, rng: random.Random) -> list[int]:
    """`count` polarities (+1 positive, -1 negative), half each (one more -1 when `count`
    is odd), shuffled by `rng`."""
    polarities = [1] * (count // 2) + [-1] * (count - count // 2)
    rng.shuffle(polarities)
    return polarities


def polarity_labels(polarities: Sequence[int]) -> list[str]:
    """The label of each polarity: `"positive"` for +1, `"negative"` for -1."""
    return [POSITIVE if polarity > 0 else NEGATIVE for polarity in polarities]
