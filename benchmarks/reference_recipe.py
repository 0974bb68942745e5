"""The keras.io "Bidirectional LSTM on IMDB" example, reimplemented as a reference.

Recipe (https://keras.io/examples/nlp/bidirectional_lstm_imdb/): the 20,000 most
frequent words, the last 200 tokens of each review (`pad_sequences` pads and truncates
at the front by default), Embedding 128 -> BiLSTM 64 (sequences) -> BiLSTM 64 -> one
sigmoid, Adam with its defaults, binary cross-entropy, batch 32, 2 epochs. No masking:
front padding puts the real words last, next to the final state.

The example reads `keras.datasets.imdb` (lower-cased, punctuation stripped); here the
same preprocessing comes from Keras' `TextVectorization("lower_and_strip_punctuation")`
fitted on the training split only, so it trains and scores on exactly the benchmark's
splits.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from benchmarks.accuracy_trace import ValidationTrace


@dataclasses.dataclass(frozen=True)
class RecipeSettings:
    """The example's hyperparameters; `KERAS_IO_RECIPE` holds its values."""

    max_features: int
    max_length: int
    embedding_dim: int
    units: int
    batch_size: int
    epochs: int


KERAS_IO_RECIPE = RecipeSettings(
    max_features=20000, max_length=200, embedding_dim=128, units=64, batch_size=32, epochs=2
)


@dataclasses.dataclass
class RecipeResult:
    accuracy: float
    train_seconds: float
    tokens_per_epoch: int
    trace: ValidationTrace


def build_recipe_model(settings: RecipeSettings) -> keras.Model:
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(settings.max_features, settings.embedding_dim)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(settings.units, return_sequences=True))(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(settings.units))(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="keras_io_bidirectional_lstm")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def recipe_ids(texts: list[str], vectorizer, max_length: int) -> np.ndarray:
    """Ids as `pad_sequences(maxlen=...)` gives them: front-padded, front-truncated."""
    ragged = vectorizer(tf.constant(texts))  # ragged=True: no padding yet
    sequences = [row[row != 0] for row in ragged.numpy()]
    return keras.utils.pad_sequences(sequences, maxlen=max_length).astype("int32")


def train_reference(
    train_texts: list[str],
    train_labels: list[int],
    val_texts: list[str],
    val_labels: list[int],
    *,
    settings: RecipeSettings = KERAS_IO_RECIPE,
    trace_every_steps: int = 100,
    seed: int = 1337,
    verbose: int = 2,
) -> RecipeResult:
    """Trains the recipe on the given split; returns validation accuracy and timings.

    The wall time covers `fit` (with the example's per-epoch validation), not the
    tokenisation: the example loads pre-tokenised ids.
    """
    keras.utils.set_random_seed(seed)
    vectorizer = keras.layers.TextVectorization(
        max_tokens=settings.max_features,
        standardize="lower_and_strip_punctuation",
        ragged=True,
    )
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(train_texts).batch(1024))
    x_train = recipe_ids(train_texts, vectorizer, settings.max_length)
    x_val = recipe_ids(val_texts, vectorizer, settings.max_length)
    y_train = np.asarray(train_labels, dtype="float32")
    y_val = np.asarray(val_labels, dtype="int64")
    val_batches = [(x_val[i : i + 256], y_val[i : i + 256]) for i in range(0, len(x_val), 256)]
    trace = ValidationTrace(
        val_batches, trace_every_steps, to_labels=lambda p: (p[:, 0] > 0.5).astype("int64")
    )
    model = build_recipe_model(settings)
    model.fit(
        x_train,
        y_train,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        validation_data=(x_val, y_val.astype("float32")),
        callbacks=[trace],
        verbose=verbose,
    )
    return RecipeResult(
        accuracy=trace.points[-1].accuracy,
        train_seconds=round(trace.total_seconds, 2),
        tokens_per_epoch=int(np.count_nonzero(x_train)),
        trace=trace,
    )
