"""Graph-mode decoding loops (greedy, beam search) over any one-step decoder function.

A step function maps `(tokens [batch], states) -> (logits [batch, vocab], states)`, where
`states` is any nest of `[batch, ...]` tensors. Both loops are plain TensorFlow graph
code (`tf.while_loop`), so they run inside `tf.function`s and exported SavedModels.
`shared.decoding.policy` wraps them with what a translation decodes from and may not emit.
"""

from shared.decoding.beam_search import beam_search_decode
from shared.decoding.greedy import greedy_decode

__all__ = ["beam_search_decode", "greedy_decode"]
