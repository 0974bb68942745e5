"""The tokenisation steps as JSON-ready data, for the metadata shipped with a phone model."""

from __future__ import annotations

from shared.edge.normalization import (
    RE2_HTML_LINE_BREAK,
    RE2_JOIN_PUNCTUATION,
    RE2_PUNCTUATION,
    RE2_TYPOGRAPHIC_APOSTROPHES,
    SPLIT_WHITESPACE,
)
from shared.edge.tokenizers import MAX_BYTES_PER_WORD
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
    UNK_ID,
    WORD_RESERVED_TOKENS,
)

# Bumped when a step changes: metadata of another version is refused by the runners.
TOKENIZATION_SPEC_VERSION = 1


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
