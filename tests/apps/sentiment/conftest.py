"""The sentiment CLI tests' made-up reviews and the tiny run trained on them (once)."""

import pytest

from apps.sentiment.cli import main
from apps.sentiment.corpus import generate_reviews
from tests.helpers.cli import TINY_SENTIMENT_FLAGS, train_argv, write_csv


@pytest.fixture(scope="session")
def corpus_csv(tmp_path_factory):
    texts, labels = generate_reviews(600, seed=7)
    ids = ["1" if label == "positive" else "0" for label in labels]
    return write_csv(tmp_path_factory.mktemp("data") / "reviews.csv", texts, ids)


@pytest.fixture(scope="session")
def trained_run(corpus_csv, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    assert main(train_argv(corpus_csv, run_dir, *TINY_SENTIMENT_FLAGS)) == 0
    return run_dir


@pytest.fixture(scope="session")
def streaming_run(tiny_streaming_run):
    """A tiny stream-capable run (`train --streaming`): forward LSTM, mean_max pooling, on
    this corpus; trained once per session for every streaming test (tests/conftest.py)."""
    return tiny_streaming_run
