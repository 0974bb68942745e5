"""The phone runners' numpy decoding (shared/edge/decoding.py) against `shared.decoding`."""

import numpy as np

from shared.edge.decoding import beam_search, greedy_search, top_k_indices


def test_numpy_decoding_matches_shared_decoding_ties_included():
    """`greedy_search` / `beam_search` against `shared.decoding` on a Markov model whose
    logits are multiples of 0.5, so equal scores (ties) happen at every step."""
    import tensorflow as tf

    from shared.decoding import beam_search_decode, greedy_decode

    assert top_k_indices(np.array([[1.0, 3.0, 3.0, 2.0, 3.0]]), 2).tolist() == [[1, 2]]
    batch, vocab, max_length = 5, 9, 7
    rng = np.random.default_rng(3)
    tables = (rng.integers(-4, 3, (batch, vocab, vocab)) / 2).astype(np.float32)
    tables[:, :, 3] -= 0.5  # [END] a little less likely, so sequences grow

    def numpy_step(tokens, states):
        return tables[states["entry"][:, 0].astype(int), tokens], states

    def tf_step(tokens, states):
        (entry,) = states
        index = tf.stack([tf.cast(entry[:, 0], tf.int32), tokens], axis=1)
        return tf.gather_nd(tables, index), states

    entry = np.arange(batch, dtype=np.float32)[:, None]
    start = tf.fill([batch], 2)
    banned = (0, 2)
    # None; some entries finished from the start (empty sources); all of them.
    for finished in (None, np.array([0, 1, 0, 0, 1], bool), np.ones(batch, bool)):
        tf_finished = None if finished is None else tf.constant(finished)
        expected = greedy_decode(
            tf_step, (tf.constant(entry),), start, max_length, 3, banned, tf_finished
        )
        actual = greedy_search(numpy_step, {"entry": entry}, batch, max_length, banned, finished)
        np.testing.assert_array_equal(actual, expected.numpy())
        if finished is not None:
            assert not actual[finished].any()
            assert finished.all() or actual[~finished].any()
        for width, alpha in ((2, 0.6), (3, 0.0), (4, 1.0)):
            expected, expected_scores = beam_search_decode(
                tf_step,
                (tf.constant(entry),),
                start,
                max_length,
                3,
                width,
                alpha,
                banned,
                tf_finished,
            )
            observed = []
            ids, scores = beam_search(
                numpy_step,
                {"entry": entry},
                batch,
                max_length,
                width,
                alpha,
                banned,
                finished,
                observe=lambda values, kept, seen=observed: seen.append((values.shape, kept)),
            )
            np.testing.assert_array_equal(ids, expected.numpy())
            # Every step's choice of `width` among width * vocab, then the best final beam.
            assert observed[-1] == ((batch, width), 1)
            assert set(observed[:-1]) <= {((batch, width * vocab), width)}
            np.testing.assert_allclose(scores, expected_scores.numpy(), rtol=1e-6)
            if finished is not None:
                assert not ids[finished].any() and not scores[finished].any()
