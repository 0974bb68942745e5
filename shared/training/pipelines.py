"""tf.data pipelines that vectorize text on the fly."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from shared.ids import PAD_ID
from shared.text.vectorizer import WordVectorizer

# Length-sorted windows of this many batches, then batches in random order: most of the
# padding saving of full bucketing, none of its per-bucket bookkeeping.
SORT_WINDOW_BATCHES = 20


def at_least_one_column(ids: tf.Tensor) -> tf.Tensor:
    """Pads `[batch, 0]` to `[batch, 1]`: texts with no tokens at all ("<br />") sorted
    into one batch would otherwise give the model a batch without a time step."""
    return tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])


def text_classification_dataset(
    texts: list[str],
    label_ids: list[int],
    vectorizer: WordVectorizer,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    bucket_by_length: bool = True,
) -> tf.data.Dataset:
    """Batches of `(token_ids [batch, longest], label_ids [batch])`.

    Each batch is padded only to its longest text (not `max_length`). With
    `bucket_by_length`, texts are sorted by length inside windows of 20 batches so a batch
    holds texts of similar length (IMDB reviews run from 10 to 2,500 words: unsorted,
    most of a batch would be padding); batches are then shuffled. The seeded shuffles
    make the order reproducible per epoch.
    """
    data = tf.data.Dataset.from_tensor_slices(
        (tf.constant(texts, dtype=tf.string), np.asarray(label_ids, dtype=np.int32))
    )
    if shuffle:
        data = data.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    if not bucket_by_length:
        data = data.batch(batch_size).map(
            lambda text, label: (
                at_least_one_column(vectorizer.vectorize(text, pad_to_max_length=False)),
                label,
            ),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        return data.prefetch(tf.data.AUTOTUNE)

    def vectorize_sorted(text, label):
        ids = tf.RaggedTensor.from_tensor(
            vectorizer.vectorize(text, pad_to_max_length=False), padding=PAD_ID
        )
        order = tf.argsort(ids.row_lengths(), stable=True)
        return tf.gather(ids, order), tf.gather(label, order)

    data = data.batch(batch_size * SORT_WINDOW_BATCHES).map(
        vectorize_sorted, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    data = data.flat_map(lambda ids, label: tf.data.Dataset.from_tensor_slices((ids, label)))
    data = data.batch(batch_size)
    data = data.map(
        lambda ids, label: (at_least_one_column(ids.to_tensor(default_value=PAD_ID)), label)
    )
    # Sorting within windows keeps the count, so Keras can know each epoch's length.
    data = data.apply(tf.data.experimental.assert_cardinality(-(-len(texts) // batch_size)))
    if shuffle:
        data = data.shuffle(SORT_WINDOW_BATCHES * 2, seed=seed, reshuffle_each_iteration=True)
    return data.prefetch(tf.data.AUTOTUNE)


def teacher_forcing(target_ids: tf.RaggedTensor, start_id: int, end_id: int, max_length: int):
    """Decoder inputs, labels and loss weights from target ids (teacher forcing).

    The full target is `[START] y1 .. yn [END]` (cut to `max_length + 1` tokens); the
    decoder reads it without its last token and must predict it without its first:
    inputs `[START] y1 .. yn`, labels `y1 .. yn [END]`. Padding (0) gets weight 0 so it
    counts neither in the loss nor in the metrics.

    Args:
        target_ids: ragged int32 `[batch, (n)]` without START/END.
        start_id: the `[START]` id.
        end_id: the `[END]` id.
        max_length: decoder steps per example (longer targets lose their tail).

    Returns:
        `(decoder_inputs, labels, weights)`, each `[batch, longest]`.
    """
    target_ids = target_ids[:, : max_length - 1]
    batch = target_ids.nrows()
    starts = tf.fill([batch, 1], tf.constant(start_id, target_ids.dtype))
    ends = tf.fill([batch, 1], tf.constant(end_id, target_ids.dtype))
    full = tf.concat([starts, target_ids, ends], axis=1)
    decoder_inputs = full[:, :-1].to_tensor(default_value=PAD_ID)
    labels = full[:, 1:].to_tensor(default_value=PAD_ID)
    weights = tf.cast(labels != PAD_ID, tf.float32)
    return decoder_inputs, labels, weights


def seq2seq_dataset(
    sources: list[str],
    targets: list[str],
    source_tokenizer,
    target_tokenizer,
    batch_size: int,
    *,
    max_source_length: int,
    max_target_length: int,
    start_id: int,
    end_id: int,
    shuffle: bool,
    seed: int,
) -> tf.data.Dataset:
    """Batches of `((source_ids, decoder_inputs), labels, weights)` for teacher forcing.

    Pairs are grouped into batches of similar source length (after a seeded shuffle),
    so a batch of 4-token sentences does not pay for one 40-token sentence.
    """
    data = tf.data.Dataset.from_tensor_slices(
        (tf.constant(sources, tf.string), tf.constant(targets, tf.string))
    )
    if shuffle:
        data = data.shuffle(len(sources), seed=seed, reshuffle_each_iteration=True)
    window = batch_size * SORT_WINDOW_BATCHES

    def tokenize(source, target):
        source_ids = source_tokenizer.tokenize(source)[:, :max_source_length]
        return source_ids, target_tokenizer.tokenize(target)

    def sort_window(source_ids, target_ids):
        order = tf.argsort(source_ids.row_lengths())
        return tf.data.Dataset.from_tensor_slices(
            (tf.gather(source_ids, order), tf.gather(target_ids, order))
        )

    data = data.batch(window).map(tokenize, num_parallel_calls=tf.data.AUTOTUNE)
    # Sorting within windows keeps the count, so Keras can know each epoch's length.
    data = data.flat_map(sort_window).batch(batch_size)
    data = data.apply(tf.data.experimental.assert_cardinality(-(-len(sources) // batch_size)))
    if shuffle:
        data = data.shuffle(32, seed=seed, reshuffle_each_iteration=True)

    def to_model_inputs(source_ids, target_ids):
        decoder_inputs, labels, weights = teacher_forcing(
            target_ids, start_id, end_id, max_target_length
        )
        return (source_ids.to_tensor(default_value=PAD_ID), decoder_inputs), labels, weights

    return data.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
