"""Tests for in-graph normalisation/tokenisation and the WordVectorizer layer."""

import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.ids import CHARS_PER_TOKEN_CAP, PAD_TOKEN, UNK_ID, UNK_TOKEN
from shared.text.normalization import normalize_text, split_words
from shared.text.vectorizer import WordVectorizer, load_vocabulary, save_vocabulary


def normalized(*texts) -> list[str]:
    return [t.decode("utf-8") for t in normalize_text(tf.constant(list(texts))).numpy()]


def words(text) -> list[str]:
    tokens = split_words(normalize_text(tf.constant([text]))).to_list()[0]
    return [t.decode("utf-8") for t in tokens]


def ids_of(vectorizer, texts, **kwargs) -> np.ndarray:
    return vectorizer.vectorize(tf.constant(texts), **kwargs).numpy()


# A tiny corpus whose vocabulary order can be worked out by hand:
# the x3; cat x2, sat x2 (tie -> alphabetical: cat < sat); dog, ran, "!" x1 each
# (tie -> by code point: "!" (0x21) < "dog" < "ran").
CORPUS = ["The cat sat", "the DOG sat", "the cat ran!"]
CORPUS_ORDER = ["the", "cat", "sat", "!", "dog", "ran"]


@pytest.fixture
def vectorizer():
    v = WordVectorizer(max_length=5)
    v.adapt(CORPUS)
    return v


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ＦＵＬＬ", "full"),  # full-width letters fold to ASCII (NFKC)
        ("Straße", "strasse"),  # case folding maps ß to ss
        ("É", "é"),
        ("Full", "full"),
        ("don\u2019t", "don't"),  # typographic apostrophe
        ("it\u2018s", "it's"),
    ],
)
def test_normalize_case_folds_with_nfkc_and_ascii_apostrophes(raw, expected):
    assert normalized(raw) == [expected]


@pytest.mark.parametrize("line_break", ["<br />", "<br>", "<BR/>", "<br/>", "< br / >"])
def test_html_line_breaks_become_spaces(line_break):
    assert words(f"one{line_break}two") == ["one", "two"]
    assert "br" not in normalized(f"one{line_break}two")[0]


def test_invalid_utf8_becomes_replacement_character_without_raising():
    (result,) = normalized(b"bad \xff")
    assert result.startswith("bad ")
    assert "\ufffd" in result
    # Valid UTF-8 out, so downstream decoding never fails.
    result.encode("utf-8")


def test_normalize_keeps_shape():
    texts = tf.constant([["A", "B"], ["C", "D"]])
    out = normalize_text(texts)
    assert out.shape == texts.shape
    assert out.numpy()[1, 0] == b"c"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("great!!", ["great", "!", "!"]),
        ("don't stop", ["don't", "stop"]),
        ("Don’t", ["don't"]),
        ("(bad), worse.", ["(", "bad", ")", ",", "worse", "."]),
        ("  spaced\tout\n ", ["spaced", "out"]),
        ("日本語 Привет CAFÉ", ["日本語", "привет", "café"]),
        ("10/10", ["10", "/", "10"]),
    ],
)
def test_split_words_separates_punctuation_and_keeps_words(text, expected):
    assert words(text) == expected


def test_combining_marks_stay_inside_the_word():
    # "q" + COMBINING ACUTE ACCENT has no precomposed form, so NFKC keeps the mark; it must
    # stay inside the word rather than become a punctuation token.
    assert words("q\u0301x ok") == ["q\u0301x", "ok"]


# --- adapt -----------------------------------------------------------------------------


def test_adapt_orders_by_frequency_then_alphabetically(vectorizer):
    assert vectorizer.get_vocabulary() == [PAD_TOKEN, UNK_TOKEN, *CORPUS_ORDER]
    assert vectorizer.vocabulary_size == 2 + len(CORPUS_ORDER)


def test_adapt_respects_min_count_and_max_tokens():
    by_count = WordVectorizer(min_count=2)
    by_count.adapt(CORPUS)
    assert by_count.get_vocabulary() == [PAD_TOKEN, UNK_TOKEN, "the", "cat", "sat"]

    capped = WordVectorizer(max_tokens=4)  # [PAD], [UNK] and the two most frequent words
    capped.adapt(CORPUS)
    assert capped.get_vocabulary() == [PAD_TOKEN, UNK_TOKEN, "the", "cat"]


def test_adapt_is_deterministic_and_independent_of_batching():
    first = WordVectorizer()
    first.adapt(CORPUS)
    second = WordVectorizer()
    second.adapt(CORPUS, batch_size=1)
    first.adapt(CORPUS)  # adapting again replaces, it does not accumulate
    assert first.get_vocabulary() == second.get_vocabulary()
    assert first.get_vocabulary()[2:] == CORPUS_ORDER


def test_adapt_accepts_a_generator():
    v = WordVectorizer()
    v.adapt(text for text in CORPUS)
    assert v.get_vocabulary()[2:] == CORPUS_ORDER


@pytest.mark.parametrize("texts", [[], ["", "   ", "<br />"]])
def test_adapt_without_words_raises_a_clear_error(texts):
    with pytest.raises(ValueError, match="at least one word"):
        WordVectorizer().adapt(texts)


@pytest.mark.parametrize("reserved", [PAD_TOKEN, UNK_TOKEN, ""])
def test_reserved_tokens_in_vocabulary_raise(reserved):
    with pytest.raises(ValueError, match="reserved"):
        WordVectorizer(vocabulary=["good", reserved])


def test_duplicate_words_in_vocabulary_raise():
    with pytest.raises(ValueError, match="unique"):
        WordVectorizer(vocabulary=["good", "bad", "good"])


def test_constructor_validates_arguments():
    with pytest.raises(ValueError, match="truncate_from"):
        WordVectorizer(truncate_from="middle")
    with pytest.raises(ValueError, match="max_length"):
        WordVectorizer(max_length=0)


def test_vectorize_without_vocabulary_raises():
    with pytest.raises(ValueError, match="adapt"):
        WordVectorizer().vectorize(tf.constant(["hello"]))


# --- vectorize / call ------------------------------------------------------------------


def test_vectorize_maps_unknown_words_to_unk_and_pads_right(vectorizer):
    index = {w: i for i, w in enumerate(vectorizer.get_vocabulary())}
    out = ids_of(vectorizer, ["The zebra sat!", ""])
    assert out.dtype == np.int32
    assert out.shape == (2, 5)
    np.testing.assert_array_equal(
        out,
        [[index["the"], UNK_ID, index["sat"], index["!"], 0], [0, 0, 0, 0, 0]],
    )


def test_vectorize_without_padding_to_max_uses_longest_text(vectorizer):
    out = ids_of(vectorizer, ["cat", "the cat sat"], pad_to_max_length=False)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out[0], [3, 0, 0])
    # Longer than max_length is still truncated to max_length.
    long = ids_of(vectorizer, ["the " * 9], pad_to_max_length=False)
    assert long.shape == (1, 5)


def test_truncation_sides():
    vocab = ["a", "b", "c", "d", "e", "f"]  # ids 2..7
    text = ["a b c d e f"]
    from_end = WordVectorizer(vocabulary=vocab, max_length=3, truncate_from="end")
    from_start = WordVectorizer(vocabulary=vocab, max_length=3, truncate_from="start")
    np.testing.assert_array_equal(ids_of(from_end, text), [[2, 3, 4]])  # keeps the opening
    np.testing.assert_array_equal(ids_of(from_start, text), [[5, 6, 7]])  # keeps the ending
    # Short texts are right-padded whichever side is truncated.
    np.testing.assert_array_equal(ids_of(from_start, ["b"]), [[3, 0, 0]])


def test_count_tokens_is_counted_before_truncation():
    v = WordVectorizer(vocabulary=["a"], max_length=3)
    counts = v.count_tokens(tf.constant(["a a a a a a a", "", "a, a!"])).numpy()
    np.testing.assert_array_equal(counts, [7, 0, 4])
    assert ids_of(v, ["a a a a a a a"]).shape == (1, 3)


@pytest.mark.parametrize("truncate_from", ["end", "start"])
def test_huge_text_is_capped_fast_and_gives_exactly_max_length_ids(truncate_from):
    v = WordVectorizer(vocabulary=["good"], max_length=8, truncate_from=truncate_from)
    huge = "good " * 400_000  # 2,000,000 characters
    assert len(huge) == 2_000_000
    v.vectorize(tf.constant(["warm up"]))  # exclude one-off tracing cost
    start = time.perf_counter()
    out = ids_of(v, [huge])
    elapsed = time.perf_counter() - start
    np.testing.assert_array_equal(out, [[2] * 8])
    assert elapsed < 2.0, f"vectorising 2 MB took {elapsed:.2f}s"
    # Raw text is cut to max_length * CHARS_PER_TOKEN_CAP characters before the regexes run
    # (uncapped this text has 400,000 words), yet enough remains for max_length words.
    kept = int(v.tokenize(tf.constant([huge])).row_lengths()[0])
    assert 8 <= kept <= 8 * CHARS_PER_TOKEN_CAP


def test_invalid_utf8_is_vectorised_without_error(vectorizer):
    for side in ("end", "start"):
        v = WordVectorizer(vocabulary=vectorizer.vocabulary, max_length=5, truncate_from=side)
        out = ids_of(v, [b"the \xff cat"])
        # "the", U+FFFD (a symbol token, unknown), "cat"
        np.testing.assert_array_equal(out, [[2, UNK_ID, 3, 0, 0]])


def test_call_accepts_batch_of_one_column_like_keras_input(vectorizer):
    flat = vectorizer(tf.constant(["the cat", "dog"])).numpy()
    column = vectorizer(tf.constant([["the cat"], ["dog"]])).numpy()
    np.testing.assert_array_equal(flat, column)
    assert column.shape == (2, 5)


# --- serialization ---------------------------------------------------------------------

SAMPLES = ["The cat sat on the mat!", "", "dog ran, cat ran", "completely unknown words"]


def test_get_config_round_trip_gives_identical_outputs():
    original = WordVectorizer(max_length=4, min_count=1, truncate_from="start", name="vec")
    original.adapt(CORPUS)
    config = original.get_config()
    clone = WordVectorizer.from_config(config)
    assert clone.get_vocabulary() == original.get_vocabulary()
    assert (clone.max_length, clone.truncate_from) == (4, "start")
    np.testing.assert_array_equal(ids_of(clone, SAMPLES), ids_of(original, SAMPLES))


def test_model_with_vectorizer_saves_and_loads_as_keras_file(tmp_path, vectorizer):
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, vectorizer(inputs))
    batch = tf.constant([[s] for s in SAMPLES])
    before = model(batch).numpy()
    np.testing.assert_array_equal(before, ids_of(vectorizer, SAMPLES))

    path = tmp_path / "vectorizer.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(restored(batch).numpy(), before)
    restored_layer = next(layer for layer in restored.layers if isinstance(layer, WordVectorizer))
    assert restored_layer.get_vocabulary() == vectorizer.get_vocabulary()


def test_save_and_load_vocabulary_round_trip(tmp_path, vectorizer):
    vocab = [*vectorizer.get_vocabulary(), "日本語", "café"]
    path = tmp_path / "vocabulary.txt"
    save_vocabulary(path, vocab)
    assert path.read_bytes().count(b"\n") == len(vocab)  # one token per line
    loaded = load_vocabulary(path)
    assert loaded == vocab
    # The loaded file (minus the specials) rebuilds the same vectorizer.
    rebuilt = WordVectorizer(vocabulary=loaded[2:], max_length=5)
    np.testing.assert_array_equal(
        ids_of(rebuilt, SAMPLES),
        ids_of(WordVectorizer(vocabulary=vocab[2:], max_length=5), SAMPLES),
    )


@pytest.mark.parametrize("content", ["the\ncat\n", "[UNK]\n[PAD]\nthe\n", ""])
def test_load_vocabulary_rejects_files_without_specials_and_names_the_file(tmp_path, content):
    path = tmp_path / "bad_vocab.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="bad_vocab.txt"):
        load_vocabulary(path)


# --- tf.data ---------------------------------------------------------------------------


def test_vectorize_inside_tf_data_matches_eager(vectorizer):
    texts = ["the cat sat on the mat", "dog", "", "the the the the the the the", "ran!"]
    dataset = (
        tf.data.Dataset.from_tensor_slices(texts)
        .batch(2)
        .map(lambda t: vectorizer.vectorize(t, pad_to_max_length=False))
    )
    batches = [b.numpy() for b in dataset]
    assert len(batches) == 3
    for i, batch in enumerate(batches):
        expected = ids_of(vectorizer, texts[2 * i : 2 * i + 2], pad_to_max_length=False)
        np.testing.assert_array_equal(batch, expected)
    # Batch widths follow the longest text in each batch (capped at max_length).
    assert [b.shape[1] for b in batches] == [5, 5, 2]
