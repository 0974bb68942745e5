"""Learning-rate schedules, weight decay and length-bucketed batches."""

from __future__ import annotations

import numpy as np
import pytest

from apps.sentiment.config import SentimentConfig
from shared.text.vectorizer import WordVectorizer
from shared.training.pipelines import text_classification_dataset
from shared.training.trainer import learning_rate_schedule, make_optimizer


def test_constant_schedule_is_the_plain_learning_rate():
    config = SentimentConfig(learning_rate=3e-3)
    assert learning_rate_schedule(config, steps_per_epoch=10) == 3e-3


def test_cosine_schedule_warms_up_peaks_and_decays_to_zero_at_the_last_epoch():
    config = SentimentConfig(
        learning_rate=1e-2, lr_schedule="cosine", warmup_fraction=0.1, epochs=5
    )
    schedule = learning_rate_schedule(config, steps_per_epoch=20)  # 100 steps, 10 warm-up
    rates = np.array([float(schedule(step)) for step in range(0, 101)])
    assert rates[0] == pytest.approx(0.0)
    assert rates[5] == pytest.approx(5e-3, rel=1e-5)  # linear warm-up
    assert rates[10] == pytest.approx(1e-2, rel=1e-5)  # the peak is the configured rate
    assert np.all(np.diff(rates[10:]) <= 1e-9)  # then only decreasing
    assert rates[55] == pytest.approx(5e-3, rel=1e-3)  # cosine: half-way is half the peak
    assert rates[100] == pytest.approx(0.0, abs=1e-8)


def test_cosine_without_warmup_starts_at_the_peak():
    config = SentimentConfig(learning_rate=1e-3, lr_schedule="cosine", warmup_fraction=0.0)
    schedule = learning_rate_schedule(config, steps_per_epoch=7)
    assert float(schedule(0)) == pytest.approx(1e-3)


def test_weight_decay_and_clipping_reach_the_optimizer():
    optimizer = make_optimizer(SentimentConfig(weight_decay=0.01, clipnorm=2.0), 10)
    assert optimizer.weight_decay == pytest.approx(0.01)
    assert optimizer.clipnorm == pytest.approx(2.0)
    assert make_optimizer(SentimentConfig(weight_decay=0.0), 10).weight_decay is None


def test_schedule_settings_are_validated():
    with pytest.raises(ValueError, match="warmup_fraction"):
        SentimentConfig(warmup_fraction=1.0).validate()
    with pytest.raises(ValueError, match="weight_decay"):
        SentimentConfig(weight_decay=-0.1).validate()


def _texts(count: int, seed: int = 0) -> list[str]:
    lengths = np.random.default_rng(seed).integers(0, 60, count)
    return [" ".join(["good"] * int(n) + [f"w{i}"]) for i, n in enumerate(lengths)]


def _epoch(dataset):
    ids, labels = [], []
    for x, y in dataset:
        ids.append(x.numpy())
        labels += y.numpy().tolist()
    return ids, labels


@pytest.fixture(scope="module")
def vectorizer():
    layer = WordVectorizer(max_length=40)
    layer.adapt(_texts(500))
    return layer


def test_bucketed_batches_hold_every_example_once_with_far_less_padding(vectorizer):
    texts = _texts(500)
    kwargs = dict(batch_size=16, shuffle=True, seed=3)
    bucketed = text_classification_dataset(texts, list(range(500)), vectorizer, **kwargs)
    plain = text_classification_dataset(
        texts, list(range(500)), vectorizer, bucket_by_length=False, **kwargs
    )
    assert len(bucketed) == 32  # cardinality known to Keras: ceil(500 / 16)
    ids, labels = _epoch(bucketed)
    assert sorted(labels) == list(range(500))
    assert len(ids) == 32

    def padding_share(batches):
        return sum((b == 0).sum() for b in batches) / sum(b.size for b in batches)

    assert padding_share(ids) < 0.1 < padding_share(_epoch(plain)[0])
    # Every batch is trimmed to its own longest text, and the texts keep their ids.
    for batch in ids:
        assert (batch != 0).sum(axis=1).max() == batch.shape[1]
    expected = {
        i: vectorizer.vectorize([t], pad_to_max_length=False).numpy()[0]
        for i, t in enumerate(texts)
    }
    for batch, batch_labels in zip(
        ids, np.split(np.array(labels), np.cumsum([len(b) for b in ids])[:-1]), strict=True
    ):
        for row, label in zip(batch, batch_labels, strict=True):
            np.testing.assert_array_equal(row[row != 0], expected[label])


def test_bucketed_order_is_seeded_and_reshuffled_each_epoch(vectorizer):
    texts = _texts(300)

    def labels(seed):
        dataset = text_classification_dataset(
            texts, list(range(300)), vectorizer, 16, shuffle=True, seed=seed
        )
        return _epoch(dataset)[1], _epoch(dataset)[1]

    first, second = labels(5)
    assert labels(5) == (first, second)  # same seed, same order
    assert first != second  # a new order every epoch
    assert labels(6)[0] != first


def test_validation_batches_are_not_shuffled(vectorizer):
    texts = _texts(100)
    dataset = text_classification_dataset(
        texts, list(range(100)), vectorizer, 16, shuffle=False, seed=0
    )
    assert _epoch(dataset)[1] == _epoch(dataset)[1]


@pytest.mark.parametrize("bucket_by_length", [True, False])
def test_texts_without_tokens_still_give_batches_with_a_time_step(vectorizer, bucket_by_length):
    texts = ["<br />"] * 40 + _texts(40)
    dataset = text_classification_dataset(
        texts,
        list(range(80)),
        vectorizer,
        16,
        shuffle=False,
        seed=0,
        bucket_by_length=bucket_by_length,
    )
    ids, labels = _epoch(dataset)
    assert sorted(labels) == list(range(80))
    assert all(batch.shape[1] >= 1 for batch in ids)
    assert any((batch == 0).all() for batch in ids)  # the empty texts' batch is all padding
