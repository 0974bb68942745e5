"""`python -m apps.sentiment pretrain` (Dai & Le sequence autoencoder) and its warm start."""

from __future__ import annotations

import csv
import json
import os

import keras
import numpy as np
import pytest

from apps.sentiment import pretrain as sa
from apps.sentiment.cli import build_parser, main
from shared.ids import UNK_ID
from tests.helpers.runs import TINY_SENTIMENT, flags

TINY_ENCODER = {k: TINY_SENTIMENT[k] for k in ("units", "embedding-dim", "max-tokens")}


def test_texts_are_cut_into_chunks_without_padding_or_short_tails():
    texts = [np.array([5, 6, 7, 8, 9, 10, 11, 0, 0]), np.array([3, 4, 0])]
    chunks = sa.pretraining_chunks(texts, chunk_length=3, min_tokens=2)
    # The tail [11] has 1 token (dropped); the text [3, 4] has 2 (kept).
    assert [c.tolist() for c in chunks] == [[5, 6, 7], [8, 9, 10], [3, 4]]
    longer = sa.pretraining_chunks(texts, chunk_length=4, min_tokens=2)
    assert [c.tolist() for c in longer] == [[5, 6, 7, 8], [9, 10, 11], [3, 4]]


def test_the_decoder_reconstructs_the_chunk_shifted_right_with_rare_words_unknown():
    chunks = [np.array([2, 9, 3]), np.array([4, 5])]
    (token_ids, decoder_inputs), labels, weights = sa.reconstruction_arrays(
        chunks, chunk_length=4, decoder_vocabulary=6
    )
    start = 6
    assert token_ids.tolist() == [[2, 9, 3, 0], [4, 5, 0, 0]]
    assert labels.tolist() == [[2, UNK_ID, 3, 0], [4, 5, 0, 0]]
    assert decoder_inputs.tolist() == [[start, 2, UNK_ID, 3], [start, 4, 5, 0]]
    assert weights.tolist() == [[1, 1, 1, 0], [1, 1, 0, 0]]


def _write_reviews(path, count, seed):
    from apps.sentiment.corpus import generate_reviews

    texts, labels = generate_reviews(count, seed=seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels, strict=True))
    return path


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    return _write_reviews(tmp_path_factory.mktemp("pretrain-data") / "reviews.csv", 300, 5)


PRETRAIN_FLAGS = {
    **TINY_ENCODER,
    "min-count": "1",
    "chunk-length": "12",
    "epochs": "3",
    "batch-size": "32",
    "validation-split": "0.2",
    "decoder-vocabulary": "100",
}


@pytest.fixture(scope="module")
def pretrained(reviews, tmp_path_factory):
    """A finished pretraining run, written where the command puts it without --run-dir."""
    workdir = tmp_path_factory.mktemp("pretrained")
    previous = os.getcwd()
    os.chdir(workdir)  # runs/ is relative to the working directory
    try:
        assert main(["pretrain", "--data", str(reviews), *flags(PRETRAIN_FLAGS)]) == 0
    finally:
        os.chdir(previous)
    [run_dir] = (workdir / "runs" / "sentiment-pretraining").iterdir()
    return run_dir


def test_pretraining_learns_to_reconstruct_and_resumes_as_finished(pretrained, reviews, capsys):
    history = [line.split(",") for line in (pretrained / "history.csv").read_text().splitlines()]
    val_loss = [float(row[history[0].index("val_loss")]) for row in history[1:]]
    assert len(val_loss) == 3 and val_loss[-1] < val_loss[0]
    metrics = json.loads((pretrained / "pretraining.json").read_text(encoding="utf-8"))
    assert metrics["chunks"] > 100 and 0 < metrics["validation_reconstruction_accuracy"] < 1
    # The same command again reports the finished run instead of training it twice.
    argv = ["pretrain", "--data", str(reviews), "--run-dir", str(pretrained)]
    argv += flags(PRETRAIN_FLAGS)
    capsys.readouterr()
    assert main(argv) == 0
    assert "(finished)" in capsys.readouterr().out


class _FirstWeights(keras.callbacks.Callback):
    """The classifier's encoder weights when training starts (after the warm start)."""

    def on_train_begin(self, logs=None):
        # The `sentences` preset fits through AdversarialTrainer, which wraps the classifier.
        classifier = getattr(self.model, "classifier", self.model)
        self.encoder = [w.copy() for w in classifier.get_layer("encoder").get_weights()]


def test_init_from_a_pretraining_run_starts_the_classifier_from_its_encoder(
    reviews, pretrained, tmp_path, capsys
):
    from apps.sentiment.presets import resolve_sentiment_config
    from apps.sentiment.train import train_command

    run_dir = tmp_path / "classifier"
    # Other shapes on the command line: the pretrained encoder's win, and say so.
    settings = {**TINY_SENTIMENT, "epochs": "1", "units": "4", "embedding-dim": "8"}
    args = build_parser().parse_args(
        [
            "train",
            "--data",
            str(reviews),
            "--run-dir",
            str(run_dir),
            "--init-from",
            str(pretrained),
            *flags(settings),
        ]
    )
    first = _FirstWeights()
    assert train_command(args, resolve_sentiment_config(args), callbacks=(first,)) == 0
    out = capsys.readouterr().out
    assert "model shape taken from" in out and "'encoder_units': 8" in out

    autoencoder = keras.models.load_model(pretrained / "model.keras")
    expected = autoencoder.get_layer("encoder").get_weights()
    assert len(first.encoder) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(first.encoder, expected, strict=True))
    vocabulary = (run_dir / "vocabulary.txt").read_text(encoding="utf-8")
    assert vocabulary == (pretrained / "vocabulary.txt").read_text(encoding="utf-8")
    # The classifier is a normal finished run: predict works on it.
    assert main(["predict", "--run-dir", str(run_dir), "a great film"]) == 0
    assert '"label"' in capsys.readouterr().out


def test_too_little_text_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "tiny.csv"
    data.write_text("text,label\nok,1\n", encoding="utf-8")
    argv = ["pretrain", "--data", str(data), "--run-dir", str(tmp_path / "run"), "--min-count", "1"]
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "Expected enough text" in err and "Received 1 texts giving 0 chunk(s)" in err


def test_pretraining_runs_never_pass_for_the_latest_classifier(pretrained):
    from shared.cli import latest_finished_run

    # `predict` without --run-dir takes the latest finished runs/sentiment/*: an
    # autoencoder there would be served as a classifier.
    runs_root = pretrained.parent.parent
    assert (pretrained / "model.keras").is_file()
    with pytest.raises(FileNotFoundError):
        latest_finished_run("sentiment", runs_root=runs_root)


def test_a_review_folder_brings_its_unlabelled_reviews(tmp_path):
    from apps.sentiment.data import DataOptions, load_examples

    for folder, text in (("pos", "loved it"), ("neg", "hated it"), ("unsup", "saw it twice")):
        (tmp_path / "train" / folder).mkdir(parents=True)
        (tmp_path / "train" / folder / "0_1.txt").write_text(text, encoding="utf-8")
    texts, rejected = sa.read_texts([str(tmp_path / "train")], DataOptions())
    assert sorted(texts) == ["hated it", "loved it", "saw it twice"] and not rejected
    # Training on the same folder keeps unsup/ out: it is not a class.
    assert sorted(load_examples(tmp_path / "train").texts) == ["hated it", "loved it"]
