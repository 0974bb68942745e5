"""Graph-mode decoding loops (greedy, beam search) over any one-step decoder function.

A step function maps `(tokens [batch], states) -> (logits [batch, vocab], states)`, where
`states` is any nest of `[batch, ...]` tensors. Both loops are plain TensorFlow graph
code (`tf.while_loop`), so they run inside `tf.function`s and exported SavedModels.
"""

from shared.decoding.beam_search import beam_search_decode, beam_search_n_best
from shared.decoding.greedy import greedy_decode

__all__ = ["beam_search_decode", "beam_search_n_best", "greedy_decode"]
