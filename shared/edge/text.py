"""The in-graph tokenisation of `shared/text`, re-implemented in pure Python for phones.

TFLite models take token ids, so an on-device runner must turn text into exactly the ids
that `WordVectorizer` and `SubwordTokenizer` compute inside the graph, and ids back into
text as `SubwordTokenizer.detokenize` does. This module does it with the standard library
and numpy only: importing it never imports TensorFlow. tests/shared/edge/test_text.py checks it
id for id against the TF layers.

Each graph op has a Python counterpart that was measured against it:

* `tf.strings.unicode_transcode(errors="replace")` is `bytes.decode("utf-8", "replace")`:
  both put one U+FFFD per maximal invalid subpart (every 1- and 2-byte sequence and about
  1.2 million longer ones agree).
* ICU NFKC_Casefold (`tf_text.case_fold_utf8`) maps each character to NFKC(casefold(NFKC
  (c))) less Default_Ignorable_Code_Point characters, then composes the text (NFC). Every
  code point, and 900,000 random strings of marks, jamo and folding characters, agree.
* RE2's `\\s`, `\\w`, `\\d` and `\\b` are ASCII only, so the Python patterns spell them out.
* `tf.strings.split()` splits on ASCII whitespace `\\t\\n\\v\\f\\r ` only, unlike `str.split()`.
* `FastWordpieceTokenizer` is greedy longest-match-first WordPiece; a word longer than
  100 UTF-8 bytes, or one the vocabulary cannot cover, is a single `[UNK]`.

Known residual difference: Python 3.11's `unicodedata` is Unicode 14.0, the ICU inside
tensorflow-text 2.21 is Unicode 16.0 and TensorFlow's RE2 is Unicode 15.0. The case and
compatibility mappings and the letter/mark/digit classes of characters added since are
patched in from tables below, but not their canonical combining classes and compositions:
text that combines marks of scripts new in Unicode 15-16 (Kirat Rai, Tulu-Tigalari, Gurung
Khema, Todhri, Garay, Kawi; about 40 characters) can normalise differently. On Python 3.13+
(Unicode 15.1+) the letters added after Unicode 15.0 count as letters here but not in RE2.
"""

from __future__ import annotations

import functools
import numbers
import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

from shared.ids import (
    CHARS_PER_TOKEN_CAP,
    END_ID,
    END_TOKEN,
    JOINER,
    PAD_ID,
    PAD_TOKEN,
    START_ID,
    START_TOKEN,
    SUBWORD_RESERVED_TOKENS,
    TRUNCATION_SIDES,
    UNK_ID,
    WORD_RESERVED_TOKENS,
)

MAX_BYTES_PER_WORD = 100  # FastWordpieceTokenizer's default `max_bytes_per_word`
TOKENIZATION_SPEC_VERSION = 1

# The graph's patterns in RE2 syntax, exactly as shared/text/normalization.py has them.
# They go into `tokenization_spec()` for runners in other languages.
RE2_HTML_LINE_BREAK = r"<\s*br\s*/?\s*>"
RE2_TYPOGRAPHIC_APOSTROPHES = "[\u2018\u2019\u02bc]"
RE2_PUNCTUATION = r"([^\p{L}\p{N}\p{M}\s'])"
RE2_JOIN_PUNCTUATION = (
    (r"\s+([.,!?;:%)\]}»…])", r"\1"),
    (r"([¿¡(\[{«])\s+", r"\1"),
    (r"(\w) - (\w)", r"\1-\2"),
    (r"(\d)([.:]) (\d)", r"\1\2\3"),
    (r"(\d), (\d{3})\b", r"\1,\2"),
    (r'"\s*([^"]*?)\s*"', r'"\1"'),
)
RE2_SPACE = "\t\n\f\r "  # RE2's `\s`: no \v, nothing beyond ASCII
SPLIT_WHITESPACE = "\t\n\v\f\r "  # what `tf.strings.split()` splits on


def _from_re2(pattern: str) -> re.Pattern:
    # Python's `\s`, `\w`, `\d` are Unicode-aware (and its ASCII `\s` has \v); RE2's are
    # not. re.ASCII is left on for `\b`, which then means RE2's ASCII word boundary.
    for re2_class, ascii_class in (
        (r"\s", "[\t\n\f\r ]"),
        (r"\w", "[0-9A-Za-z_]"),
        (r"\d", "[0-9]"),
    ):
        pattern = pattern.replace(re2_class, ascii_class)
    return re.compile(pattern, re.ASCII)


_HTML_LINE_BREAK = _from_re2(RE2_HTML_LINE_BREAK)
_TYPOGRAPHIC_APOSTROPHES = re.compile(RE2_TYPOGRAPHIC_APOSTROPHES)
_JOIN_STEPS = tuple((_from_re2(pattern), repl) for pattern, repl in RE2_JOIN_PUNCTUATION)
_TO_SPACE = str.maketrans({ch: " " for ch in SPLIT_WHITESPACE})
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTINUATION_BYTES = re.compile(rb"[\x80-\xbf]*")

# ICU's NFKC_Casefold drops these (DerivedCoreProperties.txt, Default_Ignorable_Code_Point).
_DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Mappings ICU (Unicode 16.0) applies to characters Python 3.11 (Unicode 14.0) leaves
# unassigned; found by normalising every code point both ways. The values are what ICU
# returns, so the tables are harmless on a Python that already knows these characters.
_CYRILLIC_MODIFIER_LETTERS = (  # U+1E030..U+1E06D -> small Cyrillic letters
    "абвгдежзиклмопрстуфхцчшыэю\ua689\u04d9іјөүӏабвгдежзиклопсуфхцчшъыґіѕџҫ\ua651ұ"
)
_NEWER_COMPATIBILITY = {
    **{0x1CCD6 + i: chr(ord("A") + i) for i in range(26)},  # outlined Latin capitals
    **{0x1CCF0 + i: chr(ord("0") + i) for i in range(10)},  # outlined digits
    **{0x1E030 + i: ch for i, ch in enumerate(_CYRILLIC_MODIFIER_LETTERS)},
}
_NEWER_CASE_FOLDING = {
    **_NEWER_COMPATIBILITY,
    0x1C89: "\u1c8a",
    0xA7CB: "\u0264",
    0xA7CC: "\ua7cd",
    0xA7DA: "\ua7db",
    0xA7DC: "\u019b",
    **{0x10D50 + i: chr(0x10D70 + i) for i in range(22)},  # Garay capitals
}
# Letters, marks and digits to RE2 (Unicode 15.0) that Python 3.11 leaves unassigned.
# fmt: off
_RE2_NEWER_WORD_CHARS = (
    (0x0CF3, 0x0CF3), (0x0ECE, 0x0ECE), (0x10EFD, 0x10EFF), (0x1123F, 0x11241),
    (0x11F00, 0x11F10), (0x11F12, 0x11F3A), (0x11F3E, 0x11F42), (0x11F50, 0x11F59),
    (0x1342F, 0x1342F), (0x13440, 0x13455), (0x1B132, 0x1B132), (0x1B155, 0x1B155),
    (0x1D2C0, 0x1D2D3), (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D), (0x1E08F, 0x1E08F),
    (0x1E4D0, 0x1E4F9), (0x2B739, 0x2B739), (0x31350, 0x323AF),
)
# fmt: on


class _CaseFoldMapping(dict):
    """Code point -> its NFKC_Casefold mapping, fully decomposed; filled on first use.

    ICU maps each character first, then orders marks and composes (`NFC` of the mapped
    text). Folding after a whole-text NFKC would differ: NFKC moves U+0345 (a mark, ccc
    240) behind other marks before case folding turns it into the letter U+03B9.
    """

    MAX_SIZE = 1 << 16  # distinct characters; emptied when full, to bound memory

    def __missing__(self, code: int) -> str:
        if len(self) >= self.MAX_SIZE:
            self.clear()
        char = _NEWER_CASE_FOLDING.get(code, chr(code))
        folded = unicodedata.normalize("NFKC", char).casefold()
        self[code] = unicodedata.normalize("NFKD", _DEFAULT_IGNORABLE.sub("", folded))
        return self[code]


_CASE_FOLD_MAPPING = _CaseFoldMapping()


def _as_text(text: str | bytes) -> str:
    """Valid Unicode text, with invalid UTF-8 replaced as the graph replaces it."""
    if isinstance(text, str):
        if _SURROGATES.search(text):  # not encodable; treat like the bytes they stand for
            return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return text
    if isinstance(text, bytes | bytearray | memoryview):
        return bytes(text).decode("utf-8", "replace")
    raise ValueError(f"Expected text as str or UTF-8 bytes. Received: {type(text).__name__}")


def normalize(text: str | bytes, lowercase: bool = True) -> str:
    """`shared.text.normalization.normalize_text` for one text.

    Args:
        text: a string, or UTF-8 bytes (invalid bytes become U+FFFD).
        lowercase: NFKC_Casefold when True (classifiers, translation sources), NFKC only
            when False (translation targets keep their case).

    Returns:
        The normalised text.
    """
    text = _as_text(text)
    if text.isascii():  # already NFKC; only its case can change
        text = text.lower() if lowercase else text
    elif lowercase:
        text = unicodedata.normalize("NFC", text.translate(_CASE_FOLD_MAPPING))
    else:
        text = unicodedata.normalize("NFKC", text.translate(_NEWER_COMPATIBILITY))
    text = _HTML_LINE_BREAK.sub(" ", text)
    return _TYPOGRAPHIC_APOSTROPHES.sub("'", text)


@functools.cache
def _punctuation_pattern() -> re.Pattern:
    """One-character matches of RE2's `[^\\p{L}\\p{N}\\p{M}\\s']`, built on first use."""
    newer = {c for first, last in _RE2_NEWER_WORD_CHARS for c in range(first, last + 1)}
    kept = set(RE2_SPACE + "'")
    ranges, start = [], None
    for code in range(0x110001):
        keep = code <= 0x10FFFF and (
            code in newer or chr(code) in kept or unicodedata.category(chr(code))[0] in "LNM"
        )
        if keep and start is None:
            start = code
        elif not keep and start is not None:
            ranges.append(f"\\U{start:08x}-\\U{code - 1:08x}")
            start = None
    return re.compile("[^" + "".join(ranges) + "]")


def split_words(normalized: str) -> list[str]:
    """`shared.text.normalization.split_words` for one normalised text.

    Every character that is not a letter, digit, mark, RE2 whitespace or apostrophe becomes
    a word of its own; the rest is split on ASCII whitespace (like `tf.strings.split`).
    """
    spaced = _punctuation_pattern().sub(r" \g<0> ", normalized)
    return [word for word in spaced.translate(_TO_SPACE).split(" ") if word]


def join_punctuation(text: str) -> str:
    """`shared.text.normalization.join_punctuation`: undoes the spacing of punctuation."""
    for pattern, repl in _JOIN_STEPS:
        text = pattern.sub(repl, text)
    return text


def _utf8_head(raw: bytes, num_chars: int) -> str:
    """The first `num_chars` characters as `tf.strings.substr(unit="UTF8_CHAR")` cuts them.

    The graph counts a character at every byte that is not a continuation byte, so a run
    of stray continuation bytes belongs to the character before it.
    """
    if len(raw) <= num_chars:
        return raw.decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")[:num_chars]
    except UnicodeDecodeError:
        pass
    pos = 0
    for _ in range(num_chars):
        if pos >= len(raw):
            break
        pos = _CONTINUATION_BYTES.match(raw, pos + 1).end()
    return raw[:pos].decode("utf-8", "replace")


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
        if truncate_from not in TRUNCATION_SIDES:
            raise ValueError(
                f"Expected `truncate_from` in {TRUNCATION_SIDES}. Received: {truncate_from!r}"
            )
        if not isinstance(max_length, numbers.Integral) or max_length < 1:
            raise ValueError(f"Expected `max_length` >= 1. Received: {max_length!r}")
        self.vocabulary = _check_vocabulary(vocabulary, WORD_RESERVED_TOKENS)
        self.max_length = int(max_length)
        self.truncate_from = truncate_from
        self._ids = {word: i for i, word in enumerate(self.vocabulary) if i > UNK_ID}

    @property
    def vocabulary_size(self) -> int:
        return len(self.vocabulary)

    def tokenize(self, text: str | bytes) -> list[str]:
        """Normalised words after the character cap, before truncation to `max_length`."""
        max_chars = self.max_length * CHARS_PER_TOKEN_CAP
        if self.truncate_from == "start":
            text = _as_text(text)[-max_chars:]
        elif isinstance(text, str):
            text = text[:max_chars]
        elif isinstance(text, bytes | bytearray | memoryview):
            text = _utf8_head(bytes(text), max_chars)
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


def tokenization_spec() -> dict:
    """The tokenisation steps as JSON-ready data, for the metadata shipped with a model.

    A runner in another language reimplements these steps; the patterns are RE2, as the
    graph runs them.
    """
    return {
        "version": TOKENIZATION_SPEC_VERSION,
        "decode": "UTF-8; each maximal invalid subpart becomes U+FFFD",
        "normalize": {
            "lowercase": "ICU NFKC_Casefold",
            "cased": "NFKC",
            "then_replace": [[RE2_HTML_LINE_BREAK, " "], [RE2_TYPOGRAPHIC_APOSTROPHES, "'"]],
        },
        "split_words": {
            "isolate": [RE2_PUNCTUATION, r" \1 "],
            "split_on": SPLIT_WHITESPACE,
        },
        "words": {
            "reserved_tokens": list(WORD_RESERVED_TOKENS),
            "pad_id": PAD_ID,
            "unk_id": UNK_ID,
            "chars_per_token_cap": CHARS_PER_TOKEN_CAP,
            "cap": "before normalizing keep max_length * chars_per_token_cap characters: the "
            "first ones (truncate_from=end, counting a character at each byte that is not "
            "10xxxxxx) or the last ones (truncate_from=start, after decoding)",
            "truncate": {"end": "keep the first max_length words", "start": "keep the last"},
            "padding": "right, with pad_id, to max_length",
        },
        "wordpiece": {
            "reserved_tokens": list(SUBWORD_RESERVED_TOKENS),
            "ids": {"pad": PAD_ID, "unk": UNK_ID, "start": START_ID, "end": END_ID},
            "suffix_indicator": JOINER,
            "algorithm": "greedy longest-match-first per word; a word that cannot be "
            "covered, or longer than max_bytes_per_word UTF-8 bytes, is one unknown token",
            "max_bytes_per_word": MAX_BYTES_PER_WORD,
            "truncate": "keep the first max_length ids",
        },
        "detokenize": {
            "stop_at": END_TOKEN,
            "drop": [PAD_TOKEN, START_TOKEN],
            "join": "suffix pieces join the piece before without the indicator (a leading "
            "one keeps it); words are joined with one space",
            "join_punctuation": [list(step) for step in RE2_JOIN_PUNCTUATION],
            "strip_prefix": JOINER,
        },
        "unicode": {"normalization": "16.0", "character_classes": "15.0"},
    }


__all__ = [
    "TOKENIZATION_SPEC_VERSION",
    "WordPieceTokenizer",
    "WordTokenizer",
    "join_punctuation",
    "load_vocabulary",
    "normalize",
    "split_words",
    "tokenization_spec",
]
