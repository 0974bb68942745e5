"""tf.data pipelines that vectorize text on the fly."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.text.vectorizer import WordVectorizer


def text_classification_dataset(
    texts: list[str],
    label_ids: list[int],
    vectorizer: WordVectorizer,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
) -> tf.data.Dataset:
    """Batches of `(token_ids [batch, longest], label_ids [batch])`.

    Each batch is padded only to its longest text (not `max_length`), so short texts do
    not pay for padding; the seeded shuffle makes the order reproducible per epoch.
    """
    data = tf.data.Dataset.from_tensor_slices(
        (tf.constant(texts, dtype=tf.string), np.asarray(label_ids, dtype=np.int32))
    )
    if shuffle:
        data = data.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size)
    data = data.map(
        lambda text, label: (vectorizer.vectorize(text, pad_to_max_length=False), label),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return data.prefetch(tf.data.AUTOTUNE)
