"""Random chunkings of a sequence or text, for streaming parity tests."""

from __future__ import annotations

STREAM_TEXT = "i expected to hate this film , but the acting won me over and the ending was great"


def random_chunks(items, rng, max_cuts: int = 4) -> list:
    """`items` cut at 0-`max_cuts` random places into consecutive slices (some may be empty)."""
    cuts = sorted(rng.integers(0, len(items) + 1, size=rng.integers(0, max_cuts + 1)))
    return [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]


def random_text_chunks(text: str, rng) -> list[str]:
    """`text` cut at random word boundaries, as a user splits a stream (white space)."""
    return [" ".join(words) for words in random_chunks(text.split(), rng)]
