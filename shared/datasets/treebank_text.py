"""Penn Treebank tokenised text, put back the way people write it.

SST-2 and other treebank-derived corpora split contractions and rewrite quotes: "it does
n't work", "the film 's charm", "ca n't", "`` great ''". Users type "doesn't", "film's",
"can't" and '"great"', which the in-graph tokeniser keeps whole. A classifier trained on
the split forms has never seen "doesn't": at serving time it reads an unknown word where
the negation was (SST-2's dev set is split the same way, so its accuracy hides this).
Re-attaching the pieces when the data is read makes training text look like user text.
"""

from __future__ import annotations

import re

# A clitic the treebank split off the word before it: "does n't", "film 's", "we 're".
# "ca n't" and "wo n't" come back as "can't" and "won't" by the same rule.
SPLIT_CLITIC = re.compile(r"(?<=\w) (n't|'(?:s|re|ve|ll|d|m))(?=\W|$)", re.IGNORECASE)
# Treebank quotes: `` opens, '' closes, each a token of its own.
TREEBANK_QUOTE = re.compile(r"(?<!\S)(``|'')(?!\S)")


def reattach_clitics(text: str) -> str:
    """`text` with treebank-split contractions joined and `` / '' turned into '"'.

    Text written by people is left as it is: it has no space before "n't" or "'s" and no
    free-standing `` or ''.
    """
    return TREEBANK_QUOTE.sub('"', SPLIT_CLITIC.sub(r"\1", text))


def untokenize_treebank(texts: list[str]) -> tuple[list[str], int]:
    """`(texts with clitics re-attached, how many texts changed)`."""
    fixed = [reattach_clitics(text) for text in texts]
    return fixed, sum(a != b for a, b in zip(texts, fixed, strict=True))
