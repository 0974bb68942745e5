"""The embedded slice of Tatoeba Spanish-English sentence pairs (CC BY 2.0 FR).

Real everyday sentences for the default models: the sentiment app takes label-free English
sentences from them as neutral context (the translation default does not use them yet:
see README, "Data and licences"). Attribution, as the licence asks: www.manythings.org/anki and
tatoeba.org (see README.md in this folder for how the slice was made).
"""

from __future__ import annotations

import csv
import lzma
from functools import cache
from pathlib import Path

TATOEBA_SPA_ENG = Path(__file__).with_name("tatoeba-spa-eng.tsv.xz")


@cache
def tatoeba_spanish_english() -> tuple[tuple[str, str], ...]:
    """All `(spanish, english)` pairs of the embedded slice, in file order."""
    with lzma.open(TATOEBA_SPA_ENG, "rt", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        if header != ["english", "spanish"]:
            raise ValueError(
                f"{TATOEBA_SPA_ENG}: expected the header ['english', 'spanish']. Received: {header}"
            )
        return tuple((spanish, english) for english, spanish in rows)
