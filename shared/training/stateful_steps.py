"""Truncated-BPTT training of a streaming model over `document_windows` batches.

`WholeDocumentTrainer` wraps any Keras model of the form `(ids, *state) -> (outputs,
*new_state)` (outputs: class probabilities, or logits with `from_logits=True`) and gives
it `fit`/`evaluate` over the steps of `shared.training.document_windows`: it keeps each
batch slot's state between steps, puts it back to the initial state where `reset` is set
(a new document), and feeds it in as a constant, so gradients stop at window boundaries.
The loss is taken on every active window (the policy `document_windows` explains);
`document_accuracy` counts last windows only, the whole-document prediction. Evaluation
mirrors training with its own state, so validating between epochs never disturbs the
training slots.

Only one replica: the state of a slot lives beside that slot's batch row, and a mirrored or
multi-worker strategy would split the rows across replicas and average the state
variables; the trainer refuses to be built under one.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf


def refuse_distribution(strategy: tf.distribute.Strategy | None = None) -> None:
    """A ValueError when training would run under a strategy other than the default."""
    strategy = strategy or tf.distribute.get_strategy()
    if tf.distribute.has_strategy() or strategy.num_replicas_in_sync != 1:
        raise ValueError(
            "Expected whole-document training under the default strategy (one replica "
            "carries every slot's state). Received: "
            f"{type(strategy).__name__} with {strategy.num_replicas_in_sync} replica(s); "
            "train with --strategy default."
        )


def state_sizes(stream_model: keras.Model) -> list[tuple[int, ...]]:
    """The per-example shape of each state input (all inputs after the ids)."""
    if len(stream_model.inputs) < 2 or len(stream_model.outputs) != len(stream_model.inputs):
        raise ValueError(
            "Expected a model `(ids, *state) -> (outputs, *new_state)` with one new state per "
            f"state input. Received: {len(stream_model.inputs)} input(s) and "
            f"{len(stream_model.outputs)} output(s)."
        )
    sizes = [tuple(tensor.shape[1:]) for tensor in stream_model.inputs[1:]]
    if any(dim is None for size in sizes for dim in size):
        raise ValueError(f"Expected state inputs of fixed size. Received: shapes {sizes}.")
    return sizes


@contextlib.contextmanager
def expected_end_of_epoch():
    """Silences Keras' "input ran out of data": epochs differ by a few steps (the idle tail
    slots), so the dataset's length is unknown and running out is how each epoch ends."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        yield


@keras.saving.register_keras_serializable(package="rnn_suite")
class WholeDocumentTrainer(keras.Model):
    """`fit`/`evaluate` a streaming model over whole documents, state carried per slot.

    Serializable, so `shared.training.trainer.fit_resumable` can checkpoint and reload it
    (the best model it returns is a trainer: take its `stream_model`).

    Args:
        stream_model: a model `(ids, *state) -> (outputs, *new_state)`.
        batch_slots: the data's `batch_slots` (the state kept per slot).
        from_logits: the model's outputs are logits, not probabilities.
        initial_state: per state input, the value a document starts from (a number or
            an array of the state's per-example shape); default zeros. A running max,
            for one, starts below any value rather than at zero.
    """

    def __init__(
        self,
        stream_model: keras.Model,
        batch_slots: int,
        from_logits: bool = False,
        initial_state: Sequence | None = None,
        **kwargs,
    ):
        refuse_distribution()
        super().__init__(**kwargs)
        self.stream_model = stream_model
        self.batch_slots = batch_slots
        self.from_logits = from_logits
        sizes = state_sizes(stream_model)
        if initial_state is None:
            initial_state = [0.0] * len(sizes)
        if len(initial_state) != len(sizes):
            raise ValueError(
                f"Expected one initial value per state input ({len(sizes)}). Received: "
                f"{len(initial_state)}."
            )
        self.initial_values = [np.asarray(value, "float32").tolist() for value in initial_state]
        self.initial_state = [
            tf.broadcast_to(tf.constant(value, self.compute_dtype), size)
            for value, size in zip(self.initial_values, sizes, strict=True)
        ]
        self.training_state = self._state_variables(sizes, "training")
        self.evaluation_state = self._state_variables(sizes, "evaluation")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.window_accuracy = keras.metrics.SparseCategoricalAccuracy(name="window_accuracy")
        self.document_accuracy = keras.metrics.SparseCategoricalAccuracy(name="document_accuracy")
        self.built = True

    def _state_variables(self, sizes, purpose: str) -> list[keras.Variable]:
        return [
            self.add_weight(
                shape=(self.batch_slots, *size),
                initializer="zeros",
                trainable=False,
                name=f"{purpose}_state_{index}",
            )
            for index, size in enumerate(sizes)
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "stream_model": keras.saving.serialize_keras_object(self.stream_model),
            "batch_slots": self.batch_slots,
            "from_logits": self.from_logits,
            "initial_state": self.initial_values,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["stream_model"] = keras.saving.deserialize_keras_object(config["stream_model"])
        return cls(**config)

    def fit(self, *args, **kwargs):
        kwargs.setdefault("shuffle", False)  # the data's seeded document order is the shuffle
        with expected_end_of_epoch():
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with expected_end_of_epoch():
            return super().evaluate(*args, **kwargs)

    @property
    def metrics(self):
        return [self.loss_tracker, self.window_accuracy, self.document_accuracy]

    def _carried(self, state_variables, reset) -> list[tf.Tensor]:
        """Each slot's state, back to the initial state where a document starts, with no
        gradient path back to the window that produced it."""
        carried = []
        for variable, initial in zip(state_variables, self.initial_state, strict=True):
            value = tf.convert_to_tensor(variable)
            starts = tf.reshape(reset, [-1] + [1] * (len(value.shape) - 1))
            carried.append(tf.stop_gradient(tf.where(starts, initial, value)))
        return carried

    def _window(self, state_variables, features, labels, training: bool):
        """Runs one step: outputs, the active windows' mean loss, and the slots' new state."""
        slots = features["ids"].shape[0]
        if slots is not None and slots != self.batch_slots:
            raise ValueError(
                f"Expected batches of {self.batch_slots} slots (the trainer's `batch_slots`). "
                f"Received: {slots}; build the data and the trainer with the same value."
            )
        state = self._carried(state_variables, features["reset"])
        outputs, *new_state = self.stream_model([features["ids"], *state], training=training)
        per_window = keras.losses.sparse_categorical_crossentropy(
            labels, outputs, from_logits=self.from_logits
        )
        active = tf.cast(features["active"], per_window.dtype)
        loss = tf.reduce_sum(per_window * active) / tf.maximum(tf.reduce_sum(active), 1.0)
        return outputs, loss, active, new_state

    def _record(self, state_variables, new_state, outputs, loss, active, features, labels):
        for variable, value in zip(state_variables, new_state, strict=True):
            variable.assign(tf.stop_gradient(value))
        self.loss_tracker.update_state(loss, sample_weight=tf.reduce_sum(active))
        self.window_accuracy.update_state(labels, outputs, sample_weight=active)
        last = active * tf.cast(features["last_window"], active.dtype)
        self.document_accuracy.update_state(labels, outputs, sample_weight=last)
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        features, labels = data
        with tf.GradientTape() as tape:
            outputs, loss, active, new_state = self._window(
                self.training_state, features, labels, training=True
            )
        variables = self.stream_model.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply(gradients, variables)
        return self._record(self.training_state, new_state, outputs, loss, active, features, labels)

    def test_step(self, data):
        features, labels = data
        outputs, loss, active, new_state = self._window(
            self.evaluation_state, features, labels, training=False
        )
        return self._record(
            self.evaluation_state, new_state, outputs, loss, active, features, labels
        )

    def call(self, features, training=False):
        """Each slot's outputs for one step (advancing the evaluation state)."""
        state = self._carried(self.evaluation_state, features["reset"])
        outputs, *new_state = self.stream_model([features["ids"], *state], training=training)
        for variable, value in zip(self.evaluation_state, new_state, strict=True):
            variable.assign(value)
        return outputs
