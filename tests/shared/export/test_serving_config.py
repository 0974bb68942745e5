"""TF Serving exports: models.config, the batching parameters, and warmup requests that
cover every shape the XLA signatures compile (batch and length buckets)."""

from __future__ import annotations

import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from shared.export.shape_buckets import length_buckets, pad_to_bucket
from shared.export.tf_serving_config import ALLOWED_BATCH_SIZES, served_models
from shared.export.warmup import read_warmup_requests
from shared.ids import batch_buckets


def test_models_config_parses_as_model_server_config_listing_both_apps(exported):
    root, _, _ = exported
    config = text_format.Parse(
        (root / "models.config").read_text(), model_server_config_pb2.ModelServerConfig()
    )
    models = {m.name: m for m in config.model_config_list.config}
    assert sorted(models) == served_models(root) == ["sentiment", "translation"]
    assert models["sentiment"].base_path == "/models/sentiment"
    assert models["translation"].model_platform == "tensorflow"


def test_batching_parameters_match_the_xla_batch_buckets(exported):
    root, _, _ = exported
    text = (root / "batching_parameters.txt").read_text()
    allowed = [int(line.split(":")[1]) for line in text.splitlines() if "allowed" in line]
    assert allowed == list(ALLOWED_BATCH_SIZES) == batch_buckets(ALLOWED_BATCH_SIZES[-1])
    assert f"max_batch_size {{ value: {allowed[-1]} }}" in text


def test_warmup_requests_cover_every_compiled_shape(
    exported, tiny_sentiment_run, tiny_translation_run
):
    _, sentiment_dir, translation_dir = exported
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    shapes = set()
    for signature, inputs in read_warmup_requests(sentiment_dir):
        if signature in ("classify_token_ids", "classification"):
            continue  # one request each: both run serving_default's compiled core
        assert signature == "serving_default"
        ids = trained.vectorizer.vectorize(tf.constant(inputs["text"]), pad_to_max_length=False)
        shapes.add(tuple(pad_to_bucket(ids, trained.vectorizer.max_length).shape))
    lengths = length_buckets(trained.vectorizer.max_length)
    assert shapes == {(b, n) for b in batch_buckets(32) for n in lengths}

    translator = Translator(TrainedTranslator.load(tiny_translation_run))
    max_length = translator.trained.config.max_source_length
    shapes = {"serving_default": set(), "translate_greedy": set()}
    for signature, inputs in read_warmup_requests(translation_dir):
        ids, _ = translator.source_ids(tf.constant(inputs["text"]))
        shapes[signature].add(tuple(pad_to_bucket(ids, max_length).shape))
    expected = {(b, n) for b in batch_buckets(32) for n in length_buckets(max_length)}
    assert shapes == {"serving_default": expected, "translate_greedy": expected}


def test_bucket_padding_rounds_batch_and_length_up():
    ids = tf.ones([3, 17], tf.int32)
    padded = pad_to_bucket(ids, max_length=48)
    assert padded.shape == (4, 32)
    assert int(tf.reduce_sum(padded)) == 3 * 17  # only padding added
    assert pad_to_bucket(tf.ones([1, 40], tf.int32), max_length=48).shape == (1, 48)
    assert pad_to_bucket(tf.ones([0, 0], tf.int32), max_length=48).shape == (1, 16)
    assert length_buckets(200) == [16, 32, 64, 128, 200]
    assert length_buckets(8) == [8]
