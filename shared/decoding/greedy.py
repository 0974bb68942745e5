"""Greedy decoding: the most probable token at every step."""

from __future__ import annotations

import tensorflow as tf

from shared.decoding.logits import ban_tokens
from shared.ids import PAD_ID


def greedy_decode(
    step_fn,
    initial_states,
    start_tokens,
    max_length: int,
    end_id: int,
    banned_ids: tuple[int, ...] = (),
    finished=None,
):
    """Decodes a batch greedily until every sequence has produced `end_id` or `max_length`.

    Args:
        step_fn: `(tokens [batch], states) -> (logits [batch, vocab], states)`.
        initial_states: nest of `[batch, ...]` tensors (the decoder's initial state).
        start_tokens: int32 `[batch]`, usually all `[START]`.
        max_length: maximum number of generated tokens (`[END]` included).
        end_id: the id that ends a sequence.
        banned_ids: ids never generated (a trained decoder should not emit `[PAD]` or
            `[START]`, but nothing else stops it).
        finished: optional bool `[batch]`: entries with nothing to decode (an empty
            source, a row added to fill a batch bucket); they yield only padding and never
            keep the loop running.

    Returns:
        int32 `[batch, max_length]`: generated ids; `end_id` is kept where it was
        produced and every position after it holds `PAD_ID`.
    """
    start_tokens = tf.cast(start_tokens, tf.int32)
    # A fixed [batch, max_length] buffer of padding, written one column per step: every
    # shape stays static, so the loop compiles with XLA and converts to TFLite.
    outputs = tf.zeros_like(start_tokens)[:, None] + tf.fill([max_length], PAD_ID)[None, :]
    if finished is None:
        finished = tf.zeros_like(start_tokens, dtype=tf.bool)

    def keep_going(t, tokens, states, finished, outputs):
        return tf.logical_and(t < max_length, tf.logical_not(tf.reduce_all(finished)))

    def advance(t, tokens, states, finished, outputs):
        logits, states = step_fn(tokens, states)
        logits = ban_tokens(logits, banned_ids)
        next_tokens = tf.argmax(logits, axis=-1, output_type=tf.int32)
        next_tokens = tf.where(finished, tf.zeros_like(next_tokens) + PAD_ID, next_tokens)
        outputs = write_column(outputs, t, next_tokens)
        return t + 1, next_tokens, states, finished | (next_tokens == end_id), outputs

    _, _, _, _, outputs = tf.while_loop(
        keep_going,
        advance,
        (tf.constant(0), start_tokens, initial_states, finished, outputs),
        maximum_iterations=max_length,
    )
    return outputs


def write_column(buffer, t, values):
    """`buffer [..., length]` with column `t` set to `values [...]` (static shapes only)."""
    column = tf.one_hot(t, tf.shape(buffer)[-1], on_value=True, off_value=False)
    return tf.where(column, values[..., None], buffer)
