"""In-graph text processing: normalisation, word tokenisation, vocabularies."""

from shared.text.normalization import normalize_text, split_words
from shared.text.vectorizer import WordVectorizer, load_vocabulary, save_vocabulary

__all__ = [
    "WordVectorizer",
    "load_vocabulary",
    "normalize_text",
    "save_vocabulary",
    "split_words",
]
