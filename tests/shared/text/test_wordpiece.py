"""The WordPiece tokenizer: learned vocabulary, in-graph round trip, specials, config."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.ids import END_ID, START_ID, UNK_ID
from shared.text.wordpiece import SubwordTokenizer

SENTENCES = [
    "The black cat sleeps.",
    "Where is the book?",
    "I do not have a dog.",
    'She said "yes" twice.',
    "It costs 5,500 dollars at 3:00 today.",
    "A one-third share.",
    "¿Dónde está el libro?",
    "No tengo un perro, pero tengo dos gatos.",
    "They're (really) happy!",
    "We walked home; it was late.",
] * 3


@pytest.fixture(scope="module")
def cased():
    tokenizer = SubwordTokenizer(lowercase=False, max_length=8)
    tokenizer.learn_vocabulary(SENTENCES, 400)
    return tokenizer


def detokenize(tokenizer, texts):
    return [t.decode() for t in tokenizer.detokenize(tokenizer.tokenize(texts)).numpy()]


def test_reserved_tokens_come_first(cased):
    assert cased.vocabulary[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]
    assert any(token.startswith("##") for token in cased.vocabulary)  # real subwords


def test_round_trip_restores_text_and_punctuation_spacing(cased):
    unique = list(dict.fromkeys(SENTENCES))
    assert detokenize(cased, unique) == unique


def test_lowercasing_applies_to_sources_only():
    lower = SubwordTokenizer(lowercase=True)
    lower.learn_vocabulary(SENTENCES, 300)
    assert "The" not in lower.vocabulary and "the" in lower.vocabulary
    assert detokenize(lower, ["The Cat."]) == ["the cat."]


def test_unseen_characters_become_unk_never_an_error(cased):
    ids = cased.tokenize(["The ☃ cat Ω."]).to_list()[0]
    assert ids.count(UNK_ID) == 2
    assert detokenize(cased, ["The ☃ cat."]) == ["The [UNK] cat."]


def test_detokenize_stops_at_end_and_drops_padding_and_start(cased):
    cat = cased.tokenize(["cat"]).to_list()[0]
    dog = cased.tokenize(["dog"]).to_list()[0]
    ids = tf.constant([[START_ID, *cat, END_ID, *dog, 0, 0]])
    assert cased.detokenize(ids).numpy().tolist() == [b"cat"]


def test_call_truncates_and_right_pads_to_max_length(cased):
    ids = cased(tf.constant(["The black cat sleeps. " * 5, "cat"])).numpy()
    assert ids.shape == (2, 8)
    np.testing.assert_array_equal(ids[0], cased.tokenize(["The black cat sleeps. " * 5])[0, :8])
    assert (ids[1] != 0).sum() == len(cased.tokenize(["cat"]).to_list()[0])
    assert (ids[1][(ids[1] != 0).sum() :] == 0).all()


def test_config_round_trip_and_keras_save(cased, tmp_path):
    clone = SubwordTokenizer.from_config(cased.get_config())
    assert clone.get_config() == cased.get_config()
    texts = tf.constant([["¿Dónde está el libro?"]])
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, cased(inputs))
    model.save(tmp_path / "tok.keras")
    reloaded = keras.models.load_model(tmp_path / "tok.keras")
    np.testing.assert_array_equal(model(texts), reloaded(texts))


def test_a_vocabulary_without_the_reserved_prefix_is_refused():
    with pytest.raises(ValueError, match=r"Expected a vocabulary starting with \['\[PAD\]'"):
        SubwordTokenizer(vocabulary=["a", "b", "[PAD]", "[UNK]"])


def test_learning_needs_words():
    with pytest.raises(ValueError, match="at least one word"):
        SubwordTokenizer().learn_vocabulary(["", "   "], 100)


def test_a_nul_byte_in_training_text_does_not_break_the_vocabulary():
    # FastWordpiece cannot store a NUL token; learning must leave such words out.
    tokenizer = SubwordTokenizer(lowercase=True)
    tokenizer.learn_vocabulary([*SENTENCES, "bad\x00row here", "\x00"], vocabulary_size=200)
    assert not any("\x00" in token for token in tokenizer.vocabulary)
    ids = tokenizer.tokenize(tf.constant(["bad\x00row here", "the black cat"])).to_list()
    assert UNK_ID in ids[0] and UNK_ID not in ids[1]
