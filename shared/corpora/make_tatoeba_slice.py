"""Rebuilds `tatoeba-spa-eng.tsv.xz` from a Tatoeba/Anki Spanish-English pair file.

    python -m shared.corpora.make_tatoeba_slice ../shared/data/translation/spa-eng.tsv.gz

Keeps every pair whose English sentence (case and punctuation folded) hashes into the
first 40% of sha256 buckets, so all translations of one English sentence stay together,
and at most 14 words a side. xz (0.74 MB where gzip took 1.06 MB, over the 1 MiB the
repository allows a data file) writes no time stamp: the output is byte-identical for
the same input.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import sys

from shared.corpora.tatoeba import TATOEBA_SPA_ENG

SHARE = 0.4
MAX_WORDS = 14


def english_key(sentence: str) -> str:
    kept = "".join(c for c in sentence.lower() if c.isalnum() or c == " ")
    return " ".join(kept.split())


def in_slice(english: str) -> bool:
    digest = hashlib.sha256(english_key(english).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 2**32 < SHARE


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with gzip.open(argv[0], "rt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle]
    header, pairs = rows[0], rows[1:]
    if header != ["english", "spanish"]:
        print(f"expected the header english<TAB>spanish. Received: {header}", file=sys.stderr)
        return 2
    kept = [
        (english, spanish)
        for english, spanish in pairs
        if in_slice(english) and max(len(english.split()), len(spanish.split())) <= MAX_WORDS
    ]
    text = "english\tspanish\n" + "".join(f"{e}\t{s}\n" for e, s in kept)
    compressed = lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)
    TATOEBA_SPA_ENG.write_bytes(compressed)
    print(f"{TATOEBA_SPA_ENG}: {len(kept)} pairs, {len(compressed)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
