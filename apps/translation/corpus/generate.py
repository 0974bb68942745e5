"""The corpus itself: constructions drawn by weight, finished, filtered by length, written."""

from __future__ import annotations

import csv
import os
import random
import re

from apps.translation.corpus.phrases import PhraseGrammar
from apps.translation.corpus.questions import wh_question, yes_no_question
from apps.translation.corpus.statements import (
    be_adjective,
    be_location,
    go,
    gustar,
    hay,
    profession,
    statement,
)

DEFAULT_NUM_PAIRS = 20000
DEFAULT_SEED = 20261121
# Both sides of every pair have this many words (punctuation attached), inclusive.
MIN_WORDS = 3
MAX_WORDS = 12


# The top-level constructions and their relative weights.
CONSTRUCTIONS = (
    (statement, 0.34),
    (go, 0.05),
    (be_adjective, 0.12),
    (be_location, 0.08),
    (profession, 0.04),
    (gustar, 0.08),
    (hay, 0.06),
    (yes_no_question, 0.12),
    (wh_question, 0.11),
)


def _finish(es: str, en: str, question: bool) -> tuple[str, str]:
    """Contractions, capitals and final punctuation for both sides."""
    # "a el" and "de el" contract in Spanish; "él" (he) never does.
    es = re.sub(r"\bde el\b", "del", re.sub(r"\ba el\b", "al", es))
    # Every vowel-initial English word here starts with a vowel sound: "an apple".
    en = re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", en)
    es, en = es[:1].upper() + es[1:], en[:1].upper() + en[1:]
    if question:
        return f"¿{es}?", f"{en}?"
    return f"{es}.", f"{en}."


def generate_pairs(
    num_pairs: int = DEFAULT_NUM_PAIRS, seed: int = DEFAULT_SEED
) -> list[tuple[str, str]]:
    """Generates the embedded corpus of Spanish -> English sentence pairs.

    Args:
        num_pairs: how many pairs to generate.
        seed: seed for the private `random.Random`; equal seeds give equal corpora.

    Returns:
        `(spanish, english)` pairs, capitalised and punctuated ("¿...?" for Spanish
        questions), each side `MIN_WORDS` to `MAX_WORDS` words long. A Spanish sentence
        can occur more than once, always with the same English.
    """
    if num_pairs < 0:
        raise ValueError(f"Expected `num_pairs` >= 0. Received: {num_pairs}")
    rng = random.Random(seed)
    grammar = PhraseGrammar(rng)
    constructions, weights = zip(*CONSTRUCTIONS, strict=True)
    pairs = []
    while len(pairs) < num_pairs:
        es, en, question = rng.choices(constructions, weights=weights)[0](grammar)
        es, en = _finish(es, en, question)
        # Sentences out of range are drawn again rather than cut.
        if all(MIN_WORDS <= len(side.split()) <= MAX_WORDS for side in (es, en)):
            pairs.append((es, en))
    return pairs


def write_pairs_tsv(
    path: str | os.PathLike, num_pairs: int = DEFAULT_NUM_PAIRS, seed: int = DEFAULT_SEED
) -> None:
    """Writes the corpus as TSV with an `english<TAB>spanish` header, unquoted.

    The columns are in the order of the real data set (`spa-eng.tsv.gz`), so the same
    loader reads either file.

    Args:
        path: destination file; its directory must exist.
        num_pairs: how many pairs to generate.
        seed: seed passed to `generate_pairs`.
    """
    pairs = generate_pairs(num_pairs, seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow(["english", "spanish"])
        writer.writerows((english, spanish) for spanish, english in pairs)
