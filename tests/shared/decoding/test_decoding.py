"""Greedy and beam search on toy Markov models where the right answer is known."""

import numpy as np
import pytest
import tensorflow as tf

from shared.decoding import beam_search_decode, greedy_decode
from tests.helpers.markov import (  # noqa: F401
    END,
    LOOP,
    PAD,
    START,
    TRAP,
    VOCAB,
    X1,
    X2,
    X3,
    A,
    B,
    markov_step,
    transition_table,
)


def run(decoder, tables, choices, max_length=6, **kwargs):
    choice = tf.one_hot(choices, len(tables))
    start = tf.fill([len(choices)], START)
    return decoder(markov_step(tables), (choice,), start, max_length, END, **kwargs)


def test_greedy_takes_the_locally_best_token_and_pads_after_end():
    ids = run(greedy_decode, [TRAP], [0])
    np.testing.assert_array_equal(ids.numpy(), [[A, X1, END, PAD, PAD, PAD]])


def test_beam_search_escapes_the_greedy_trap():
    ids, scores = run(beam_search_decode, [TRAP], [0], beam_width=2, alpha=0.0)
    np.testing.assert_array_equal(ids.numpy(), [[B, END, PAD, PAD, PAD, PAD]])
    np.testing.assert_allclose(scores.numpy(), [np.log(0.45)], rtol=1e-4)


def test_beam_of_width_one_is_greedy():
    greedy = run(greedy_decode, [TRAP, LOOP], [0, 1])
    beam, _ = run(beam_search_decode, [TRAP, LOOP], [0, 1], beam_width=1, alpha=0.0)
    np.testing.assert_array_equal(beam.numpy(), greedy.numpy())


def test_a_batch_decodes_each_entry_as_if_alone():
    tables, choices = [TRAP, LOOP], [1, 0, 1]
    batched, batched_scores = run(beam_search_decode, tables, choices, beam_width=3)
    for i, choice in enumerate(choices):
        alone, alone_score = run(beam_search_decode, tables, [choice], beam_width=3)
        np.testing.assert_array_equal(batched.numpy()[i], alone.numpy()[0])
        np.testing.assert_allclose(batched_scores.numpy()[i], alone_score.numpy()[0], rtol=1e-5)


def test_max_length_stops_a_sequence_that_never_ends():
    ids = run(greedy_decode, [LOOP], [0], max_length=5)
    np.testing.assert_array_equal(ids.numpy(), [[A, B, A, B, A]])
    beam_ids, _ = run(beam_search_decode, [LOOP], [0], max_length=5, beam_width=2)
    np.testing.assert_array_equal(beam_ids.numpy(), [[A, B, A, B, A]])


def test_length_penalty_can_prefer_the_longer_hypothesis():
    # Short: S END (0.5). Long: L l1 l2 END with 0.5 * 0.9^2 = 0.405.
    table = transition_table(
        {
            START: {A: 0.5, B: 0.5},
            A: {END: 1.0},
            B: {X1: 0.9, X3: 0.1},
            X1: {X2: 0.9, X3: 0.1},
            X2: {END: 1.0},
            X3: {END: 1.0},
            END: {END: 1.0},
        }
    )
    short, _ = run(beam_search_decode, [table], [0], beam_width=3, alpha=0.0)
    long, _ = run(beam_search_decode, [table], [0], beam_width=3, alpha=2.0)
    assert short.numpy()[0, :2].tolist() == [A, END]
    assert long.numpy()[0, :4].tolist() == [B, X1, X2, END]


@pytest.mark.parametrize("decoder", ["greedy", "beam"])
def test_decoding_traces_once_for_any_batch_size(decoder):
    step = markov_step([TRAP, LOOP])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
    def decode(choices):
        choice = tf.one_hot(choices, 2)
        start = tf.zeros_like(choices) + START
        if decoder == "greedy":
            return greedy_decode(step, (choice,), start, 6, END)
        return beam_search_decode(step, (choice,), start, 6, END, beam_width=2)[0]

    assert decode(tf.constant([0])).shape == (1, 6)
    assert decode(tf.constant([0, 1, 1])).shape == (3, 6)
    assert decode.experimental_get_tracing_count() == 1


def second_order_step(log_table):
    table = tf.constant(log_table)

    def step(tokens, states):
        (previous,) = states
        logits = tf.gather_nd(table, tf.stack([previous, tokens], axis=-1))
        return logits, (tokens,)

    return step


def test_beam_search_finds_the_exhaustive_optimum_under_history_dependent_states():
    """Second-order Markov models: the state carries the previous token, so a wrong
    parent gather would feed a beam someone else's history and change the answer."""
    import itertools

    vocab, max_length, alpha = 6, 4, 1.0
    allowed = [1, END, 4, 5]  # PAD and START are banned
    rng = np.random.default_rng(0)
    for trial in range(10):
        table = rng.normal(scale=2.0, size=(vocab, vocab, vocab)).astype("float32")
        log_table = table - np.log(np.exp(table).sum(-1, keepdims=True))

        step = second_order_step(log_table)

        best_score, best_sequence = -np.inf, None
        for length in range(1, max_length + 1):
            for sequence in itertools.product(allowed, repeat=length):
                if END in sequence[:-1] or (length < max_length and sequence[-1] != END):
                    continue
                # Renormalise over allowed tokens, as banning does.
                previous, current, total = START, START, 0.0
                for token in sequence:
                    row = log_table[previous, current][allowed]
                    total += log_table[previous, current][token] - np.log(np.exp(row).sum())
                    previous, current = current, token
                score = total / ((5 + length) / 6) ** alpha
                if score > best_score:
                    best_score, best_sequence = score, sequence
        ids, score = beam_search_decode(
            step,
            (tf.constant([START]),),
            tf.constant([START]),
            max_length,
            END,
            beam_width=4**max_length,
            alpha=alpha,
            banned_ids=(PAD, START),
        )
        expected = list(best_sequence) + [PAD] * (max_length - len(best_sequence))
        assert ids.numpy()[0].tolist() == expected, f"trial {trial}"
        np.testing.assert_allclose(score.numpy()[0], best_score, rtol=1e-4)


def counting_step(tables):
    """`markov_step` that also counts how many steps the loop ran (a graph variable)."""
    calls = tf.Variable(0)
    inner = markov_step(tables)

    def step(tokens, states):
        calls.assign_add(1)
        return inner(tokens, states)

    return step, calls


@pytest.mark.parametrize("decoder", ["greedy", "beam"])
def test_entries_marked_finished_yield_padding_and_do_not_extend_the_loop(decoder):
    # Entry 1 would loop forever; marked finished it must neither decode nor keep the
    # loop alive after entry 0 (TRAP) has ended.
    step, calls = counting_step([TRAP, LOOP])
    choice = tf.one_hot([0, 1], 2)
    start = tf.fill([2], START)
    finished = tf.constant([False, True])
    if decoder == "greedy":
        ids = greedy_decode(step, (choice,), start, 6, END, finished=finished)
        expected_first = [A, X1, END, PAD, PAD, PAD]
    else:
        ids, scores = beam_search_decode(
            step, (choice,), start, 6, END, beam_width=2, alpha=0.0, finished=finished
        )
        expected_first = [B, END, PAD, PAD, PAD, PAD]
        assert scores.numpy()[1] == 0.0
    np.testing.assert_array_equal(ids.numpy(), [expected_first, [PAD] * 6])
    # The loop ran exactly as long as entry 0 alone needs (LOOP alone would need all 6).
    alone_step, alone_calls = counting_step([TRAP])
    alone_start, alone_choice = tf.fill([1], START), tf.one_hot([0], 1)
    if decoder == "greedy":
        greedy_decode(alone_step, (alone_choice,), alone_start, 6, END)
    else:
        beam_search_decode(
            alone_step, (alone_choice,), alone_start, 6, END, beam_width=2, alpha=0.0
        )
    assert int(calls.numpy()) == int(alone_calls.numpy()) < 6
