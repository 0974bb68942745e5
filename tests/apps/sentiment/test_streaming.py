"""Streaming sentiment: a text fed in chunks gets the whole text's probabilities."""

import json

import numpy as np
import pytest

from apps.sentiment import load
from apps.sentiment.config import SentimentConfig
from apps.sentiment.presets import SENTENCES, without_bag_of_ngrams
from tests.helpers.chunks import STREAM_TEXT as TEXT
from tests.helpers.chunks import random_text_chunks

ATOL = 1e-5


@pytest.fixture(scope="module")
def streaming_classifier(streaming_run):
    return load(streaming_run)


def test_the_streaming_run_records_what_it_is(streaming_run):
    config = json.loads((streaming_run / "config.json").read_text())
    assert config["streaming"] is True
    assert config["ngram_dim"] == 0  # the sentences preset's bag of n-grams was dropped


def test_chunks_give_the_whole_text_probabilities(streaming_classifier):
    whole = streaming_classifier.probabilities([TEXT])[0]
    rng = np.random.default_rng(0)
    for _ in range(5):
        state = None
        for chunk in random_text_chunks(TEXT, rng):
            _, state = streaming_classifier.stream(chunk, state)
        probabilities = streaming_classifier._stream.step([""], state)[0][0]
        np.testing.assert_allclose(probabilities, whole, atol=ATOL)


def test_streams_are_not_truncated_to_max_length(streaming_classifier):
    """The state carries the text past max_length (40 tokens here)."""
    long_text = " ".join([TEXT] * 4)  # ~70 tokens
    _, state = streaming_classifier.stream(TEXT)
    more, state = streaming_classifier._stream.step([" ".join([TEXT] * 3)], state)
    whole, _ = streaming_classifier._stream.step([long_text])
    np.testing.assert_allclose(more, whole, atol=ATOL)
    assert state["pooled_count"][0, 0] == len(long_text.split()) > 40


def test_keras_step_batches_and_state_none(streaming_classifier):
    """A padded batch gives each row's own answer; `state=None` is the initial state."""
    ids = np.array([[5, 6, 7, 8], [9, 10, 0, 0]], dtype="int32")
    batch, state = streaming_classifier.stream_step(ids)
    for row, row_ids in enumerate(ids):
        alone, _ = streaming_classifier.stream_step(row_ids[row_ids != 0][None])
        np.testing.assert_allclose(np.asarray(batch)[row], np.asarray(alone)[0], atol=1e-6)
    initial = streaming_classifier._stream.initial_state(2)
    explicit, _ = streaming_classifier.stream_step(ids, initial)
    np.testing.assert_array_equal(np.asarray(explicit), np.asarray(batch))
    # Chunk by chunk equals at once, at the Keras level too.
    first, state = streaming_classifier.stream_step(ids[:, :1])
    rest, _ = streaming_classifier.stream_step(ids[:, 1:], state)
    np.testing.assert_allclose(np.asarray(rest), np.asarray(batch), atol=1e-6)


def test_a_batch_of_streams_answers_like_predict(streaming_classifier):
    answers, state = streaming_classifier.stream(["great film", "dull and too long"])
    assert [a["label"] for a in answers] == [
        a["label"] for a in streaming_classifier.predict(["great film", "dull and too long"])
    ]
    assert set(state) == set(streaming_classifier._stream.state_sizes)


def test_a_run_that_cannot_stream_is_refused(trained_run):
    classifier = load(trained_run)
    with pytest.raises(ValueError, match="Expected a stream-capable run .*streaming=False"):
        classifier.stream("great film")
    with pytest.raises(ValueError, match="train --streaming"):
        classifier.stream_step(np.array([[5]], dtype="int32"))


def test_streaming_configs_have_no_bag_of_ngrams():
    assert "ngram_dim" not in without_bag_of_ngrams(SENTENCES).values
    with pytest.raises(ValueError, match="ngram_dim"):
        SentimentConfig(streaming=True, ngram_dim=8).validate()


def test_a_streaming_model_cannot_start_from_a_bidirectional_pretrain_run(tmp_path):
    from apps.sentiment.artifacts import PRETRAINING_FILE
    from apps.sentiment.warm_start import warm_start_source

    (tmp_path / PRETRAINING_FILE).write_text("{}")
    with pytest.raises(ValueError, match="Expected --init-from a classifier run with --stream"):
        warm_start_source(tmp_path, SentimentConfig(streaming=True))
