"""The sequence-autoencoder pretraining experiment (Dai & Le 2015) on generated reviews."""

from __future__ import annotations

import csv
import json

import keras
import numpy as np
import pytest

from benchmarks import sequence_autoencoder as sa
from tests.conftest import TINY_SENTIMENT, _flags


def test_texts_are_cut_into_chunks_without_padding_or_short_tails():
    texts = [np.array([5, 6, 7, 8, 9, 10, 11, 0, 0]), np.array([3, 4, 0])]
    chunks = sa.pretraining_chunks(texts, chunk_length=3, min_tokens=2)
    # The tail [11] has 1 token (dropped); the text [3, 4] has 2 (kept).
    assert [c.tolist() for c in chunks] == [[5, 6, 7], [8, 9, 10], [3, 4]]
    longer = sa.pretraining_chunks(texts, chunk_length=4, min_tokens=2)
    assert [c.tolist() for c in longer] == [[5, 6, 7, 8], [9, 10, 11], [3, 4]]


def test_the_decoder_reconstructs_the_chunk_shifted_right_with_rare_words_unknown():
    chunks = [np.array([2, 9, 3]), np.array([4, 5])]
    source, decoder_inputs, labels, weights = sa.reconstruction_arrays(
        chunks, chunk_length=4, decoder_vocabulary=6
    )
    start = 6
    assert source.tolist() == [[2, 9, 3, 0], [4, 5, 0, 0]]
    assert labels.tolist() == [[2, sa.UNKNOWN_ID, 3, 0], [4, 5, 0, 0]]
    assert decoder_inputs.tolist() == [[start, 2, sa.UNKNOWN_ID, 3], [start, 4, 5, 0]]
    assert weights.tolist() == [[1, 1, 1, 0], [1, 1, 0, 0]]


def test_train_flags_follow_a_double_dash():
    argv = ["finetune", "--out", "x", "--", "--data", "d.csv", "--epochs", "1"]
    assert sa.split_at_double_dash(argv) == (
        ["finetune", "--out", "x"],
        ["--data", "d.csv", "--epochs", "1"],
    )
    assert sa.split_at_double_dash(["pretrain", "--out", "x"]) == (["pretrain", "--out", "x"], [])


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    from apps.sentiment.corpus import generate_reviews

    texts, labels = generate_reviews(300, seed=5)
    path = tmp_path_factory.mktemp("sa-data") / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels, strict=True))
    return path, texts


@pytest.fixture(scope="module")
def pretrained(reviews, tmp_path_factory):
    from apps.sentiment.config import SentimentConfig

    config = SentimentConfig(
        units=int(TINY_SENTIMENT["units"]),
        embedding_dim=int(TINY_SENTIMENT["embedding-dim"]),
        max_tokens=int(TINY_SENTIMENT["max-tokens"]),
        min_count=1,
    )
    settings = sa.PretrainingSettings(
        chunk_length=12, decoder_vocabulary=100, validation_chunks=64, epochs=3, batch_size=32
    )
    out = tmp_path_factory.mktemp("sa-pretrained")
    summary = sa.pretrain(reviews[1], out, config, settings)
    return out, summary


def test_pretraining_learns_to_reconstruct(pretrained):
    out, summary = pretrained
    losses = summary["history"]["val_loss"]
    assert losses[-1] < losses[0]
    saved = json.loads((out / "pretraining.json").read_text(encoding="utf-8"))
    assert saved["chunks"] == summary["chunks"] > 64


class _FirstWeights(keras.callbacks.Callback):
    """The classifier's encoder weights when training starts (after the warm start)."""

    def on_train_begin(self, logs=None):
        self.encoder = [w.copy() for w in self.model.get_layer("encoder").get_weights()]


@pytest.mark.parametrize("control", [False, True])
def test_the_classifier_starts_from_the_pretrained_encoder(reviews, pretrained, tmp_path, control):
    from apps.sentiment.cli import build_parser
    from apps.sentiment.presets import resolve_sentiment_config
    from apps.sentiment.train import train

    out, _ = pretrained
    run_dir = tmp_path / "run"
    flags = {**TINY_SENTIMENT, "epochs": "1"}
    args = build_parser().parse_args(
        ["train", "--data", str(reviews[0]), "--run-dir", str(run_dir), *_flags(flags)]
    )
    first = _FirstWeights()
    source = sa.load_pretrained(out, control=control)
    assert train(args, resolve_sentiment_config(args), callbacks=(first,), source=source) == 0

    autoencoder = keras.models.load_model(out / sa.AUTOENCODER_FILE)
    pretrained_weights = autoencoder.get_layer("encoder").get_weights()
    same = [np.array_equal(a, b) for a, b in zip(first.encoder, pretrained_weights, strict=True)]
    assert all(same) != control
    # Either way the run uses the pretraining vocabulary, so the two differ only in weights.
    vocabulary = (run_dir / "vocabulary.txt").read_text(encoding="utf-8")
    assert vocabulary == (out / sa.VOCABULARY_FILE).read_text(encoding="utf-8")
    recorded = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))["init_from"]
    assert str(out) in recorded and ("vocabulary only" in recorded) == control
