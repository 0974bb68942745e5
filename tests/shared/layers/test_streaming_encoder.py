"""StreamingRecurrentEncoder: the harness, and chunked reading equal to reading at once."""

import keras
import numpy as np
import pytest

from shared.ids import STATES_PER_CELL
from shared.layers import MaskedSequencePooling, StreamingRecurrentEncoder
from tests.helpers.chunks import random_chunks
from tests.helpers.layer_harness import run_layer_test

BATCH, UNITS, EMBED, VOCAB = 3, 4, 6, 20
TOKEN_IDS = np.array([[3, 4, 5, 6, 7], [8, 9, 0, 0, 0], [2, 0, 0, 0, 0]], dtype="int32")
CASES = [("lstm", 1, "mean_max"), ("gru", 2, "final_state"), ("simple_rnn", 1, "max")]


def _encoder(cell="lstm", num_layers=2, pooling="mean_max", seed=0):
    keras.utils.set_random_seed(seed)
    return StreamingRecurrentEncoder(
        vocabulary_size=VOCAB,
        embedding_dim=EMBED,
        units=UNITS,
        num_layers=num_layers,
        cell=cell,
        pooling=pooling,
    )


def _numpy(structure):
    return keras.tree.map_structure(np.asarray, structure)


@pytest.mark.parametrize(("cell", "num_layers", "pooling"), CASES)
def test_streaming_encoder_harness(cell, num_layers, pooling, tmp_path):
    init_kwargs = {
        "vocabulary_size": VOCAB,
        "embedding_dim": EMBED,
        "units": UNITS,
        "num_layers": num_layers,
        "cell": cell,
        "pooling": pooling,
        "dropout": 0.1,
        "embedding_dropout": 0.1,
    }
    sizes = StreamingRecurrentEncoder(**init_kwargs).state_sizes
    features = 2 * UNITS if pooling == "mean_max" else UNITS
    # The mid-stream call: the state a first chunk left, as explicit inputs.
    state = _numpy(StreamingRecurrentEncoder(**init_kwargs)(TOKEN_IDS[:, :2])[1])
    state_shapes = tuple((BATCH, sizes[name]) for name in sorted(sizes))
    for inputs in ({"chunk_ids": TOKEN_IDS}, {"chunk_ids": TOKEN_IDS, "state": state}):
        run_layer_test(
            StreamingRecurrentEncoder,
            init_kwargs=init_kwargs,
            inputs=inputs,
            expected_output_shapes=((BATCH, features), state_shapes),
            expected_num_trainable_weights=1 + 3 * num_layers,
            tmp_path=tmp_path,
        )
    accumulators = {"final_state": 0, "mean": 2, "max": 2, "mean_max": 3}[pooling]
    assert len(sizes) == num_layers * STATES_PER_CELL[cell] + accumulators


@pytest.mark.parametrize(("cell", "num_layers", "pooling"), [*CASES, ("lstm", 2, "mean")])
def test_chunks_give_the_whole_text_features(cell, num_layers, pooling):
    encoder = _encoder(cell, num_layers, pooling)
    rng = np.random.default_rng(0)
    text = rng.integers(2, VOCAB, size=11).astype("int32")
    whole, whole_state = encoder(text[None])
    for _ in range(4):
        state = None
        for chunk in random_chunks(text, rng, max_cuts=3):
            # An empty chunk is one padding column: it must change nothing.
            chunk = chunk if len(chunk) else np.zeros(1, "int32")
            features, state = encoder(chunk[None], state)
        np.testing.assert_allclose(np.asarray(features), np.asarray(whole), atol=1e-5)
        for name, value in whole_state.items():
            np.testing.assert_allclose(np.asarray(state[name]), np.asarray(value), atol=1e-5)


@pytest.mark.parametrize("pooling", ["mean", "max", "mean_max"])
def test_whole_text_features_are_the_masked_pooling_of_the_forward_outputs(pooling):
    """Running accumulators pool exactly as MaskedSequencePooling pools the padded batch."""
    encoder = _encoder("gru", 1, pooling)
    features, _ = encoder(TOKEN_IDS)
    layer = encoder.recurrent_layers[0]
    outputs = np.asarray(layer(encoder.embedding(TOKEN_IDS), mask=TOKEN_IDS != 0)[0])
    expected = MaskedSequencePooling(pooling)(outputs, TOKEN_IDS != 0)
    np.testing.assert_allclose(np.asarray(features), np.asarray(expected), atol=1e-6)


def test_padded_batch_equals_unpadded_rows_and_none_equals_initial_state():
    encoder = _encoder()
    features, state = encoder(TOKEN_IDS)
    for row, ids in enumerate(TOKEN_IDS):
        row_features, row_state = encoder(ids[ids != 0][None])
        np.testing.assert_allclose(
            np.asarray(features)[row], np.asarray(row_features)[0], atol=1e-6
        )
        for name, value in row_state.items():
            np.testing.assert_allclose(
                np.asarray(state[name])[row], np.asarray(value)[0], atol=1e-6
            )
    explicit, _ = encoder(TOKEN_IDS, encoder.initial_state(BATCH))
    np.testing.assert_array_equal(np.asarray(explicit), np.asarray(features))
    # Recurrent states start at zero; the running max starts below any output.
    initial = _numpy(encoder.initial_state(1))
    assert not any(initial[name].any() for name in initial if name != "pooled_max")


def test_a_stream_that_read_nothing_gives_zero_features():
    encoder = _encoder(pooling="mean_max")
    features, _ = encoder(np.zeros((2, 3), "int32"))
    np.testing.assert_array_equal(np.asarray(features), 0.0)


def test_rejects_unknown_pooling():
    with pytest.raises(ValueError, match="Expected `pooling` in"):
        StreamingRecurrentEncoder(vocabulary_size=VOCAB, pooling="attention")
