"""How a translation is decoded, written once: the start token, the ids never generated, and
empty sources, around greedy and beam search.

Every TensorFlow graph that translates decodes through here: `apps.translation.translator`
(hence the serving SavedModel) and the phone export's whole-loop `greedy` and `beam_search`
signatures (`apps.translation.tflite`). The phone runner (`shared.edge.translation`) applies
the same policy in numpy from the same `shared.ids` values:
- every sequence starts from `[START]`;
- `BANNED_IDS` (`[PAD]`, `[START]`) are never generated;
- an empty source (all `[PAD]`) is finished before the first step: its target is all
  `[PAD]`, an empty translation, rather than whatever the decoder makes of nothing (and a
  row added to fill a batch bucket never keeps the loop running).
"""

from __future__ import annotations

import tensorflow as tf

from shared.decoding.beam_search import beam_search_decode
from shared.decoding.greedy import greedy_decode
from shared.ids import BANNED_IDS, END_ID, PAD_ID, START_ID


def start_tokens(source_ids) -> tf.Tensor:
    """int32 `[batch]` of `[START]`, one per row of `source_ids [batch, length]`."""
    batch = source_ids.shape[0]
    if batch is not None:  # a fixed batch (the phone signatures): a constant, no shape op
        return tf.zeros([batch], tf.int32) + START_ID
    return tf.zeros_like(source_ids[:, 0]) + START_ID


def empty_sources(source_ids) -> tf.Tensor:
    """bool `[batch]`: the rows of `source_ids [batch, length]` that are all `[PAD]`."""
    return tf.reduce_all(tf.equal(source_ids, PAD_ID), axis=1)


def decode(
    step_fn,
    initial_states,
    source_ids,
    max_length: int,
    beam_width: int = 1,
    length_penalty: float = 0.6,
    n_best: int | None = None,
):
    """Target ids int32 `[batch, max_length]` (`[END]` kept, `[PAD]` after it).

    Args:
        step_fn: `(tokens [n], states) -> (logits [n, vocab], states)`.
        initial_states: the decoder's initial states for `source_ids` (a nest of
            `[batch, ...]` tensors).
        source_ids: int32 `[batch, length]` the states were encoded from (only read to
            find the empty sources).
        max_length: most tokens generated, `[END]` included.
        beam_width: 1 decodes greedily (`greedy_decode`), more runs `beam_search_decode`.
        length_penalty: GNMT's alpha for beam search.
        n_best: None for the best sequence only; else the `n_best` best beams,
            1 <= n_best <= beam_width, as `(ids [batch, n_best, max_length], scores
            [batch, n_best])`, best first (hypothesis 0 is the ids without `n_best`).
    """
    start, empty = start_tokens(source_ids), empty_sources(source_ids)
    if beam_width == 1 and n_best is None:
        return greedy_decode(step_fn, initial_states, start, max_length, END_ID, BANNED_IDS, empty)
    ids, scores = beam_search_decode(
        step_fn,
        initial_states,
        start,
        max_length,
        END_ID,
        beam_width=beam_width,
        alpha=length_penalty,
        banned_ids=BANNED_IDS,
        finished=empty,
        n_best=n_best,
    )
    return ids if n_best is None else (ids, scores)
