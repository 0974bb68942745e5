"""The TensorFlow-free tokenizers (`shared/edge/tokenizers.py`) against the in-graph ones.

Every parity test runs the same inputs through the TF layers (`WordVectorizer`,
`SubwordTokenizer`) in one batch and through `shared.edge.tokenizers`, and requires
identical words, ids and strings.
"""

import numpy as np
import pytest
import tensorflow as tf

from shared.edge import tokenizers as edge
from shared.ids import (
    CHARS_PER_TOKEN_CAP,
    PAD_ID,
    SUBWORD_RESERVED_TOKENS,
    UNK_ID,
    WORD_RESERVED_TOKENS,
)
from shared.text import vectorizer
from shared.text.vectorizer import WordVectorizer
from shared.text.wordpiece import SubwordTokenizer
from tests.helpers.text_parity import (
    ADVERSARIAL_BYTES,
    as_bytes,
    decoded,
    detokenize_cases,
    first_mismatches,
    learn_wordpiece_vocabulary,
    parity_corpus,
    random_bytes,
)


@pytest.fixture(scope="module")
def corpus():
    return parity_corpus()


@pytest.fixture(scope="module")
def wordpiece_vocabulary(corpus):
    """One cased WordPiece vocabulary, small enough for [UNK]s and multi-piece words."""
    return learn_wordpiece_vocabulary(corpus)


# --- WordVectorizer parity -------------------------------------------------------------


@pytest.mark.parametrize("truncate_from", ["end", "start"])
def test_word_tokenizer_matches_word_vectorizer(corpus, truncate_from):
    layer = WordVectorizer(max_length=24, max_tokens=400, truncate_from=truncate_from)
    layer.adapt(corpus["reviews"] + corpus["spanish"])
    tokenizer = edge.WordTokenizer(layer.get_vocabulary(), 24, truncate_from)
    inputs = corpus["texts"] + ADVERSARIAL_BYTES + random_bytes(2, 500)
    batch = tf.constant(as_bytes(inputs))

    expected_words = decoded(layer.tokenize(batch).to_list())
    actual_words = [tokenizer.tokenize(t) for t in inputs]
    assert actual_words == expected_words, first_mismatches(expected_words, actual_words, inputs)

    expected_ids = layer.vectorize(batch).numpy()
    actual_ids = np.stack([tokenizer.encode_padded(t) for t in inputs])
    assert actual_ids.dtype == np.int32 and actual_ids.shape == expected_ids.shape
    assert (actual_ids == expected_ids).all(), first_mismatches(
        expected_ids.tolist(), actual_ids.tolist(), inputs
    )
    for text, row in zip(inputs[:300], expected_ids[:300], strict=True):
        assert tokenizer.encode(text) == row[row != PAD_ID].tolist()
    # The comparison covered unknown words, truncation and the character cap.
    assert (expected_ids == UNK_ID).any()
    assert sum(len(words) > 24 for words in expected_words) > 100
    assert any(len(t) > 24 * CHARS_PER_TOKEN_CAP for t in inputs)


def test_character_cap_counts_invalid_bytes_like_the_graph():
    # max_length=1 caps at 32 characters, so the cut lands inside the random bytes.
    inputs = random_bytes(3, 3000) + [b"\x80" * 40 + b"x", b"\xc3" * 40, b"a\x80\x80" * 20]
    for side in ("end", "start"):
        layer = WordVectorizer(vocabulary=["a", "b"], max_length=1, truncate_from=side)
        tokenizer = edge.WordTokenizer(layer.get_vocabulary(), 1, side)
        expected = decoded(layer.tokenize(tf.constant(inputs)).to_list())
        actual = [tokenizer.tokenize(t) for t in inputs]
        assert actual == expected, first_mismatches(expected, actual, inputs)


def test_vocabulary_file_round_trip(tmp_path):
    layer = WordVectorizer(vocabulary=["the", "cat", "é"], max_length=3)
    path = tmp_path / "vocabulary.txt"
    vectorizer.save_vocabulary(path, layer.get_vocabulary())
    tokenizer = edge.WordTokenizer(edge.load_vocabulary(path), max_length=3)
    assert tokenizer.vocabulary == layer.get_vocabulary()
    assert tokenizer.encode_padded("É dog").tolist() == [4, 1, 0]


# --- SubwordTokenizer parity -----------------------------------------------------------


@pytest.mark.parametrize("lowercase", [True, False])
def test_wordpiece_encode_matches_subword_tokenizer(corpus, wordpiece_vocabulary, lowercase):
    layer = SubwordTokenizer(wordpiece_vocabulary, lowercase=lowercase, max_length=20)
    tokenizer = edge.WordPieceTokenizer(wordpiece_vocabulary, lowercase, max_length=20)
    inputs = corpus["texts"] + ADVERSARIAL_BYTES + random_bytes(4, 500)
    batch = tf.constant(as_bytes(inputs))

    expected = layer.tokenize(batch).to_list()
    actual = [tokenizer.encode(t) for t in inputs]
    assert actual == expected, first_mismatches(expected, actual, inputs)

    padded = layer(batch).numpy()
    assert (np.stack([tokenizer.encode_padded(t) for t in inputs]) == padded).all()
    assert all(
        tokenizer.encode_truncated(t) == ids[:20] for t, ids in zip(inputs, expected, strict=True)
    )
    # The comparison covered words split into several pieces and unknown words.
    suffix_ids = {i for i, t in enumerate(wordpiece_vocabulary) if t.startswith("##")}
    flat = [i for ids in expected for i in ids]
    assert suffix_ids & set(flat) and UNK_ID in flat


def test_wordpiece_is_greedy_longest_match_first():
    # A hand-made vocabulary whose segmentations are known without running either side.
    vocabulary = [*SUBWORD_RESERVED_TOKENS, "un", "unb", "##b", "##believ", "##able"]
    ids = {token: i for i, token in enumerate(vocabulary)}
    texts = ["Unable", "unbb", "unbelievable", "unbx unb"]
    expected = [
        [ids["un"], ids["##able"]],
        [ids["unb"], ids["##b"]],
        [UNK_ID],  # "unb" is taken first and "##elievable" cannot follow: no backtracking
        [UNK_ID, ids["unb"]],
    ]
    assert [edge.WordPieceTokenizer(vocabulary).encode(t) for t in texts] == expected
    assert SubwordTokenizer(vocabulary).tokenize(texts).to_list() == expected


def test_wordpiece_words_over_100_bytes_are_unknown():
    vocabulary = [*SUBWORD_RESERVED_TOKENS, "x", "##x", "é", "##é"]
    texts = ["x" * 100, "x" * 101, "é" * 50, "é" * 51]  # 100, 101, 100 and 102 bytes
    expected = [[4] + [5] * 99, [UNK_ID], [6] + [7] * 49, [UNK_ID]]
    assert [edge.WordPieceTokenizer(vocabulary).encode(t) for t in texts] == expected
    assert SubwordTokenizer(vocabulary).tokenize(texts).to_list() == expected


def test_decode_matches_subword_detokenize(corpus, wordpiece_vocabulary):
    layer = SubwordTokenizer(wordpiece_vocabulary, lowercase=False)
    tokenizer = edge.WordPieceTokenizer(wordpiece_vocabulary, lowercase=False)
    cases = detokenize_cases(tokenizer, corpus["english"] + corpus["spanish"], seed=5)
    graph = layer.detokenize(tf.ragged.constant(cases, dtype=tf.int32, row_splits_dtype=tf.int64))
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [tokenizer.decode(ids) for ids in cases]
    assert actual == expected, first_mismatches(expected, actual, cases)
    assert tokenizer.decode(np.array(cases[0], dtype=np.int64)) == expected[0]


def test_decode_inverts_encode_on_covered_sentences(corpus, wordpiece_vocabulary):
    tokenizer = edge.WordPieceTokenizer(wordpiece_vocabulary, lowercase=False)
    covered = [s for s in corpus["english"] if UNK_ID not in tokenizer.encode(s)]
    assert len(covered) > 1000
    assert all(tokenizer.decode(tokenizer.encode(s)) == s for s in covered)


# --- errors ----------------------------------------------------------------------------


def test_bad_arguments_raise_value_errors():
    words = [*WORD_RESERVED_TOKENS, "a"]
    pieces = [*SUBWORD_RESERVED_TOKENS, "a"]
    with pytest.raises(ValueError, match="truncate_from"):
        edge.WordTokenizer(words, truncate_from="middle")
    with pytest.raises(ValueError, match="max_length"):
        edge.WordTokenizer(words, max_length=0)
    with pytest.raises(ValueError, match=r"starting with \['\[PAD\]', '\[UNK\]'\]"):
        edge.WordTokenizer(["a", "b"])
    with pytest.raises(ValueError, match=r"\[START\]"):
        edge.WordPieceTokenizer(words)
    with pytest.raises(ValueError, match="unique"):
        edge.WordPieceTokenizer([*pieces, "a"])
    for bad_text in (None, 3, ["a"]):
        with pytest.raises(ValueError, match="Expected text as str or UTF-8 bytes"):
            edge.WordTokenizer(words).encode(bad_text)
        with pytest.raises(ValueError, match="Expected text"):
            edge.WordPieceTokenizer(pieces).encode(bad_text)
    with pytest.raises(ValueError, match="one sequence"):
        edge.WordPieceTokenizer(pieces).decode(np.zeros((2, 3), dtype=np.int32))
    with pytest.raises(ValueError, match=r"ids in \[0, 5\)"):
        edge.WordPieceTokenizer(pieces).decode([4, 5])
