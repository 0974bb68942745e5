"""`train --adversarial-epsilon`: trained adversarially, saved and exported as the plain model."""

import json

import keras
import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.cli import main
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import DataOptions
from apps.sentiment.inference import SentimentPredictor
from apps.sentiment.run_settings import run_settings
from shared.training.history import read_history
from tests.helpers.cli import TINY_SENTIMENT_FLAGS, train_argv


def test_the_run_saves_the_plain_classifier(corpus_csv, trained_run, tmp_path):
    run_dir = tmp_path / "adversarial"
    flags = [*TINY_SENTIMENT_FLAGS, "--epochs", "1", "--adversarial-epsilon", "0.05"]
    assert main(train_argv(corpus_csv, run_dir, *flags)) == 0
    adversarial = keras.models.load_model(run_dir / "model.keras")
    plain = keras.models.load_model(trained_run / "model.keras")
    assert type(adversarial) is type(plain)
    adversarial_json, plain_json = json.loads(adversarial.to_json()), json.loads(plain.to_json())
    assert adversarial_json["config"] == plain_json["config"], "the same graph and layers"
    compiled = adversarial_json["compile_config"]
    assert compiled["loss"] == plain_json["compile_config"]["loss"]
    assert compiled["optimizer"]["class_name"] == "Adam"
    assert adversarial.optimizer.iterations.numpy() > 0, "saved with its optimizer state"
    (row,) = read_history(run_dir / "history.csv")
    assert {"loss", "accuracy", "adversarial_loss", "val_loss", "val_accuracy"} <= set(row)
    assert "val_adversarial_loss" not in row
    trained = TrainedSentimentModel.load(run_dir)
    assert trained.config.adversarial_epsilon == 0.05
    probabilities, _ = SentimentPredictor(trained).predict(["a great film", "dull"])
    assert probabilities.shape == (2, 2)


def test_only_runs_that_use_it_record_it():
    def settings(config):
        return run_settings(config, "d.csv", None, DataOptions(), None, None, None)

    assert "adversarial_epsilon" not in settings(SentimentConfig()), "old runs keep their hash"
    assert settings(SentimentConfig(adversarial_epsilon=0.02))["adversarial_epsilon"] == 0.02


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"adversarial_epsilon": -0.1}, ">= 0"),
        ({"adversarial_epsilon": 0.1, "streaming": True, "document_window": 8}, "document"),
        ({"adversarial_epsilon": 0.1, "strategy": "mirrored"}, "strategy"),
    ],
)
def test_unsupported_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=f"Expected `adversarial_epsilon` .*{message}"):
        SentimentConfig(**settings).validate()
