"""In-graph text normalisation and word tokenisation, shared by every app.

Everything here is TensorFlow graph code (core ops plus tensorflow-text's
`case_fold_utf8`), so it runs inside `tf.data`, inside a Keras layer and inside an
exported SavedModel, and gives the same tokens in all three.
"""

from __future__ import annotations

import collections
import itertools

import tensorflow as tf
import tensorflow_text as tf_text

# Review sites (IMDB) keep HTML line breaks in the text.
HTML_LINE_BREAK = r"<\s*br\s*/?\s*>"
# Typographic apostrophes become ASCII ones so "don’t" and "don't" are one token.
TYPOGRAPHIC_APOSTROPHES = "[\u2018\u2019\u02bc]"
# Every character that is not a letter, digit, mark, whitespace or apostrophe becomes a
# token of its own: "great!" -> "great !", so punctuation carries signal without
# multiplying the vocabulary ("great", "great!", "great!!").
PUNCTUATION = r"([^\p{L}\p{N}\p{M}\s'])"


def normalize_text(texts: tf.Tensor, lowercase: bool = True) -> tf.Tensor:
    """Normalises raw UTF-8 strings.

    Steps: invalid UTF-8 bytes become U+FFFD (never an error at serving time), NFKC
    normalisation (full-width letters, ligatures, no-break spaces become plain ones) with
    case folding when `lowercase` (so "ＦＵＬＬ", "Full" and "full" are one word, "ß"
    matches "ss"), HTML line breaks become spaces, typographic apostrophes become `'`.

    Args:
        texts: string tensor of any shape.
        lowercase: fold case. Classifiers do; a translation target keeps its case.

    Returns:
        A string tensor of the same shape.
    """
    texts = tf.strings.unicode_transcode(
        texts, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace"
    )
    if lowercase:
        texts = tf_text.case_fold_utf8(texts)  # NFKC_Casefold: normalises and folds
    else:
        texts = tf_text.normalize_utf8(texts, "NFKC")
    texts = tf.strings.regex_replace(texts, HTML_LINE_BREAK, " ")
    return tf.strings.regex_replace(texts, TYPOGRAPHIC_APOSTROPHES, "'")


# Detokenisation puts back what `split_words` spread out: no space before closing
# punctuation, none after opening punctuation ("¿ dónde ?" -> "¿dónde?").
SPACE_BEFORE_CLOSING = r"\s+([.,!?;:%)\]}»…])"
SPACE_AFTER_OPENING = r"([¿¡(\[{«])\s+"


# Inside words and numbers: "one - third", "5, 500", "3: 00" come back joined.
HYPHEN_IN_WORD = r"(\w) - (\w)"
SEPARATOR_IN_NUMBER = r"(\d)([.:]) (\d)"
THOUSANDS_IN_NUMBER = r"(\d), (\d{3})\b"  # "5, 500" -> "5,500"; "15, 1999" stays
# A pair of straight double quotes hugs what it quotes: '" Hi "' -> '"Hi"'.
QUOTED = r'"\s*([^"]*?)\s*"'


def join_punctuation(texts: tf.Tensor) -> tf.Tensor:
    """Removes the spaces that word splitting put around punctuation."""
    texts = tf.strings.regex_replace(texts, SPACE_BEFORE_CLOSING, r"\1")
    texts = tf.strings.regex_replace(texts, SPACE_AFTER_OPENING, r"\1")
    texts = tf.strings.regex_replace(texts, HYPHEN_IN_WORD, r"\1-\2")
    texts = tf.strings.regex_replace(texts, SEPARATOR_IN_NUMBER, r"\1\2\3")
    texts = tf.strings.regex_replace(texts, THOUSANDS_IN_NUMBER, r"\1,\2")
    return tf.strings.regex_replace(texts, QUOTED, r'"\1"')


def count_words(texts, lowercase: bool = True, batch_size: int = 2048) -> collections.Counter:
    """Counts the words `split_words(normalize_text(...))` makes, in graph-sized batches.

    Vocabularies are learned from these counts, so they share the exact tokenisation that
    the models run in the graph.
    """
    counts = collections.Counter()
    for words in tokenized_batches(texts, lowercase, batch_size):
        counts.update(w.decode("utf-8") for w in words.flat_values.numpy())
    return counts


def tokenized_batches(texts, lowercase: bool = True, batch_size: int = 2048):
    """Yields `split_words(normalize_text(batch))` (ragged UTF-8 bytes) per batch of texts:
    the models' exact tokens, for vocabularies and word vectors learned outside the graph."""
    batch: list[str] = []
    for text in itertools.chain(texts, [None]):
        if text is not None:
            batch.append(text)
        if batch and (text is None or len(batch) == batch_size):
            yield _normalize_and_split(tf.constant(batch, tf.string), lowercase)
            batch = []


@tf.function(reduce_retracing=True)
def _normalize_and_split(texts, lowercase):
    return split_words(normalize_text(texts, lowercase))


def split_words(normalized_texts: tf.Tensor) -> tf.RaggedTensor:
    """Splits normalised texts into words and punctuation marks.

    Args:
        normalized_texts: string tensor `[batch]` from `normalize_text`.

    Returns:
        A ragged string tensor `[batch, (tokens)]`.
    """
    spaced = tf.strings.regex_replace(normalized_texts, PUNCTUATION, r" \1 ")
    return tf.strings.split(spaced)
