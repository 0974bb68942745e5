"""Adversarial training on the word embeddings (Miyato, Dai & Goodfellow 2017).

`AdversarialTrainer` wraps a compiled-later classifier and trains it on
`L(x) + L(x + r_adv)`: after the clean forward pass, the rows of the word-embedding table
that the batch uses are moved a small step up the loss gradient (held constant), the
loss is taken again on the perturbed texts, the rows are put back exactly, and the sum
of both passes' gradients is applied once. The classifier itself is untouched: its graph,
weights and exports are the plain model's; only training differs.

The perturbation lives on the table rows, so every occurrence of a word in the batch
moves by the same vector: the mean of that word's per-occurrence gradients, scaled so
that the perturbed word vectors of the batch (padding excluded) move by `epsilon` times
their own L2 norm. Within that budget this is the loss's steepest linear ascent among
perturbations tied per word. The paper perturbs each occurrence apart, with its norm per
text on normalised embeddings (its epsilon 5 is ~1-2% of a text's embedding norm).
"""

from __future__ import annotations

import keras
import tensorflow as tf

# The embedding the encoders create (`shared.layers.recurrent_encoder_base`).
EMBEDDING_NAME = "token_embedding"


def refuse_distribution() -> None:
    """A ValueError under a tf.distribute strategy: the table is perturbed in place, and
    replicas would perturb their shared copy at the same time."""
    strategy = tf.distribute.get_strategy()
    if tf.distribute.has_strategy() or strategy.num_replicas_in_sync != 1:
        raise ValueError(
            "Expected adversarial training under the default strategy (the embedding "
            f"table is perturbed in place). Received: {type(strategy).__name__} with "
            f"{strategy.num_replicas_in_sync} replica(s); train with --strategy default or "
            "--adversarial-epsilon 0."
        )


def find_embedding(model: keras.Model, name: str = EMBEDDING_NAME) -> keras.layers.Embedding:
    """The model's one embedding layer called `name`, at any depth."""
    found = [
        layer
        for layer in model._flatten_layers(include_self=False, recursive=True)
        if layer.name == name and isinstance(layer, keras.layers.Embedding)
    ]
    if len(found) != 1:
        raise ValueError(
            f"Expected one embedding layer named {name!r} in {model.name!r} (the word "
            f"vectors to perturb). Received: {len(found)}."
        )
    return found[0]


def _word_rows(gradient, vocabulary_size: int):
    """The batch's word ids (unique), each word's summed gradient and its occurrences."""
    if isinstance(gradient, tf.IndexedSlices):  # a lookup's gradient: one row per token
        occurrences, values = tf.reshape(gradient.indices, [-1]), gradient.values
        ids, position = tf.unique(occurrences)
        count = tf.shape(ids)[0]
        rows = tf.math.unsorted_segment_sum(values, position, count)
        counts = tf.math.unsorted_segment_sum(tf.ones_like(position, values.dtype), position, count)
        return ids, rows, counts
    # A dense gradient (never from Keras' Embedding, but cheap to support): every row,
    # occurrences unknown, so each used row counts once.
    ids = tf.range(vocabulary_size)
    used = tf.cast(tf.reduce_any(tf.not_equal(gradient, 0), axis=-1), gradient.dtype)
    return ids, gradient, used


@keras.saving.register_keras_serializable(package="rnn_suite")
class AdversarialTrainer(keras.Model):
    """Trains `classifier` on its loss plus the loss of adversarially perturbed embeddings.

    Compile and fit it like the classifier (same loss and metrics: history keeps `loss`,
    `accuracy`, `val_*`; training also logs `adversarial_loss`). It is serializable, so
    `shared.training.trainer.fit_resumable` can checkpoint and reload it: take the
    returned model's `classifier`, which is all there is to save or export.

    A frozen embedding (`trainable=False`) is perturbed all the same (it is the input)
    but never updated. With `epsilon` 0 the step is Keras' own, unchanged.

    Args:
        classifier: a built Keras model with one embedding layer named `embedding_name`
            whose lookups (not a dense product) give its word vectors.
        epsilon: the perturbation's L2 norm relative to the batch's word vectors
            (padding excluded); 0 trains without perturbation.
        embedding_name: the name of the embedding layer to perturb.

    Example:
        trainer = AdversarialTrainer(classifier, epsilon=0.02)
        trainer.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                        metrics=["accuracy"])
        classifier = fit_resumable(trainer, ...).classifier
    """

    def __init__(
        self,
        classifier: keras.Model,
        epsilon: float = 0.0,
        embedding_name: str = EMBEDDING_NAME,
        **kwargs,
    ):
        if not epsilon >= 0:  # also refuses NaN
            raise ValueError(
                f"Expected `epsilon` >= 0 (0 disables the perturbation). Received: {epsilon}."
            )
        refuse_distribution()
        super().__init__(**kwargs)
        self.classifier = classifier
        self.epsilon = float(epsilon)
        self.embedding_name = embedding_name
        self.embedding = find_embedding(classifier, embedding_name)
        if self.epsilon:  # at 0 the metrics are exactly the plain model's
            self.adversarial_loss = keras.metrics.Mean(name="adversarial_loss")
        self.built = True

    def get_config(self):
        return {
            **super().get_config(),
            "classifier": keras.saving.serialize_keras_object(self.classifier),
            "epsilon": self.epsilon,
            "embedding_name": self.embedding_name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["classifier"] = keras.saving.deserialize_keras_object(config["classifier"])
        return cls(**config)

    def call(self, inputs, training=False):
        return self.classifier(inputs, training=training)

    def perturbation(self, gradient):
        """The batch's word ids and the vector added to each one's row (pad id 0: none).

        Each word moves along the mean of its occurrences' gradients; the scale makes the
        batch's perturbed token vectors move by `epsilon` times their L2 norm.
        """
        table = self.embedding.embeddings
        ids, rows, counts = _word_rows(gradient, table.shape[0])
        counts = counts * tf.cast(tf.not_equal(ids, 0), counts.dtype)  # padding is no word
        vectors = tf.gather(tf.convert_to_tensor(table), ids)
        text_norm = tf.sqrt(tf.reduce_sum(counts * tf.reduce_sum(tf.square(vectors), -1)))
        safe_counts = tf.maximum(counts, 1.0)
        direction = rows / safe_counts[:, None] * tf.cast(counts > 0, rows.dtype)[:, None]
        # Each row's vector is added to `counts` tokens, so the tokens' norm is weighted.
        direction_norm = tf.sqrt(tf.reduce_sum(counts * tf.reduce_sum(tf.square(direction), -1)))
        scale = self.epsilon * text_norm / tf.maximum(direction_norm, 1e-12)
        return ids, tf.stop_gradient(direction * scale)

    def train_step(self, data):
        if not self.epsilon:
            return super().train_step(data)
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        table = self.embedding.embeddings.value  # the tf.Variable (frozen or not)
        weights = self.trainable_weights
        with tf.GradientTape() as tape:
            tape.watch(table)  # a frozen table is not watched by default
            y_pred = self(x, training=True)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        gradients = tape.gradient(loss, [*weights, table])
        clean_gradients, table_gradient = gradients[:-1], gradients[-1]
        ids, shift = self.perturbation(table_gradient)

        # Stateful order, made explicit: save the rows, perturb, second pass, restore
        # the saved rows (exactly: subtracting would round), then the optimizer update.
        saved = tf.gather(table, ids)
        with tf.control_dependencies([saved]):
            perturbed = table.scatter_add(tf.IndexedSlices(shift, ids))
        with tf.control_dependencies([perturbed]):
            with tf.GradientTape() as adversarial_tape:
                adversarial_pred = self(x, training=True)
                adversarial_loss = self._compute_loss(
                    x, y, adversarial_pred, sample_weight, training=True
                )
            adversarial_gradients = adversarial_tape.gradient(adversarial_loss, weights)
        done = [adversarial_loss, *(g for g in adversarial_gradients if g is not None)]
        with tf.control_dependencies(done):
            restored = table.scatter_update(tf.IndexedSlices(saved, ids))
        with tf.control_dependencies([restored]):
            total = [
                _add(a, b) for a, b in zip(clean_gradients, adversarial_gradients, strict=True)
            ]
            self.optimizer.apply_gradients(zip(total, weights, strict=True))

        batch = tf.shape(keras.tree.flatten(x)[0])[0]
        self._loss_tracker.update_state(loss, sample_weight=batch)
        self.adversarial_loss.update_state(adversarial_loss, sample_weight=batch)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        logs = super().test_step(data)
        logs.pop("adversarial_loss", None)  # measured in training only
        return logs


def _add(clean, adversarial):
    """The sum of two gradients of one variable (either may be IndexedSlices or None)."""
    if clean is None or adversarial is None:
        return adversarial if clean is None else clean
    if isinstance(clean, tf.IndexedSlices) and isinstance(adversarial, tf.IndexedSlices):
        return tf.IndexedSlices(
            tf.concat([clean.values, adversarial.values], 0),
            tf.concat([clean.indices, adversarial.indices], 0),
            clean.dense_shape,
        )
    return tf.convert_to_tensor(clean) + tf.convert_to_tensor(adversarial)
