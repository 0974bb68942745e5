"""Logit adjustments shared by the decoding loops."""

from __future__ import annotations

import tensorflow as tf

NEG_INF = -1e9


def ban_tokens(logits: tf.Tensor, banned_ids: tuple[int, ...]) -> tf.Tensor:
    """Makes `banned_ids` (e.g. `[PAD]`, `[START]`) impossible to generate."""
    if not banned_ids:
        return logits
    vocab = tf.shape(logits)[-1]
    banned = tf.reduce_sum(tf.one_hot(list(banned_ids), vocab, dtype=logits.dtype), axis=0)
    return logits + banned * NEG_INF
