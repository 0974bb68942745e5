"""The embedded sentiment corpus, generated: nothing to download, byte-identical everywhere.

- `film_reviews`: movie reviews whose label only word order decides (negation, contrast,
  reversed expectations), every polar word balanced across the labels;
- `everyday`: short everyday reviews in four domains whose polar words carry their usual
  meaning, and drills that use every word of the VADER lexicon;
- `film_vocabulary`, `everyday_vocabulary`: their word lists (data); `polarity`: the labels.

    from apps.sentiment.corpus import generate_reviews
    texts, labels = generate_reviews(1000, seed=0)
"""

from apps.sentiment.corpus.film_reviews import (
    DEFAULT_NUM_REVIEWS,
    DEFAULT_SEED,
    generate_reviews,
    write_corpus_csv,
)
from apps.sentiment.corpus.polarity import NEGATIVE, POSITIVE

__all__ = [
    "DEFAULT_NUM_REVIEWS",
    "DEFAULT_SEED",
    "NEGATIVE",
    "POSITIVE",
    "generate_reviews",
    "write_corpus_csv",
]
