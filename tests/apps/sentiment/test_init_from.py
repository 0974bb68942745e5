"""`train --init-from RUN`: a classifier started from another run's weights and shapes."""

import json

import numpy as np

from apps.sentiment.cli import main
from apps.sentiment.corpus import generate_reviews
from tests.helpers.cli import train_argv, write_csv


def test_final_state_pooling_reads_both_directions():
    import keras

    from apps.sentiment.config import SentimentConfig
    from apps.sentiment.model import build_classifier

    keras.utils.set_random_seed(0)
    config = SentimentConfig(pooling="final_state", units=4, embedding_dim=8, head_dropout=0.0)
    model = build_classifier(config, vocabulary_size=20, num_classes=2)
    ids = np.array([[3, 4, 5, 0], [6, 7, 0, 0]], dtype="int32")
    _, states = model.get_layer("encoder")(ids)
    ((forward, backward),) = states
    features = np.concatenate([np.asarray(forward[0]), np.asarray(backward[0])], axis=-1)
    expected = np.asarray(model.get_layer("probabilities")(features))
    np.testing.assert_allclose(model.predict(ids, verbose=0), expected, atol=1e-6)


def test_init_from_starts_from_the_source_weights_vocabulary_and_shape(
    tiny_sentiment_run, tmp_path, capsys
):
    import keras

    texts, _ = generate_reviews(120, seed=21)
    data = write_csv(tmp_path / "three.csv", texts, [i % 3 for i in range(len(texts))])
    run_dir = tmp_path / "warm"
    argv = train_argv(
        data,
        run_dir,
        "--init-from",
        str(tiny_sentiment_run),
        "--epochs",
        "1",
        "--learning-rate",
        "1e-12",
        "--units",
        "5",
        "--max-length",
        "48",
        "--batch-size",
        "32",
    )
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "model shape taken from" in out and "'encoder_units': 8" in out
    assert "(new: probabilities)" in out  # 3 classes here, 2 in the source
    source_config = json.loads((tiny_sentiment_run / "config.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    # The source's shape, not --units.
    assert config["encoder_units"] == source_config["encoder_units"] == 8
    assert config["init_from"] == str(tiny_sentiment_run)
    assert (run_dir / "vocabulary.txt").read_text() == (
        tiny_sentiment_run / "vocabulary.txt"
    ).read_text()
    # A learning rate of 1e-12 leaves the copied encoder where the source left it.
    source = keras.models.load_model(tiny_sentiment_run / "model.keras")
    warm = keras.models.load_model(run_dir / "model.keras")
    for a, b in zip(
        source.get_layer("encoder").get_weights(),
        warm.get_layer("encoder").get_weights(),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert warm.get_layer("probabilities").get_weights()[0].shape[-1] == 3


def test_init_from_an_unfinished_run_is_refused(corpus_csv, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = train_argv(
        corpus_csv, tmp_path / "r", "--init-from", str(tmp_path / "empty"), "--epochs", "1"
    )
    assert main(argv) != 0
    assert "empty" in capsys.readouterr().err


def test_init_from_with_the_same_number_of_other_classes_starts_the_output_afresh(
    tiny_sentiment_run, tmp_path, capsys
):
    texts, _ = generate_reviews(120, seed=22)
    data = write_csv(tmp_path / "ab.csv", texts, ["a" if i % 2 else "b" for i in range(120)])
    argv = train_argv(
        data,
        tmp_path / "warm",
        "--init-from",
        str(tiny_sentiment_run),
        "--epochs",
        "1",
        "--max-length",
        "48",
        "--batch-size",
        "32",
    )
    assert main(argv) == 0
    assert "(new: probabilities)" in capsys.readouterr().out  # 2 classes, but a/b, not 0/1
