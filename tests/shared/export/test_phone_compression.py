"""Compact phone models: folded buckets and low-rank factors, and the distilled export."""

import json
import shutil

import keras
import numpy as np
import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.phone_compression import (
    GENERATED_TEXTS,
    CompactSettings,
    compact_classifier,
    compact_for_phone,
    pair_bucket_counts,
    table_weights,
    wants_compact,
)
from apps.sentiment.tflite import write_tflite_models
from shared.edge.flatbuffer import operator_names
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.export.tflite.compression import (
    fold_buckets,
    folded_bucket_count,
    low_rank_factors,
    project_onto_softmax,
)
from shared.layers import HashedBagOfNgrams
from shared.layers.factorized_embedding import FactorizedBidirectionalEncoder, FactorizedEmbedding

# The compact tiny model against the server model on the tiny run's 60 validation texts
# (measured: same answer 0.85-0.92, mean largest probability difference 0.0024-0.0035).
# The tiny model's probabilities sit near 0.5, so answers flip on small differences: the
# probabilities are the sharper check.
MIN_AGREEMENT = 0.8
MAX_PROBABILITY_DIFFERENCE = 0.01


def test_folded_bag_reads_what_the_big_one_read():
    rng = np.random.default_rng(0)
    ids = np.array([[5, 9, 17, 33, 2, 0, 0]], np.int32)
    counts = pair_bucket_counts(ids, 96)
    hit = np.flatnonzero(counts)
    # A fold where the text's pairs keep distinct rows (as most pairs do at 62,500 of
    # 1,000,000 buckets): then the small bag reads exactly what the big one read.
    count = next(c for c in (12, 24, 32, 48) if len(set(hit % c)) == len(hit))
    big, small = HashedBagOfNgrams(50, 96, 4), HashedBagOfNgrams(50, count, 4)
    big.build(ids.shape)
    small.build(ids.shape)
    table = rng.normal(size=(50 + 96, 4)).astype(np.float32)
    big.embedding.set_weights([table])
    folded = fold_buckets(table[50:], count, counts)
    small.embedding.set_weights([np.concatenate([table[:50], folded])])
    np.testing.assert_allclose(small(ids), big(ids), atol=1e-6)
    # Without `keep`, a row is the sum of every row folded onto it.
    np.testing.assert_allclose(
        fold_buckets(table[50:], count)[hit[0] % count],
        table[50:][np.arange(96) % count == hit[0] % count].sum(axis=0),
        atol=1e-5,
    )


def test_projected_rows_give_the_same_softmax():
    rng = np.random.default_rng(2)
    features, rows, kernel = (
        rng.normal(size=(5, 8)),
        rng.normal(size=(5, 8)),
        rng.normal(size=(8, 3)),
    )
    projected, new_kernel = project_onto_softmax(rows, kernel)
    assert projected.shape == (5, 2) and new_kernel.shape == (2, 3)
    head = rng.normal(size=(8, 3))
    before = keras.ops.softmax(features @ head + rows @ kernel)
    after = keras.ops.softmax(features @ head + projected @ new_kernel)
    np.testing.assert_allclose(after, before, atol=1e-5)


def test_folded_bucket_count_divides():
    assert folded_bucket_count(1_000_000, 65_536) == 62_500
    assert folded_bucket_count(64, 16) == 16
    assert folded_bucket_count(64, 20) == 16
    with pytest.raises(ValueError, match="divide"):
        fold_buckets(np.zeros((10, 2)), 3)


def test_low_rank_factors_keep_a_low_rank_table():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 8))
    factors, projection = low_rank_factors(table, 3)
    assert factors.shape == (40, 3) and projection.shape == (3, 8)
    np.testing.assert_allclose(factors @ projection, table, atol=1e-4)
    # Weighted by reads and measured after the reading layer: exact at full rank, and at a
    # lower rank closer in that measure than the plain SVD.
    reads, reader = rng.integers(1, 100, size=40).astype(float), rng.normal(size=(8, 5))
    factors, projection = low_rank_factors(table, 3, reads, reader)
    np.testing.assert_allclose(factors @ projection, table, atol=1e-3)

    def error(fit):
        return float((reads[:, None] * ((fit - table) @ reader) ** 2).sum())

    plain = np.matmul(*low_rank_factors(table, 2))
    fitted = np.matmul(*low_rank_factors(table, 2, reads, reader))
    assert error(fitted) < error(plain)


def test_factorized_encoder_round_trips_its_config():
    encoder = FactorizedBidirectionalEncoder(30, embedding_rank=3, embedding_dim=8, units=4)
    ids = np.array([[3, 4, 5, 0]], np.int32)
    encoder(ids)
    copy = FactorizedBidirectionalEncoder.from_config(encoder.get_config())
    copy(ids)
    copy.set_weights(encoder.get_weights())
    np.testing.assert_allclose(copy(ids)[0], encoder(ids)[0], atol=1e-6)
    assert isinstance(copy.embedding, FactorizedEmbedding) and copy.embedding.rank == 3
    # The full-width table is not a weight: only the factors are.
    shapes = sorted(tuple(w.shape) for w in copy.embedding.weights)
    assert shapes == [(3, 8), (30, 3)]
    assert keras.ops.convert_to_numpy(copy.embedding.embeddings).shape == (30, 8)


@pytest.fixture(scope="module")
def compact_export(tiny_sentiment_run, tmp_path_factory):
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    out = tmp_path_factory.mktemp("compact-tflite")
    settings = CompactSettings(embedding_rank=4, bag_buckets=16, distil_epochs=1)
    summary = write_tflite_models(
        trained, out, variants=("dynamic_range",), phone_size="compact", compact_settings=settings
    )
    return trained, out, summary


def test_auto_keeps_tiny_runs_full(tiny_sentiment_run):
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    assert table_weights(trained.classifier) < 20_000
    assert not wants_compact(trained, "auto")
    assert wants_compact(trained, "compact")
    assert not wants_compact(trained, "full")


def test_compact_phone_model_is_smaller_builtin_and_agrees(compact_export, sentiment_export):
    trained, out, summary = compact_export
    full_bytes = sentiment_export[2]["files"]["dynamic_range"]["bytes"]
    compact_bytes = summary["files"]["dynamic_range"]["bytes"]
    assert compact_bytes < full_bytes
    model = summary["phone_model"]
    assert model["phone_size"] == "compact"
    assert model["compression"]["bag_of_ngrams"]["buckets_to"] == 16
    assert model["compression"]["bag_of_ngrams"]["dims_to"] == 1  # 2 classes
    assert model["compression"]["embedding"]["to"][0] == [trained.vectorizer.vocabulary_size, 4]
    assert model["parameters"]["phone"] < model["parameters"]["server"]
    assert model["agreement"]["same_answer"] >= MIN_AGREEMENT, model["agreement"]
    difference = model["agreement"]["mean_probability_difference"]
    assert difference <= MAX_PROBABILITY_DIFFERENCE, model["agreement"]
    content = (out / "sentiment_dynamic_range.tflite").read_bytes()
    assert not [op for op in operator_names(content) if op.startswith("custom:")]
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["phone_model"]["phone_size"] == "compact"
    # Same tokenizer contract: the edge runner loads it with its metadata and golden file.
    phone = EdgeSentimentClassifier.from_directory(out, variant="dynamic_range")
    probabilities = phone.predict(["a wonderful film, truly moving", "dull and far too long"])
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-4)
    assert (out / "golden.json").is_file()


def test_compacting_where_the_training_data_is_not(tiny_sentiment_run, tmp_path):
    run = tmp_path / "moved"
    shutil.copytree(
        tiny_sentiment_run, run, ignore=shutil.ignore_patterns("checkpoints", "tensorboard")
    )
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "data": str(tmp_path / "gone.csv")}))
    trained = TrainedSentimentModel.load(run)
    small, record = compact_for_phone(trained, CompactSettings(embedding_rank=4, bag_buckets=16))
    assert "generated reviews" in record["agreement"]["split"]
    assert record["agreement"]["texts"] == GENERATED_TEXTS
    assert record["compression"]["bag_of_ngrams"]["buckets_read"] is None
    assert small.count_params() < trained.classifier.count_params()


def test_the_bag_gets_what_the_size_budget_leaves(tiny_sentiment_run):
    classifier = TrainedSentimentModel.load(tiny_sentiment_run).classifier
    roomy = CompactSettings(embedding_rank=4, bag_buckets=64, size_budget=10**6)
    _, details = compact_classifier(classifier, roomy, None)
    assert details["bag_of_ngrams"]["buckets_to"] == 64
    # 20 bytes over what the rest takes: 20 one-dim rows, folded to a divisor of 64.
    fixed = details["bag_of_ngrams"]["estimated_bytes"] - 64
    tight = CompactSettings(embedding_rank=4, bag_buckets=64, size_budget=fixed + 20)
    _, details = compact_classifier(classifier, tight, None)
    assert details["bag_of_ngrams"]["buckets_to"] == 16
    assert details["bag_of_ngrams"]["estimated_bytes"] <= tight.size_budget
