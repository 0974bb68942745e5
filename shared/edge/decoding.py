"""`shared.decoding` in numpy, float32 throughout, for the phone runners (no TensorFlow).

Greedy and beam search over any step function `(tokens int32 [n], states) -> (logits
[n, vocab], states)`, with exactly the semantics of the graph loops: same banned ids, GNMT
length penalty, finished beams extending with padding at no cost, only the first beam
live at the start, ties broken towards the lower index as `tf.math.top_k` does, and
sequences finished from the start (empty sources) yielding only `[PAD]`.
"""

from __future__ import annotations

import numpy as np

from shared.ids import END_ID, PAD_ID, START_ID

NEG_INF = np.float32(-1e9)  # shared/decoding/logits.py


def ban_tokens(logits: np.ndarray, banned_ids) -> np.ndarray:
    """`logits [n, vocab]` with `banned_ids` pushed to -1e9, as `shared.decoding` does."""
    logits = np.array(logits, dtype=np.float32)
    if banned_ids:
        logits[:, list(banned_ids)] += NEG_INF
    return logits


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """float32 log-softmax over the last axis (the max-shifted form TensorFlow computes)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def length_penalty(lengths: np.ndarray, alpha: float) -> np.ndarray:
    """GNMT's `((5 + length) / 6) ** alpha` in float32."""
    base = (np.float32(5.0) + lengths.astype(np.float32)) / np.float32(6.0)
    return np.power(base, np.float32(alpha)).astype(np.float32)


def top_k_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` largest entries per row, largest first; among equal values the
    lower index first (what `tf.math.top_k` returns)."""
    return np.argsort(-values, axis=-1, kind="stable")[:, :k]


def greedy_search(step_fn, states: dict, batch: int, max_length: int, banned_ids=(), finished=None):
    """`shared.decoding.greedy_decode` in numpy.

    Args:
        step_fn: `(tokens int32 [n], states) -> (logits [n, vocab], states)`.
        states: name -> `[batch, units]` initial states.
        batch: number of sequences.
        max_length: most tokens generated, `[END]` included.
        banned_ids: ids never generated.
        finished: optional bool `[batch]`: sequences with nothing to decode (an empty
            source); they yield only `[PAD]` and never keep the loop running.

    Returns:
        int32 `[batch, max_length]`; `[END]` kept, `[PAD]` after it.
    """
    tokens = np.full(batch, START_ID, np.int32)
    finished = _initially_finished(finished, batch)
    outputs = np.full((batch, max_length), PAD_ID, np.int32)
    for t in range(max_length):
        if finished.all():
            break
        logits, states = step_fn(tokens, states)
        next_tokens = np.argmax(ban_tokens(logits, banned_ids), axis=-1).astype(np.int32)
        next_tokens = np.where(finished, PAD_ID, next_tokens).astype(np.int32)
        outputs[:, t] = next_tokens
        finished |= next_tokens == END_ID
        tokens = next_tokens
    return outputs


def beam_search(
    step_fn,
    states: dict,
    batch: int,
    max_length: int,
    beam_width: int,
    alpha: float,
    banned_ids=(),
    finished=None,
    observe=None,
    n_best: int | None = None,
):
    """`shared.decoding.beam_search_decode` in numpy, float32 throughout.

    Args:
        step_fn: `(tokens int32 [n], states) -> (logits [n, vocab], states)`, called with
            `n = batch * beam_width`, the beams of one sequence adjacent.
        states: name -> `[batch, units]` initial states.
        batch: number of sequences.
        max_length: most tokens generated, `[END]` included.
        beam_width: hypotheses kept per sequence.
        alpha: GNMT length-penalty exponent.
        banned_ids: ids never generated.
        finished: optional bool `[batch]`: sequences with nothing to decode (an empty
            source); they yield only `[PAD]` (score 0) and never keep the loop running.
        observe: optional `(values, kept) -> None`, shown every choice the search makes:
            at each step the scores `[batch, beam_width * vocab]` of which the best
            `kept = beam_width` are kept, and at the end the beams' final scores
            `[batch, beam_width]` of which the best (`kept = 1`) is returned. (The export
            uses it to tell near ties from real differences.)
        n_best: return this many final beams per sequence, best first (on a tie the
            lower beam first, as `shared.decoding.beam_search_decode`); at most
            `beam_width`.

    Returns:
        `(ids int32 [batch, max_length], scores float32 [batch])`; with `n_best`,
        `(ids [batch, n_best, max_length], scores [batch, n_best])`.
    """
    if n_best is not None and not 1 <= n_best <= beam_width:
        raise ValueError(
            f"Expected n_best between 1 and the beam width ({beam_width}). "
            f"Received: n_best={n_best}"
        )
    k = beam_width
    states = {name: np.repeat(value, k, axis=0) for name, value in states.items()}
    tokens = np.full(batch * k, START_ID, np.int32)
    # Only the first beam is live at the start, else k copies of one hypothesis compete.
    log_probs = np.full((batch, k), NEG_INF, np.float32)
    log_probs[:, 0] = 0.0
    finished = np.repeat(_initially_finished(finished, batch)[:, None], k, axis=1)
    lengths = np.zeros((batch, k), np.int32)
    sequences = np.full((batch, k, max_length), PAD_ID, np.int32)
    rows = np.arange(batch)[:, None]
    for t in range(max_length):
        if finished.all():
            break
        logits, states = step_fn(tokens, states)
        logits = ban_tokens(logits, banned_ids)
        vocab = logits.shape[-1]
        step_log_probs = log_softmax(logits).reshape(batch, k, vocab)
        # A finished beam may only append padding, at no cost.
        pad_only = np.full(vocab, NEG_INF, np.float32)
        pad_only[PAD_ID] = 0.0
        step_log_probs = np.where(finished[:, :, None], pad_only, step_log_probs)
        totals = log_probs[:, :, None] + step_log_probs
        new_lengths = lengths + (~finished).astype(np.int32)
        ranked = totals / length_penalty(new_lengths, alpha)[:, :, None]

        if observe is not None:
            observe(ranked.reshape(batch, k * vocab), k)
        best = top_k_indices(ranked.reshape(batch, k * vocab), k)
        parents, next_tokens = best // vocab, (best % vocab).astype(np.int32)
        log_probs = np.take_along_axis(totals.reshape(batch, k * vocab), best, axis=1)
        lengths = np.take_along_axis(new_lengths, parents, axis=1)
        finished = np.take_along_axis(finished, parents, axis=1) | (next_tokens == END_ID)
        sequences = sequences[rows, parents]
        sequences[:, :, t] = next_tokens
        flat_parents = (parents + rows * k).reshape(-1)
        states = {name: value[flat_parents] for name, value in states.items()}
        tokens = next_tokens.reshape(-1)
    scores = log_probs / length_penalty(lengths, alpha)
    if observe is not None:
        observe(scores, 1)
    if n_best is not None:
        order = top_k_indices(scores, n_best)
        return sequences[rows, order], np.take_along_axis(scores, order, axis=1)
    best_beam = np.argmax(scores, axis=-1)
    return sequences[np.arange(batch), best_beam], scores[np.arange(batch), best_beam]


def _initially_finished(finished, batch: int) -> np.ndarray:
    if finished is None:
        return np.zeros(batch, bool)
    finished = np.array(finished, dtype=bool).reshape(-1)
    if finished.shape != (batch,):
        raise ValueError(f"Expected `finished` of shape ({batch},). Received: {finished.shape}")
    return finished


def is_empty_source(source_ids: np.ndarray) -> np.ndarray:
    """bool `[batch]`: rows of source ids that are all `[PAD]` (an empty source)."""
    return np.all(np.asarray(source_ids) == PAD_ID, axis=-1)
