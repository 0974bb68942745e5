"""Tiny Keras models of the streaming form `(ids, *state) -> (outputs, *new_state)`."""

from __future__ import annotations

import keras


def counting_model(window: int) -> keras.Model:
    """Carries the count of non-padding tokens read so far; outputs depend on that count.

    The state after a step is exactly "tokens since the last reset", so a test can read
    where the trainer reset it. One Dense layer gives the optimizer something to train.
    """
    ids = keras.Input((window,), dtype="int32", name="ids")
    count = keras.Input((1,), name="count")
    new_count = count + keras.ops.sum(
        keras.ops.cast(keras.ops.not_equal(ids, 0), "float32"), axis=1, keepdims=True
    )
    outputs = keras.layers.Dense(2, activation="softmax", name="classes")(new_count)
    return keras.Model([ids, count], [outputs, new_count])


def recurrent_model(window: int, vocabulary: int, units: int = 16, seed: int = 0) -> keras.Model:
    """Embedding (masked) -> GRU that starts from the given state -> class probabilities."""
    ids = keras.Input((window,), dtype="int32", name="ids")
    state = keras.Input((units,), name="state")
    embedded = keras.layers.Embedding(
        vocabulary,
        8,
        mask_zero=True,
        embeddings_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=seed),
        name="embedding",
    )(ids)
    sequence, new_state = keras.layers.GRU(
        units,
        return_state=True,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seed),
        name="gru",
    )(embedded, initial_state=state)
    outputs = keras.layers.Dense(
        2,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        name="classes",
    )(sequence)
    return keras.Model([ids, state], [outputs, new_state])
