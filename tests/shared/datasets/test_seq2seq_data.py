"""Teacher forcing lives in the data pipeline: inputs shifted right, padding weighted out."""

import numpy as np
import tensorflow as tf

from shared.ids import END_ID, START_ID
from shared.text.wordpiece import SubwordTokenizer
from shared.training.pipelines import seq2seq_dataset, teacher_forcing


def test_teacher_forcing_shifts_targets_and_weights_out_padding():
    targets = tf.ragged.constant([[10, 11, 12], [20]], dtype=tf.int32)
    inputs, labels, weights = teacher_forcing(targets, START_ID, END_ID, max_length=10)
    np.testing.assert_array_equal(inputs.numpy(), [[START_ID, 10, 11, 12], [START_ID, 20, 0, 0]])
    np.testing.assert_array_equal(labels.numpy(), [[10, 11, 12, END_ID], [20, END_ID, 0, 0]])
    np.testing.assert_array_equal(weights.numpy(), [[1, 1, 1, 1], [1, 1, 0, 0]])


def test_teacher_forcing_truncates_to_max_length_and_keeps_the_end_token():
    targets = tf.ragged.constant([[10, 11, 12, 13, 14]], dtype=tf.int32)
    inputs, labels, _ = teacher_forcing(targets, START_ID, END_ID, max_length=3)
    np.testing.assert_array_equal(inputs.numpy(), [[START_ID, 10, 11]])
    np.testing.assert_array_equal(labels.numpy(), [[10, 11, END_ID]])


def test_dataset_yields_every_pair_once_per_epoch_in_length_sorted_batches():
    sources = [" ".join(["uno"] * (i % 9 + 1)) for i in range(100)]
    targets = [" ".join(["one"] * (i % 9 + 1)) + f" n{i}" for i in range(100)]
    source_tok = SubwordTokenizer(lowercase=True)
    source_tok.learn_vocabulary(sources, 50)
    target_tok = SubwordTokenizer(lowercase=False)
    target_tok.learn_vocabulary(targets, 200)
    data = seq2seq_dataset(
        sources,
        targets,
        source_tok,
        target_tok,
        16,
        max_source_length=20,
        max_target_length=20,
        start_id=START_ID,
        end_id=END_ID,
        shuffle=True,
        seed=0,
    )
    assert int(data.cardinality()) == 7  # ceil(100 / 16): Keras knows the epoch length
    seen = []
    for (source_ids, decoder_inputs), labels, weights in data:
        assert (decoder_inputs.numpy()[:, 0] == START_ID).all()
        np.testing.assert_array_equal(weights.numpy(), labels.numpy() != 0)
        np.testing.assert_array_equal(
            decoder_inputs.numpy()[:, 1:],
            labels.numpy()[:, :-1] * (decoder_inputs.numpy()[:, 1:] != 0),
        )
        lengths = (source_ids.numpy() != 0).sum(axis=1)
        assert lengths.max() - lengths.min() <= 2  # similar lengths share a batch
        seen += [t.decode() for t in target_tok.detokenize(labels).numpy()]
    assert sorted(seen) == sorted(targets)
