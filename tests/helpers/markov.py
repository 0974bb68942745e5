"""Toy Markov models where the right decoding answer is known (decoding tests)."""

import numpy as np
import tensorflow as tf

PAD, START, END, A, B, X1, X2, X3 = 0, 2, 3, 4, 5, 6, 7, 8
VOCAB = 9


def transition_table(rows: dict) -> np.ndarray:
    """Log-probabilities `[VOCAB, VOCAB]`: rows[prev] = {next: probability}."""
    table = np.full((VOCAB, VOCAB), 1e-9)
    for prev, nexts in rows.items():
        for token, p in nexts.items():
            table[prev, token] = p
    table /= table.sum(axis=1, keepdims=True)
    return np.log(table).astype("float32")


# Greedy takes A (0.55) and ends with probability 0.55 * 0.34 = 0.187; the best sequence
# is B END with 0.45.
TRAP = transition_table(
    {
        START: {A: 0.55, B: 0.45},
        A: {X1: 0.34, X2: 0.33, X3: 0.33},
        B: {END: 1.0},
        X1: {END: 1.0},
        X2: {END: 1.0},
        X3: {END: 1.0},
        END: {END: 1.0},
    }
)
# A model that never ends.
LOOP = transition_table({START: {A: 1.0}, A: {B: 1.0}, B: {A: 1.0}})


def markov_step(tables):
    """A step function whose state is a one-hot choice of transition table per entry."""
    tables = tf.constant(np.stack(tables))

    def step(tokens, states):
        (choice,) = states
        rows = tf.gather(tables, tf.argmax(choice, axis=-1), batch_dims=0)  # [n, V, V]
        logits = tf.gather(rows, tokens, batch_dims=1)
        return logits, (choice,)

    return step
