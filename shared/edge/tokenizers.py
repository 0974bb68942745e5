"""`WordVectorizer` and `SubwordTokenizer` without TensorFlow: text <-> model ids on phones.

The ids are exactly those the graph layers compute (tests/shared/edge/test_tokenizers.py
checks them id for id); the text steps are `shared/edge/normalization.py`'s.
`FastWordpieceTokenizer` is greedy longest-match-first WordPiece; a word longer than
100 UTF-8 bytes, or one the vocabulary cannot cover, is a single `[UNK]`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from shared.edge.normalization import as_text, join_punctuation, normalize, split_words, utf8_head
from shared.ids import (
    CHARS_PER_TOKEN_CAP,
    END_ID,
    JOINER,
    PAD_ID,
    START_ID,
    SUBWORD_RESERVED_TOKENS,
    UNK_ID,
    WORD_RESERVED_TOKENS,
    checked_truncation_side,
)

MAX_BYTES_PER_WORD = 100  # FastWordpieceTokenizer's default `max_bytes_per_word`


def _check_vocabulary(vocabulary: Sequence[str], reserved: tuple[str, ...]) -> list[str]:
    vocabulary = list(vocabulary)
    if not all(isinstance(token, str) for token in vocabulary):
        raise ValueError("Expected a vocabulary of str tokens. Received other types.")
    if tuple(vocabulary[: len(reserved)]) != reserved:
        raise ValueError(
            f"Expected a vocabulary starting with {list(reserved)} (all tokens in id order, "
            f"as the exported vocabulary file lists them). Received: "
            f"{vocabulary[: len(reserved)]}"
        )
    if len(set(vocabulary)) != len(vocabulary):
        raise ValueError("Expected unique tokens in the vocabulary. Received duplicates.")
    return vocabulary


def load_vocabulary(path) -> list[str]:
    """Reads a vocabulary file: one token per line, line N holding id N."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


class WordTokenizer:
    """`WordVectorizer` without TensorFlow: raw text -> word ids, `[PAD]=0 [UNK]=1`.

    Args:
        vocabulary: all tokens in id order, `[PAD]` and `[UNK]` first (the vocabulary file
            shipped next to the model).
        max_length: ids per text.
        truncate_from: `"end"` keeps the first words, `"start"` keeps the last ones.

    Example:
        >>> words = WordTokenizer(load_vocabulary("vocabulary.txt"), max_length=256)
        >>> ids = words.encode_padded("A gripping film!")  # int32 [256], the model input
    """

    def __init__(self, vocabulary: Sequence[str], max_length: int = 256, truncate_from="end"):
        self.truncate_from = checked_truncation_side(truncate_from)
        if not isinstance(max_length, numbers.Integral) or max_length < 1:
            raise ValueError(f"Expected `max_length` >= 1. Received: {max_length!r}")
        self.vocabulary = _check_vocabulary(vocabulary, WORD_RESERVED_TOKENS)
        self.max_length = int(max_length)
        self._ids = {word: i for i, word in enumerate(self.vocabulary) if i > UNK_ID}

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    def tokenize(self, text: str | bytes) -> list[str]:
        """Normalised words after the character cap, before truncation to `max_length`."""
        max_chars = self.max_length * CHARS_PER_TOKEN_CAP
        if self.truncate_from == "start":
            text = as_text(text)[-max_chars:]
        elif isinstance(text, str):
            text = text[:max_chars]
        elif isinstance(text, bytes | bytearray | memoryview):
            text = utf8_head(bytes(text), max_chars)
        return split_words(normalize(text, lowercase=True))

    def encode(self, text: str | bytes) -> list[int]:
        """Word ids, truncated to `max_length`, not padded."""
        words = self.tokenize(text)
        words = (
            words[: self.max_length] if self.truncate_from == "end" else words[-self.max_length :]
        )
        return [self._ids.get(word, UNK_ID) for word in words]

    def encode_padded(self, text: str | bytes) -> np.ndarray:
        """Word ids `int32 [max_length]`, right-padded with `PAD_ID` (the model's input)."""
        ids = np.full(self.max_length, PAD_ID, dtype=np.int32)
        encoded = self.encode(text)
        ids[: len(encoded)] = encoded
        return ids


class WordPieceTokenizer:
    """`SubwordTokenizer` without TensorFlow: `[PAD]=0 [UNK]=1 [START]=2 [END]=3`.

    Args:
        vocabulary: all tokens in id order, the four reserved ones first; `##` marks a
            piece that continues a word.
        lowercase: fold case first (sources do; translation targets keep their case).
        max_length: ids per text from `encode_truncated` / `encode_padded`.
    """

    _CACHE_SIZE = 100_000  # words; the cache is emptied when full

    def __init__(self, vocabulary: Sequence[str], lowercase: bool = True, max_length: int = 64):
        if not isinstance(max_length, numbers.Integral) or max_length < 1:
            raise ValueError(f"Expected `max_length` >= 1. Received: {max_length!r}")
        self.vocabulary = _check_vocabulary(vocabulary, SUBWORD_RESERVED_TOKENS)
        self.lowercase = lowercase
        self.max_length = int(max_length)
        # "##" alone is no suffix piece, and neither it nor "" ever matches (as in tf-text).
        self._is_suffix = [t.startswith(JOINER) and t != JOINER for t in self.vocabulary]
        usable = [(i, t) for i, t in enumerate(self.vocabulary) if t not in ("", JOINER)]
        # At a word's start any token can match literally (even "##x"); after it, only
        # suffix pieces, looked up without their "##".
        self._word_starts = {t: i for i, t in usable}
        self._suffixes = {t[len(JOINER) :]: i for i, t in usable if self._is_suffix[i]}
        self._longest = max((len(t) for _, t in usable), default=0)
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) * 4 > MAX_BYTES_PER_WORD and len(word.encode()) > MAX_BYTES_PER_WORD:
            return (UNK_ID,)
        ids, start, lookup = [], 0, self._word_starts
        while start < len(word):
            end = min(len(word), start + self._longest)
            while end > start and word[start:end] not in lookup:
                end -= 1
            if end == start:  # nothing matches here: the whole word is unknown
                return (UNK_ID,)
            ids.append(lookup[word[start:end]])
            start, lookup = end, self._suffixes
        return tuple(ids)

    def encode(self, text: str | bytes) -> list[int]:
        """Piece ids of the whole text, untruncated, without `[START]`/`[END]`."""
        ids = []
        for word in split_words(normalize(text, self.lowercase)):
            pieces = self._cache.get(word)
            if pieces is None:
                if len(self._cache) >= self._CACHE_SIZE:
                    self._cache.clear()
                pieces = self._cache[word] = self._word_ids(word)
            ids.extend(pieces)
        return ids

    def encode_truncated(self, text: str | bytes) -> list[int]:
        """Piece ids cut to `max_length` (what `SubwordTokenizer.call` keeps), not padded."""
        return self.encode(text)[: self.max_length]

    def encode_padded(self, text: str | bytes) -> np.ndarray:
        """Piece ids `int32 [max_length]`, right-padded with `PAD_ID`."""
        ids = np.full(self.max_length, PAD_ID, dtype=np.int32)
        encoded = self.encode_truncated(text)
        ids[: len(encoded)] = encoded
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Text for ids: stops at the first `[END]`, drops `[PAD]`/`[START]`, joins pieces.

        Args:
            ids: one sequence of ids (a list or a 1-D integer array).

        Returns:
            The text, with punctuation spacing undone as `SubwordTokenizer.detokenize` does.
        """
        array = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(
                f"Expected one sequence of integer ids. Received shape {array.shape}, "
                f"dtype {array.dtype}."
            )
        ids = array.tolist()
        bad = [i for i in ids if not 0 <= i < len(self.vocabulary)]
        if bad:
            raise ValueError(
                f"Expected ids in [0, {len(self.vocabulary)}). Received: {bad[:5]}. "
                "Was the model exported with a different vocabulary?"
            )
        if END_ID in ids:
            ids = ids[: ids.index(END_ID)]
        words, pieces = [], []
        for i in ids:
            if i in (PAD_ID, START_ID):
                continue
            if pieces and not self._is_suffix[i]:
                words.append("".join(pieces))
                pieces = []
            if self._is_suffix[i]:
                # A continuation with nothing before it keeps its "##" (as in tf-text).
                pieces.append(self.vocabulary[i] if not pieces else self.vocabulary[i][2:])
            else:
                pieces.append(self.vocabulary[i])
        if pieces:
            words.append("".join(pieces))
        text = join_punctuation(" ".join(words))
        return text[len(JOINER) :] if text.startswith(JOINER) else text
