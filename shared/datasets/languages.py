"""Language names and the ISO codes that stand for them in headers and arguments."""

from __future__ import annotations

# Language names and the ISO 639-1/639-3 codes that may stand for them in a header or an
# argument. A first line is a header when any field names one of these (or the caller's):
# a data row never does, and a header for other languages then fails loudly instead of
# being read as a sentence pair.
LANGUAGE_CODES = {
    "english": ("en", "eng"), "spanish": ("es", "spa"), "french": ("fr", "fra", "fre"),
    "german": ("de", "deu", "ger"), "italian": ("it", "ita"), "portuguese": ("pt", "por"),
    "dutch": ("nl", "nld", "dut"), "russian": ("ru", "rus"), "turkish": ("tr", "tur"),
    "japanese": ("ja", "jpn"), "chinese": ("zh", "zho", "chi", "cmn"),
}  # fmt: skip
_NAME_OF_CODE = {code: name for name, codes in LANGUAGE_CODES.items() for code in (name, *codes)}


def language_name(language: str) -> str:
    """Maps a language name or ISO code to its lower-case English name (`"spa"` ->
    `"spanish"`); an unknown one comes back stripped and lower-cased."""
    name = language.strip().lower()
    return _NAME_OF_CODE.get(name, name)
