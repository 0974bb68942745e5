"""Shared layers through the common harness, plus the masking policy's golden tests."""

import keras
import numpy as np
import pytest

from shared.layers import (
    BidirectionalRecurrentEncoder,
    HashedBagOfNgrams,
    MaskedSequencePooling,
    PaddingMask,
)
from tests.helpers.layer_harness import run_layer_test

BATCH, LENGTH, UNITS, EMBED, VOCAB = 3, 5, 4, 6, 20
TOKEN_IDS = np.array([[3, 4, 5, 6, 7], [8, 9, 0, 0, 0], [2, 0, 0, 0, 0]], dtype="int32")
# Per bidirectional layer: forward and backward each have kernel, recurrent kernel, bias.
WEIGHTS_PER_LAYER = 6


@pytest.mark.parametrize(
    ("cell", "num_layers", "states_per_direction"),
    [("lstm", 1, 2), ("gru", 2, 1), ("simple_rnn", 1, 1)],
)
def test_encoder_harness(cell, num_layers, states_per_direction, tmp_path):
    direction = tuple((BATCH, UNITS) for _ in range(states_per_direction))
    run_layer_test(
        BidirectionalRecurrentEncoder,
        init_kwargs={
            "vocabulary_size": VOCAB,
            "embedding_dim": EMBED,
            "units": UNITS,
            "num_layers": num_layers,
            "cell": cell,
            "dropout": 0.1,
            "recurrent_dropout": 0.0,
            "embedding_dropout": 0.1,
        },
        inputs={"token_ids": TOKEN_IDS},
        expected_output_shapes=(
            (BATCH, LENGTH, 2 * UNITS),
            tuple((direction, direction) for _ in range(num_layers)),
        ),
        expected_num_trainable_weights=1 + WEIGHTS_PER_LAYER * num_layers,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
def test_padding_leaves_final_states_exactly_as_unpadded(cell):
    """The masking policy: right padding must not move any state, in either direction."""
    keras.utils.set_random_seed(0)
    encoder = BidirectionalRecurrentEncoder(
        vocabulary_size=VOCAB, embedding_dim=EMBED, units=UNITS, num_layers=2, cell=cell
    )
    unpadded = np.array([[3, 4, 5]], dtype="int32")
    padded = np.array([[3, 4, 5, 0, 0, 0, 0]], dtype="int32")
    sequence_u, states_u = encoder(unpadded)
    sequence_p, states_p = encoder(padded)
    for a, b in zip(keras.tree.flatten(states_u), keras.tree.flatten(states_p), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(sequence_p)[:, :3], np.asarray(sequence_u))
    np.testing.assert_array_equal(np.asarray(sequence_p)[:, 3:], 0.0)


def test_backward_state_reads_the_sequence_right_to_left():
    """The backward final state is the forward state of the reversed sequence."""
    keras.utils.set_random_seed(1)
    encoder = BidirectionalRecurrentEncoder(vocabulary_size=VOCAB, embedding_dim=EMBED, units=UNITS)
    encoder(np.array([[1]], dtype="int32"))
    forward_layer = encoder.recurrent_layers[0].forward_layer
    backward_layer = encoder.recurrent_layers[0].backward_layer
    # Give the backward direction the forward direction's weights: then reading
    # [3, 4, 5] backwards must equal reading [5, 4, 3] forwards.
    backward_layer.set_weights(forward_layer.get_weights())
    _, states = encoder(np.array([[3, 4, 5, 0]], dtype="int32"))
    _, states_reversed = encoder(np.array([[5, 4, 3, 0]], dtype="int32"))
    ((_, backward),) = states
    ((forward_of_reversed, _),) = states_reversed
    np.testing.assert_allclose(
        np.asarray(backward[0]), np.asarray(forward_of_reversed[0]), atol=1e-6
    )


def test_encoder_rejects_unknown_cell_with_the_choices():
    with pytest.raises(
        ValueError, match=r"Expected `cell` to be one of .*'gru'.*Received: cell='transformer'"
    ):
        BidirectionalRecurrentEncoder(vocabulary_size=10, cell="transformer")


def test_encoder_rejects_degenerate_sizes():
    with pytest.raises(ValueError, match="vocabulary_size"):
        BidirectionalRecurrentEncoder(vocabulary_size=1)
    with pytest.raises(ValueError, match="num_layers"):
        BidirectionalRecurrentEncoder(vocabulary_size=10, num_layers=0)


def test_explicit_mask_overrides_the_one_derived_from_ids():
    keras.utils.set_random_seed(2)
    encoder = BidirectionalRecurrentEncoder(vocabulary_size=VOCAB, embedding_dim=EMBED, units=UNITS)
    ids = np.array([[3, 4, 5, 6]], dtype="int32")
    mask = np.array([[True, True, False, False]])
    _, masked_states = encoder(ids, mask=mask)
    _, short_states = encoder(ids[:, :2])
    for a, b in zip(
        keras.tree.flatten(masked_states), keras.tree.flatten(short_states), strict=True
    ):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


@pytest.mark.parametrize("mode", ["mean", "max", "mean_max"])
def test_pooling_harness(mode, tmp_path):
    sequence = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4) / 10
    mask = np.array([[True, True, False], [True, False, False]])
    run_layer_test(
        MaskedSequencePooling,
        init_kwargs={"mode": mode},
        inputs={"sequence": sequence, "padding_mask": mask},
        expected_output_shapes=(2, 8 if mode == "mean_max" else 4),
        expected_num_trainable_weights=0,
        tmp_path=tmp_path,
    )


def test_pooling_golden_values_ignore_padding():
    sequence = np.array(
        [[[1.0, -5.0], [3.0, -1.0], [100.0, 100.0]], [[-2.0, -4.0], [50.0, 50.0], [60.0, 60.0]]],
        dtype="float32",
    )
    mask = np.array([[True, True, False], [True, False, False]])
    mean = np.asarray(MaskedSequencePooling("mean")(sequence, mask))
    maximum = np.asarray(MaskedSequencePooling("max")(sequence, mask))
    both = np.asarray(MaskedSequencePooling("mean_max")(sequence, mask))
    np.testing.assert_allclose(mean, [[2.0, -3.0], [-2.0, -4.0]])
    np.testing.assert_allclose(maximum, [[3.0, -1.0], [-2.0, -4.0]])
    np.testing.assert_allclose(both, np.concatenate([mean, maximum], axis=-1))


def test_pooling_of_an_all_padding_row_is_zero_not_nan():
    sequence = np.ones((1, 3, 2), dtype="float32")
    mask = np.zeros((1, 3), dtype=bool)
    for mode in ("mean", "max", "mean_max"):
        np.testing.assert_array_equal(np.asarray(MaskedSequencePooling(mode)(sequence, mask)), 0.0)


def test_padding_mask_layer_marks_nonzero_ids():
    np.testing.assert_array_equal(np.asarray(PaddingMask()(TOKEN_IDS)), TOKEN_IDS != 0)


def test_bag_of_ngrams_harness(tmp_path):
    run_layer_test(
        HashedBagOfNgrams,
        init_kwargs={
            "vocabulary_size": VOCAB,
            "num_buckets": 7,
            "output_dim": EMBED,
            "learning_rate_scale": 3.0,
        },
        inputs={"token_ids": TOKEN_IDS},
        expected_output_shapes=(BATCH, EMBED),
        expected_num_trainable_weights=1,
        tmp_path=tmp_path,
    )


def test_bag_of_ngrams_averages_words_and_hashed_pairs_and_ignores_padding():
    layer = HashedBagOfNgrams(vocabulary_size=VOCAB, num_buckets=7, output_dim=EMBED)
    out = np.asarray(layer(np.array([[3, 4, 5, 0], [2, 0, 0, 0], [0, 0, 0, 0]], "int32")))
    table = np.asarray(layer.embedding.embeddings)

    def pair(a, b):
        return table[VOCAB + (a * 46337 + b) % 7]

    expected = (table[3] + table[4] + table[5] + pair(3, 4) + pair(4, 5)) / 5
    np.testing.assert_allclose(out[0], expected, rtol=1e-6)
    np.testing.assert_allclose(out[1], table[2], rtol=1e-6)  # one word: no pair
    assert np.abs(table).max() <= 0.05
    np.testing.assert_array_equal(out[2], np.zeros(EMBED))  # no words: zeros, not NaN
    # Padding never changes the result.
    padded = np.asarray(layer(np.array([[3, 4, 5, 0, 0, 0, 0, 0]], "int32")))
    np.testing.assert_allclose(padded[0], out[0], rtol=1e-6)


def test_bag_of_ngrams_learning_rate_scale_speeds_up_adam_and_keeps_the_start():
    """Scale s: the table starts s times smaller and the output is multiplied by s, so
    the initial output range is unchanged and one Adam step moves the output ~s times
    further."""
    ids = np.array([[3, 4, 5, 0]], "int32")

    def one_step_change(scale):
        keras.utils.set_random_seed(0)
        layer = HashedBagOfNgrams(VOCAB, 7, EMBED, learning_rate_scale=scale)
        before = np.asarray(layer(ids))
        assert np.abs(np.asarray(layer.embedding.embeddings)).max() <= 0.05 / scale
        optimizer = keras.optimizers.Adam(1e-3)
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(ids))
        optimizer.apply(tape.gradient(loss, layer.trainable_variables), layer.trainable_variables)
        return np.abs(np.asarray(layer(ids)) - before).max(), np.abs(before).max()

    change_1, start_1 = one_step_change(1.0)
    change_5, start_5 = one_step_change(5.0)
    assert change_5 == pytest.approx(5 * change_1, rel=1e-3)
    assert start_5 == pytest.approx(start_1, rel=1e-5)  # same seed: same initial output
    with pytest.raises(ValueError, match="learning_rate_scale"):
        HashedBagOfNgrams(VOCAB, 7, EMBED, learning_rate_scale=0.0)


def test_bag_of_ngrams_spreads_pairs_over_buckets_when_the_vocabulary_divides_them():
    """20,000 words into 1,000,000 buckets: a `left * vocabulary_size` hash would give each
    right word only 50 buckets; every pair here must get a bucket of its own."""
    from shared.layers.bag_of_ngrams import PAIR_MULTIPLIER

    vocabulary, buckets = 20_000, 1_000_000
    rng = np.random.default_rng(0)
    left = rng.integers(2, vocabulary, 5000)
    right = np.full(5000, 7)  # many pairs ending in the same word
    ids = (left.astype(np.int64) * PAIR_MULTIPLIER + right) % buckets
    assert len(set(ids.tolist())) == len(set(left.tolist()))
    # The layer computes exactly this, in int32, without overflow at the largest ids.
    layer = HashedBagOfNgrams(vocabulary, buckets, 2)
    largest = np.array([[vocabulary - 1, vocabulary - 1]], "int32")
    layer(largest)
    expected = vocabulary + ((vocabulary - 1) * PAIR_MULTIPLIER + vocabulary - 1) % buckets
    table = np.asarray(layer.embedding.embeddings)
    np.testing.assert_allclose(
        np.asarray(layer(largest))[0],
        (2 * table[vocabulary - 1] + table[expected]) / 3,
        rtol=1e-6,
    )


def test_bag_of_ngrams_refuses_vocabularies_whose_pair_ids_overflow_int32():
    with pytest.raises(ValueError, match="46340"):
        HashedBagOfNgrams(vocabulary_size=50_000, num_buckets=10, output_dim=2)
