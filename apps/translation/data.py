"""Where translation pairs come from: the embedded grammar or a pair file."""

from __future__ import annotations

from pathlib import Path

from apps.translation.config import TranslationConfig
from apps.translation.corpus import DEFAULT_SEED, generate_pairs
from shared.datasets.errors import DataError
from shared.datasets.pairs import SentencePairs, read_sentence_pairs, source_key

EMBEDDED = "embedded"
HELD_OUT_SIZE = 2000


def embedded_held_out() -> SentencePairs:
    """Generated pairs whose source sentence the default corpus does not contain."""
    seen = {source_key(spanish) for spanish, _ in generate_pairs()}
    fresh = [
        p
        for p in generate_pairs(HELD_OUT_SIZE * 4, seed=DEFAULT_SEED + 1)
        if source_key(p[0]) not in seen
    ]
    fresh = list(dict(fresh).items())[:HELD_OUT_SIZE]  # one pair per source sentence
    return SentencePairs(
        [p[0] for p in fresh],
        [p[1] for p in fresh],
        [f"{EMBEDDED}-held-out:{i + 1}" for i in range(len(fresh))],
    )


def load_pairs(
    source: str | Path | None,
    config: TranslationConfig,
    on_bad_rows: str = "error",
    length_filter: bool = True,
) -> SentencePairs:
    """Reads `(source, target)` sentence pairs.

    Args:
        source: None or `"embedded"` for the generated Spanish-English corpus, or a pair
            file (TSV with a language header, or a headerless Anki/Tatoeba file).
        config: languages and the training length filter (`max_words`).
        on_bad_rows: `"error"` or `"skip"`.
        length_filter: drop pairs longer than `max_words` (training only; evaluation
            scores every pair).
    """
    if source is None or str(source) == EMBEDDED:
        if (config.source_language, config.target_language) != ("spanish", "english"):
            raise DataError(
                "Expected --data for a language pair other than spanish -> english: the "
                "embedded corpus is Spanish-English only. Received: "
                f"{config.source_language} -> {config.target_language}."
            )
        pairs = generate_pairs()
        return SentencePairs(
            [p[0] for p in pairs],
            [p[1] for p in pairs],
            [f"{EMBEDDED}:{i + 1}" for i in range(len(pairs))],
        )
    path = Path(source)
    if not path.is_file():
        raise DataError(f"Expected --data to be a pair file or '{EMBEDDED}'. Received: {source}")
    limit = config.max_words if length_filter else None
    return read_sentence_pairs(
        path,
        config.source_language,
        config.target_language,
        on_bad_rows=on_bad_rows,
        max_source_words=limit,
        max_target_words=limit,
    )
