"""MediaPipe Tasks' TextClassifier (the `mediapipe` package) on the sentiment phone models.

The exported models carry standard TFLite Model Metadata (`tflite_metadata`): MediaPipe's
RegexTokenizer must give a text exactly our tokenizer's ids, read back through a model
whose scores are its input ids (`echo_model`), and then the exported model's answers
must be our runner's on every exported file as written: every label the same,
probabilities within `TOLERANCE`.
"""

import shutil

import numpy as np
import pytest

from shared.edge.metadata import METADATA_FILE, VARIANTS, MetadataError, load_metadata
from shared.edge.runtime import LiteModel
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.tokenizers import WordTokenizer
from shared.export.tflite.tflite_metadata import (
    DELIMITER_PATTERN,
    LABELS_FILE,
    MIN_PARSER_VERSION,
    VOCABULARY_FILE,
    read_task_metadata,
)
from shared.ids import PAD_ID, UNK_ID
from tests.helpers.mediapipe_tasks import mediapipe_ids, mediapipe_probabilities

# MediaPipe pads every text to max_length, our runner feeds its ids alone (padding is
# masked): max |difference| of the probabilities (measured: float32 ~1e-7).
TOLERANCE = {"float32": 1e-5, "float16": 1e-5, "dynamic_range": 1e-3}
# Texts our tokenizer and MediaPipe's must read alike: case, typographic apostrophes,
# punctuation runs, HTML line breaks, whitespace of every kind, symbols, digits.
EDGE_CASES = [
    "Don\u2019t miss it!!! It was GREAT... <br /><br />Really, truly great.",
    "'Tis a 10/10 film :) -- well-made, (mostly) funny; 100% worth it?",
    "THE WORST MOVIE EVER.\tBoring\nand\r\nslow \U0001f44e \u00bfQu\u00e9? \u00c9t\u00e9",
    "Great<br/>acting<BR>and a \u201cclever\u201d plot \u2013 I\u2019d watch it again.",
    "wonderful",
    "",
]


@pytest.fixture(scope="module")
def metadata(sentiment_export):
    _, out, _ = sentiment_export
    return load_metadata(out / METADATA_FILE, "sentiment")


@pytest.fixture(scope="module")
def texts(reviews):
    """Generated reviews as written, in capitals and lower case, and the edge cases."""
    reviews = reviews[:200]
    return (
        reviews
        + [t.upper() for t in reviews[:50]]
        + [t.lower() for t in reviews[50:100]]
        + (EDGE_CASES)
    )


def test_models_carry_standard_metadata(sentiment_export, metadata):
    _, out, _ = sentiment_export
    vocabulary, max_length = metadata["vocabulary"], metadata["max_length"]
    tokenize = WordTokenizer(vocabulary, max_length).tokenize
    for variant in VARIANTS:
        content = (out / f"sentiment_{variant}.tflite").read_bytes()
        task = read_task_metadata(content)
        assert task["delimiter_pattern"] == DELIMITER_PATTERN
        assert task["min_parser_version"] == MIN_PARSER_VERSION
        assert task["files"][LABELS_FILE].decode().splitlines() == metadata["labels"]
        lines = [line.split(" ") for line in task["files"][VOCABULARY_FILE].decode().splitlines()]
        assert lines[:2] == [["<PAD>", str(PAD_ID)], ["<UNKNOWN>", str(UNK_ID)]]
        # Every spelling listed is one our tokenizer reads as the word of its id.
        assert all(tokenize(form) == [vocabulary[int(i)]] for form, i in lines[2:])
        assert {int(i) for _, i in lines} == set(range(len(vocabulary)))
        assert {"Great", "GREAT", "great"} <= {form for form, _ in lines}
        # MediaPipe pads to the static length; our runner still resizes per text.
        details = LiteModel(content).input_details("serving_default")["token_ids"]
        assert details["shape"].tolist() == [1, max_length], variant
        assert details["shape_signature"].tolist() == [1, -1], variant
        runner = EdgeSentimentClassifier.from_directory(out, variant, num_threads=1)
        assert runner.fixed_length is None


def test_mediapipe_tokenizes_texts_into_our_ids(metadata, texts):
    vocabulary, max_length = metadata["vocabulary"], metadata["max_length"]
    ours = WordTokenizer(vocabulary, max_length)
    expected = np.stack([ours.encode_padded(text) for text in texts])
    actual = mediapipe_ids(vocabulary, max_length, texts)
    mismatches = [texts[i] for i in np.where((actual != expected).any(axis=1))[0]]
    assert not mismatches, mismatches[:3]
    # Equal ids mean something: most are known words, and punctuation is a token.
    words = expected[expected != PAD_ID]
    assert (words != UNK_ID).mean() > 0.8
    assert ours.tokenize(EDGE_CASES[0])[:6] == ["don't", "miss", "it", "!", "!", "!"]
    assert vocabulary.index(".") in actual[texts.index(EDGE_CASES[0])]


def test_what_mediapipe_reads_otherwise(metadata):
    """The documented limits: a case our vocabulary file does not list, leading
    whitespace, a line break opening the text (MediaPipe reads an unknown word there), and
    a character NFKC makes several tokens ("\u2026" is "..." to us, one unknown to it)."""
    vocabulary, max_length = metadata["vocabulary"], metadata["max_length"]
    ours = WordTokenizer(vocabulary, max_length)
    word = next(w for w in vocabulary[2:] if w.isalpha() and len(w) > 3)
    mixed = word[:-1] + word[-1].upper()
    texts = [f"{mixed} film", f"  {word} film", f"<br />{word} film"]
    actual = mediapipe_ids(vocabulary, max_length, texts)
    assert [ours.encode(t)[0] for t in texts] == [vocabulary.index(word)] * 3
    assert actual[:2, 0].tolist() == [UNK_ID, UNK_ID]
    assert actual[2, 0] != vocabulary.index(word)
    if "." in vocabulary:
        dots = mediapipe_ids(vocabulary, max_length, [f"{word}\u2026"])[0]
        assert ours.encode(f"{word}\u2026")[1:] == [vocabulary.index(".")] * 3
        assert dots[1:3].tolist() == [UNK_ID, PAD_ID]


def test_mediapipe_answers_as_our_runner(sentiment_export, metadata, texts):
    """Each exported file as written, every text on one classifier (never reset)."""
    _, out, _ = sentiment_export
    for variant in VARIANTS:
        runner = EdgeSentimentClassifier.from_directory(out, variant, num_threads=1)
        expected = runner.predict(texts)
        content = (out / f"sentiment_{variant}.tflite").read_bytes()
        actual = mediapipe_probabilities(content, metadata["labels"], texts)
        assert expected.std() > 0.05  # answers spread out: agreement means something
        assert (actual.argmax(axis=1) == expected.argmax(axis=1)).all(), variant
        assert np.abs(actual - expected).max() <= TOLERANCE[variant], variant


def test_a_model_cut_in_its_metadata_files_is_damaged(sentiment_export, tmp_path):
    """The flatbuffer before the appended zip is whole: the zip tells a cut copy."""
    _, out, _ = sentiment_export
    copy = tmp_path / "export"
    shutil.copytree(out, copy)
    path = copy / "sentiment_float32.tflite"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(MetadataError, match="is damaged: .*metadata files .* are cut short"):
        EdgeSentimentClassifier.from_directory(copy, "float32")
