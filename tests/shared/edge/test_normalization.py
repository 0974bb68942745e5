"""`shared/edge/normalization.py` against the graph's `shared/text/normalization.py`:
the same inputs through both, identical strings and words required."""

import pytest
import tensorflow as tf

from shared.edge import normalization as edge
from shared.text import normalization
from tests.helpers import text_parity as parity


@pytest.fixture(scope="module")
def corpus():
    return parity.parity_corpus()


@pytest.mark.parametrize("lowercase", [True, False])
def test_normalize_matches_graph_on_texts_and_invalid_bytes(corpus, lowercase):
    inputs = corpus["texts"] + parity.ADVERSARIAL_BYTES + parity.random_bytes(1, 2000)
    graph = normalization.normalize_text(tf.constant(parity.as_bytes(inputs)), lowercase)
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [edge.normalize(t, lowercase) for t in inputs]
    assert actual == expected, parity.first_mismatches(expected, actual, inputs)
    assert any("\ufffd" in t for t in actual)  # invalid bytes were in the batch


@pytest.mark.parametrize("lowercase", [True, False])
def test_normalize_matches_graph_on_every_code_point(lowercase):
    # Python's unicodedata (14.0) is older than ICU's (16.0): this is what checks the
    # patch tables and the Default_Ignorable set, one character at a time.
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    graph = normalization.normalize_text(tf.constant([c.encode() for c in chars]), lowercase)
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [edge.normalize(c, lowercase) for c in chars]
    bad = [hex(ord(c)) for c, e, a in zip(chars, expected, actual, strict=True) if e != a]
    assert not bad, f"{len(bad)} code points differ: {bad[:20]}"


def test_split_words_matches_graph_for_every_code_point():
    # Raw (unnormalised) characters, 1000 to a text and space separated: every code point
    # must fall on the same side of RE2's \p{L}\p{N}\p{M}\s class and of the split.
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = [" ".join(chars[i : i + 1000]) + " a\u0301b'c" for i in range(0, len(chars), 1000)]
    graph = normalization.split_words(tf.constant(parity.as_bytes(texts)))
    expected = parity.decoded(graph.to_list())
    actual = [edge.split_words(t) for t in texts]
    assert actual == expected, parity.first_mismatches(expected, actual, texts, limit=1)


def test_split_words_splits_on_ascii_whitespace_only():
    # Independent of TensorFlow: what RE2's \s and tf.strings.split are documented to do.
    assert edge.split_words("a\x85b\u2028c") == ["a", "\x85", "b", "\u2028", "c"]
    assert edge.split_words("a\vb\tc\x0cd") == ["a", "b", "c", "d"]
    assert edge.split_words("it's 5,500!") == ["it's", "5", ",", "500", "!"]


def test_join_punctuation_matches_graph(corpus):
    texts = parity.ADVERSARIAL + [
        " ".join(edge.split_words(edge.normalize(t, lowercase=False))) for t in corpus["texts"]
    ]
    texts += ["é - x", "x - é", "٣, ٤٥٦", "5, 500x", "5, 500 é", "1 - 2 - 3", "a\v.", '" a\v"']
    graph = normalization.join_punctuation(tf.constant(parity.as_bytes(texts)))
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [edge.join_punctuation(t) for t in texts]
    assert actual == expected, parity.first_mismatches(expected, actual, texts)
