"""Phone exports of the tiny runs shared by the edge-runner tests (exported once per
session, two variants); a test that changes one works on a copy (`copy_export`)."""

from pathlib import Path

import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.tflite import write_tflite_models as write_sentiment_models
from apps.translation.artifacts import TrainedTranslator
from apps.translation.tflite import write_tflite_models as write_translation_models
from tests.helpers.edge import EDGE_VARIANTS


@pytest.fixture(scope="session")
def sentiment_dir(tiny_sentiment_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edge-sentiment")
    write_sentiment_models(TrainedSentimentModel.load(tiny_sentiment_run), out, EDGE_VARIANTS)
    return out


@pytest.fixture(scope="session")
def translation_dir(tiny_translation_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edge-translation")
    write_translation_models(TrainedTranslator.load(tiny_translation_run), out, EDGE_VARIANTS)
    return out
