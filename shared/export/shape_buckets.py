"""Shape buckets: the few input shapes a serving signature's XLA core compiles for.

Each app's serving signature tokenises raw UTF-8 strings with core TF and tensorflow-text
ops, then runs its model through one `jit_compile=True` function. On this CPU, XLA runs a
BiLSTM several times faster than the plain graph (see README "Measured"), and the
compiled function still loads in stock TensorFlow (TF Serving: pass
`--xla_cpu_compilation_enabled=true`; export with `--no-xla` for a server that cannot).

XLA compiles once per input shape, so ids are padded to buckets: the batch to the next
power of two (`shared.ids.batch_buckets`) and the length to the next power of two (at
least `MIN_LENGTH_BUCKET`, at most the model's maximum). Padding is exact under the
project's masking policy, and the bucket grid is small enough to compile every shape at
load time from the warmup requests.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.ids import MAX_SERVING_BATCH, PAD_ID, batch_buckets

MIN_LENGTH_BUCKET = 16


def next_power_of_two(n: tf.Tensor) -> tf.Tensor:
    """Smallest power of two >= n (int32 scalar, n >= 1), exact in integer arithmetic."""
    v = tf.maximum(n, 1) - 1
    for shift in (1, 2, 4, 8, 16):
        v = tf.bitwise.bitwise_or(v, tf.bitwise.right_shift(v, shift))
    return v + 1


def length_buckets(max_length: int, min_length: int = MIN_LENGTH_BUCKET) -> list[int]:
    """The sequence lengths ids are padded to: powers of two, then `max_length`."""
    buckets, size = [], min(min_length, max_length)
    while size < max_length:
        buckets.append(size)
        size *= 2
    return [*buckets, max_length]


def text_of_words(words: list[str], count: int) -> str:
    """`count` vocabulary words cycled into one text: an input of a known token length
    (for warmup requests and latency cases that must hit a given bucket)."""
    return " ".join(words[i % len(words)] for i in range(count))


def bucket_grid_texts(
    words: list[str], max_length: int, max_batch: int = MAX_SERVING_BATCH
) -> list[np.ndarray]:
    """One batch of identical texts per (batch bucket, length bucket), as UTF-8 bytes:
    warmup requests that make a server compile every XLA shape at load."""
    return [
        np.array([text_of_words(words, length).encode("utf-8")] * batch, dtype=object)
        for batch in batch_buckets(max_batch)
        for length in length_buckets(max_length)
    ]


def pad_to_bucket(ids: tf.Tensor, max_length: int) -> tf.Tensor:
    """Pads `ids [n, length]` with `PAD_ID` to `[bucket(n), bucket(length)]`."""
    batch, length = tf.shape(ids)[0], tf.shape(ids)[1]
    target_batch = next_power_of_two(batch)
    target_length = tf.minimum(
        tf.maximum(next_power_of_two(length), min(MIN_LENGTH_BUCKET, max_length)),
        tf.maximum(max_length, length),
    )
    return tf.pad(
        ids, [[0, target_batch - batch], [0, target_length - length]], constant_values=PAD_ID
    )


def bucketed(ids_fn, max_length: int, jit_compile: bool = True):
    """Wraps `ids_fn(ids) -> nest of [n, ...]` to run on bucket-padded ids, compiled.

    Returns a function with the same contract; rows added for the batch bucket are
    sliced off again, so callers never see them.
    """
    compiled = tf.function(ids_fn, jit_compile=jit_compile, autograph=False)

    def run(ids):
        batch = tf.shape(ids)[0]
        outputs = compiled(pad_to_bucket(ids, max_length))
        return tf.nest.map_structure(lambda t: t[:batch], outputs)

    return run
