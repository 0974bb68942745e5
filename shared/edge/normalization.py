"""The in-graph text normalisation of `shared/text`, re-implemented in pure Python for phones.

TFLite models take token ids, so an on-device runner must turn text into exactly the ids
that `WordVectorizer` and `SubwordTokenizer` compute inside the graph, and ids back into
text as `SubwordTokenizer.detokenize` does (`shared/edge/tokenizers.py`). This module does
the text part with the standard library only: importing it never imports TensorFlow.
tests/shared/edge/test_normalization.py checks it against the TF ops.

Each graph op has a Python counterpart that was measured against it:

* `tf.strings.unicode_transcode(errors="replace")` is `bytes.decode("utf-8", "replace")`:
  both put one U+FFFD per maximal invalid subpart (every 1- and 2-byte sequence and about
  1.2 million longer ones agree).
* ICU NFKC_Casefold (`tf_text.case_fold_utf8`) maps each character to NFKC(casefold(NFKC
  (c))) less Default_Ignorable_Code_Point characters, then composes the text (NFC). Every
  code point, and 900,000 random strings of marks, jamo and folding characters, agree.
* RE2's `\\s`, `\\w`, `\\d` and `\\b` are ASCII only, so the Python patterns spell them out.
* `tf.strings.split()` splits on ASCII whitespace `\\t\\n\\v\\f\\r ` only, unlike `str.split()`.

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
import re
import unicodedata

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


def as_text(text: str | bytes) -> str:
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
    text = as_text(text)
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


def utf8_head(raw: bytes, num_chars: int) -> str:
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
