"""The decoder and the bridge through the shared harness; step must reproduce call."""

import keras
import numpy as np
import pytest

from shared.layers import BidirectionalRecurrentEncoder, RecurrentDecoder, StateBridge
from tests.helpers.layer_harness import run_layer_test

BATCH, LENGTH, VOCAB = 2, 4, 15
TARGET_IN = np.array([[2, 5, 6, 7], [2, 8, 0, 0]], dtype="int32")


def random_states(num_layers, per_layer, units, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(
        tuple(rng.normal(size=(BATCH, units)).astype("float32") for _ in range(per_layer))
        for _ in range(num_layers)
    )


@pytest.mark.parametrize(("cell", "num_layers", "per_layer"), [("lstm", 2, 2), ("gru", 1, 1)])
def test_decoder_harness(cell, num_layers, per_layer, tmp_path):
    units = 6
    run_layer_test(
        RecurrentDecoder,
        init_kwargs={
            "vocabulary_size": VOCAB,
            "embedding_dim": 5,
            "units": units,
            "num_layers": num_layers,
            "cell": cell,
            "dropout": 0.1,
        },
        inputs={
            "target_in": TARGET_IN,
            "initial_state": random_states(num_layers, per_layer, units),
        },
        expected_output_shapes=(BATCH, LENGTH, VOCAB),
        # embedding + (kernel, recurrent kernel, bias) per layer + projection kernel, bias
        expected_num_trainable_weights=1 + 3 * num_layers + 2,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
def test_step_by_step_reproduces_the_teacher_forced_call(cell):
    keras.utils.set_random_seed(3)
    decoder = RecurrentDecoder(VOCAB, embedding_dim=5, units=6, num_layers=2, cell=cell)
    per_layer = 2 if cell == "lstm" else 1
    states = random_states(2, per_layer, 6, seed=1)
    full = np.asarray(decoder(TARGET_IN, states))
    for t in range(LENGTH):
        logits, states = decoder.step(TARGET_IN[:, t], states)
        np.testing.assert_allclose(np.asarray(logits), full[:, t], rtol=1e-5, atol=1e-5)


def test_decoder_rejects_states_of_the_wrong_structure():
    decoder = RecurrentDecoder(VOCAB, units=6, num_layers=2, cell="lstm")
    with pytest.raises(ValueError, match=r"Expected 2 layer state\(s\) of 2 tensor\(s\) each"):
        decoder(TARGET_IN, random_states(1, 2, 6))


def encoder_states(cell, num_layers, units=3, seed=0):
    per_direction = 2 if cell == "lstm" else 1
    rng = np.random.default_rng(seed)

    def direction():
        return tuple(
            rng.normal(size=(BATCH, units)).astype("float32") for _ in range(per_direction)
        )

    return tuple((direction(), direction()) for _ in range(num_layers))


def test_bridge_copies_when_sizes_fit():
    states = encoder_states("lstm", 1, units=3)
    bridge = StateBridge(decoder_units=6, decoder_cell="lstm")
    (decoder_state,) = bridge(states)
    ((forward, backward),) = states
    np.testing.assert_array_equal(
        np.asarray(decoder_state[0]), np.concatenate([forward[0], backward[0]], -1)
    )
    np.testing.assert_array_equal(
        np.asarray(decoder_state[1]), np.concatenate([forward[1], backward[1]], -1)
    )
    assert not bridge.trainable_weights


def test_bridge_projects_when_sizes_differ_and_gru_lends_its_hidden_state_as_carry(tmp_path):
    run_layer_test(
        StateBridge,
        init_kwargs={
            "decoder_units": 5,
            "decoder_cell": "lstm",
            "decoder_num_layers": 2,
            "mode": "auto",
        },
        inputs={"encoder_states": encoder_states("gru", 1, units=3)},
        expected_output_shapes=(((BATCH, 5), (BATCH, 5)), ((BATCH, 5), (BATCH, 5))),
        expected_num_trainable_weights=2 * 2 * 2,  # 2 layers x (h, c) x (kernel, bias)
        tmp_path=tmp_path,
    )


def test_bridge_maps_layer_to_layer_when_stacks_are_equally_deep():
    states = encoder_states("gru", 2, units=3)
    bridge = StateBridge(decoder_units=6, decoder_cell="gru", decoder_num_layers=2)
    out = bridge(states)
    for layer in range(2):
        (forward,), (backward,) = states[layer]
        np.testing.assert_array_equal(
            np.asarray(out[layer][0]), np.concatenate([forward, backward], -1)
        )


def test_bridge_copy_that_cannot_fit_says_what_was_expected():
    bridge = StateBridge(decoder_units=7, decoder_cell="lstm", mode="copy")
    with pytest.raises(
        ValueError,
        match=r"Expected decoder_units == 2 \* encoder_units \(= 6\)"
        r".*Received: decoder_units=7.*mode='dense'",
    ):
        bridge(encoder_states("lstm", 1, units=3))


def test_encoder_bridge_decoder_train_end_to_end():
    """A copy task: the decoder must reproduce the source through the bridge alone."""
    keras.utils.set_random_seed(0)
    source = keras.Input((None,), dtype="int32")
    target_in = keras.Input((None,), dtype="int32")
    _, states = BidirectionalRecurrentEncoder(12, embedding_dim=16, units=16)(source)
    initial = StateBridge(decoder_units=32)(states)
    logits = RecurrentDecoder(12, embedding_dim=16, units=32)(target_in, initial)
    model = keras.Model([source, target_in], logits)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    x = rng.integers(3, 12, size=(512, 3)).astype("int32")
    y_in = np.concatenate([np.full((512, 1), 2), x[:, :-1]], axis=1).astype("int32")
    history = model.fit([x, y_in], x, epochs=15, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.25 * history.history["loss"][0]
