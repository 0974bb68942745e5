"""Batched beam search with a GNMT length penalty, in graph code."""

from __future__ import annotations

import tensorflow as tf

from shared.decoding.greedy import write_column
from shared.decoding.logits import NEG_INF, ban_tokens
from shared.ids import PAD_ID


def length_penalty(lengths, alpha: float):
    """GNMT's ((5 + length) / 6) ** alpha: alpha 0 ranks by total log-probability."""
    return tf.pow((5.0 + tf.cast(lengths, tf.float32)) / 6.0, alpha)


def beam_search_decode(
    step_fn,
    initial_states,
    start_tokens,
    max_length: int,
    end_id: int,
    beam_width: int = 4,
    alpha: float = 0.6,
    banned_ids: tuple[int, ...] = (),
    finished=None,
    n_best: int | None = None,
):
    """Finds high-probability sequences by keeping the `beam_width` best prefixes.

    Beams are ranked by `log P(prefix) / length_penalty(length)`; a beam that produced
    `end_id` is finished: it keeps its score and only extends with padding, so finished
    and unfinished hypotheses compete on equal terms. Stops when all beams of all batch
    entries are finished or after `max_length` tokens.

    Args:
        step_fn: `(tokens [n], states) -> (logits [n, vocab], states)`; called with
            `n = batch * beam_width`.
        initial_states: nest of `[batch, ...]` tensors.
        start_tokens: int32 `[batch]`.
        max_length: maximum number of generated tokens (`end_id` included).
        end_id: the id that ends a sequence.
        beam_width: hypotheses kept per batch entry; 1 gives greedy decoding.
        alpha: length-penalty exponent (0 = none; larger favours longer outputs).
        banned_ids: ids never generated (e.g. `[PAD]`, `[START]`).
        finished: optional bool `[batch]`: entries with nothing to decode; they yield
            only padding (score 0) and never keep the loop running.
        n_best: None for the best beam only; else this many final beams per entry,
            1 <= n_best <= beam_width, ranked by score (`tf.math.top_k`: on a tie the
            lower beam first, as `argmax` picks), so hypothesis 0 is the best beam. The
            beams are distinct token sequences whenever the vocabulary, banned ids aside,
            has at least `beam_width` ids.

    Returns:
        `(ids, scores)`: int32 `[batch, max_length]` best sequence per entry, `end_id`
        kept and `PAD_ID` after it; float32 `[batch]` its length-normalised log-probability.
        With `n_best`: `[batch, n_best, max_length]` and `[batch, n_best]`, best first.
    """
    if n_best is not None and not 1 <= n_best <= beam_width:
        raise ValueError(
            f"Expected n_best between 1 and the beam width ({beam_width}). "
            f"Received: n_best={n_best}"
        )
    start_tokens = tf.cast(start_tokens, tf.int32)
    batch = tf.shape(start_tokens)[0]
    k = beam_width

    def tile(tensor):  # [batch, ...] -> [batch * k, ...], beams of an entry adjacent
        return tf.repeat(tensor, k, axis=0)

    states = tf.nest.map_structure(tile, initial_states)
    tokens = tile(start_tokens)
    # Only the first beam is live at the start, else k copies of one hypothesis compete.
    first_beam = tf.one_hot(tf.zeros_like(start_tokens), k, on_value=0.0, off_value=NEG_INF)
    log_probs = first_beam  # [batch, k]
    if finished is None:
        finished = tf.zeros_like(start_tokens, dtype=tf.bool)
    finished = tf.logical_or(tf.zeros_like(log_probs, dtype=tf.bool), finished[:, None])
    lengths = tf.zeros_like(log_probs, dtype=tf.int32)
    # Fixed [batch, k, max_length] buffer of padding (static shapes: XLA and TFLite).
    sequences = tf.zeros_like(lengths)[:, :, None] + tf.fill([max_length], PAD_ID)

    def keep_going(t, tokens, states, log_probs, finished, lengths, sequences):
        return tf.logical_and(t < max_length, tf.logical_not(tf.reduce_all(finished)))

    def advance(t, tokens, states, log_probs, finished, lengths, sequences):
        incoming = (tokens, states, log_probs, finished, lengths, sequences)
        logits, states = step_fn(tokens, states)
        logits = ban_tokens(logits, banned_ids)
        vocab = tf.shape(logits)[-1]
        step_log_probs = tf.reshape(tf.nn.log_softmax(logits), [batch, k, vocab])
        # A finished beam may only append padding, at no cost.
        pad_only = tf.one_hot(PAD_ID, vocab, on_value=0.0, off_value=NEG_INF)
        step_log_probs = tf.where(finished[:, :, None], pad_only, step_log_probs)
        totals = log_probs[:, :, None] + step_log_probs  # [batch, k, vocab]
        new_lengths = lengths + tf.cast(tf.logical_not(finished), tf.int32)
        ranked = totals / length_penalty(new_lengths, alpha)[:, :, None]

        _, best = tf.math.top_k(tf.reshape(ranked, [batch, k * vocab]), k=k)
        parents, next_tokens = best // vocab, best % vocab
        log_probs = tf.gather(tf.reshape(totals, [batch, k * vocab]), best, batch_dims=1)
        lengths = tf.gather(new_lengths, parents, batch_dims=1)
        finished = tf.gather(finished, parents, batch_dims=1) | (next_tokens == end_id)
        sequences = write_column(tf.gather(sequences, parents, batch_dims=1), t, next_tokens)
        flat_parents = tf.reshape(parents + tf.range(batch)[:, None] * k, [-1])
        # Reshapes by the dynamic batch lose static sizes; restore them so a fixed-batch
        # trace (TFLite, XLA) keeps fixed shapes through the loop.
        states = tf.nest.map_structure(lambda s: tf.gather(s, flat_parents), states)
        outgoing = (tf.reshape(next_tokens, [-1]), states, log_probs, finished, lengths, sequences)
        outgoing = tf.nest.map_structure(
            lambda new, old: tf.ensure_shape(new, old.shape), outgoing, incoming
        )
        return t + 1, *outgoing

    _, _, _, log_probs, finished, lengths, sequences = tf.while_loop(
        keep_going,
        advance,
        (tf.constant(0), tokens, states, log_probs, finished, lengths, sequences),
        maximum_iterations=max_length,
    )
    scores = log_probs / length_penalty(lengths, alpha)
    if n_best is not None:
        top_scores, order = tf.math.top_k(scores, k=n_best)
        return tf.gather(sequences, order, batch_dims=1), top_scores
    best_beam = tf.argmax(scores, axis=-1, output_type=tf.int32)
    best = tf.gather(sequences, best_beam, batch_dims=1)
    return best, tf.gather(scores, best_beam, batch_dims=1)
