"""WholeDocumentTrainer: state carried per slot, reset per document, cut at each window."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.training.document_windows import document_windows_dataset
from shared.training.history import read_history
from shared.training.run_directory import RunDirectory
from shared.training.stateful_steps import WholeDocumentTrainer
from shared.training.trainer import fit_resumable
from tests.helpers.stream_models import counting_model, recurrent_model

WINDOW = 4


class StateTrace(keras.callbacks.Callback):
    """The trainer's carried state after every training and evaluation step."""

    def __init__(self):
        super().__init__()
        self.training, self.evaluation = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.training.append(self.model.training_state[0].numpy()[:, 0].tolist())

    def on_test_batch_end(self, batch, logs=None):
        self.evaluation.append(self.model.evaluation_state[0].numpy()[:, 0].tolist())


def counting_trainer(slots, initial_state=None):
    trainer = WholeDocumentTrainer(
        counting_model(WINDOW), batch_slots=slots, initial_state=initial_state
    )
    trainer.compile(optimizer=keras.optimizers.SGD(0.01))
    return trainer


@pytest.mark.parametrize("start", [None, 10.0])
def test_state_is_carried_within_a_document_and_reset_between_documents(start):
    # Slot 0 reads a 6-token document, then a 3-token one; slot 1 one 9-token document.
    documents, labels = [[5] * 6, [7] * 9, [6] * 3], [0, 1, 0]
    data = document_windows_dataset(documents, labels, window=WINDOW, batch_slots=2, shuffle=False)
    trainer, trace = counting_trainer(2, None if start is None else [start]), StateTrace()
    trainer.fit(data, validation_data=data, epochs=1, callbacks=[trace], verbose=0)
    # Tokens read since the slot's last reset: 3 (not 9) once the second document starts.
    offset = start or 0
    expected = [[offset + count for count in row] for row in [[4, 4], [6, 8], [3, 9]]]
    assert trace.training == expected
    assert trace.evaluation == expected, "evaluation mirrors training"
    assert trainer.training_state[0].numpy()[:, 0].tolist() == expected[-1], (
        "validating must not touch the training slots' state"
    )


def test_a_new_epoch_starts_every_slot_from_zero():
    data = document_windows_dataset([[5] * 6], [1], window=WINDOW, batch_slots=1, shuffle=False)
    trainer, trace = counting_trainer(1), StateTrace()
    trainer.fit(data, epochs=2, callbacks=[trace], verbose=0)
    assert trace.training == [[4], [6], [4], [6]]


def test_gradients_stop_at_window_boundaries():
    # One document of two windows: token 5 only in the first, token 6 only in the second.
    features = {
        "ids": tf.constant([[5] * WINDOW, [6] * WINDOW]),
        "reset": tf.constant([True, False]),
        "last_window": tf.constant([False, True]),
        "active": tf.constant([True, True]),
    }
    labels = tf.constant([1, 1])
    model = recurrent_model(WINDOW, vocabulary=8)
    embedding = model.get_layer("embedding").embeddings
    # Control: through both windows (full BPTT) the second window's loss reaches token 5.
    with tf.GradientTape() as tape:
        _, state = model([features["ids"][:1], tf.zeros((1, 16))])
        outputs, _ = model([features["ids"][1:], state])
        loss = keras.losses.sparse_categorical_crossentropy(labels[1:], outputs)
    assert np.abs(tape.gradient(loss, embedding).values.numpy()).sum() > 0
    trainer = WholeDocumentTrainer(model, batch_slots=1)
    trainer.compile(optimizer=keras.optimizers.SGD(0.0))

    def step(index):
        row = {name: value[index : index + 1] for name, value in features.items()}
        trainer.train_step((row, labels[index : index + 1]))

    step(0)  # learning rate 0: only carries the state into the second window
    assert np.abs(trainer.training_state[0].numpy()).sum() > 0
    before = embedding.numpy().copy()
    trainer.optimizer.learning_rate.assign(1.0)
    step(1)
    after = embedding.numpy()
    assert not np.allclose(after[6], before[6]), "the second window's own tokens learn"
    np.testing.assert_array_equal(after[5], before[5])


def test_a_label_decided_in_the_first_window_is_learned_only_with_carried_state():
    def documents(count, seed):
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 2, size=count)
        # The label's token opens the document; 2-3 more windows of noise follow it.
        texts = [
            [4 + int(label)] + list(rng.integers(6, 10, size=int(rng.integers(9, 16))))
            for label in labels
        ]
        return texts, labels.tolist()

    def window_only(features, labels):
        return {**features, "reset": tf.ones_like(features["reset"])}, labels

    def trained_accuracy(carry_state):
        keras.utils.set_random_seed(0)
        train, validation = (
            document_windows_dataset(
                *documents(count, seed), window=WINDOW, batch_slots=16, shuffle=True, seed=seed
            )
            for count, seed in ((192, 0), (96, 1))
        )
        if not carry_state:
            train, validation = train.map(window_only), validation.map(window_only)
        trainer = WholeDocumentTrainer(recurrent_model(WINDOW, vocabulary=10), batch_slots=16)
        trainer.compile(optimizer=keras.optimizers.Adam(0.02))
        trainer.fit(train, epochs=3, verbose=0)
        return trainer.evaluate(validation, return_dict=True, verbose=0)["document_accuracy"]

    assert trained_accuracy(carry_state=True) >= 0.95
    assert trained_accuracy(carry_state=False) <= 0.7


def test_mirrored_training_is_refused():
    devices = [device.name for device in tf.config.list_logical_devices("CPU")][:2]
    with tf.distribute.MirroredStrategy(devices).scope():
        model = counting_model(WINDOW)
        with pytest.raises(ValueError, match="default strategy.*--strategy default"):
            WholeDocumentTrainer(model, batch_slots=2)


def test_models_of_the_wrong_form_and_mismatched_slots_are_refused():
    ids = keras.Input((WINDOW,), dtype="int32")
    stateless = keras.Model(ids, keras.layers.Dense(2)(keras.ops.cast(ids, "float32")))
    with pytest.raises(ValueError, match=r"\(ids, \*state\) -> \(outputs, \*new_state\)"):
        WholeDocumentTrainer(stateless, batch_slots=2)
    with pytest.raises(ValueError, match=r"one initial value per state input \(1\)"):
        counting_trainer(2, initial_state=[0.0, 1.0])
    trainer = counting_trainer(2)
    data = document_windows_dataset([[1, 2]], [0], window=WINDOW, batch_slots=3, shuffle=False)
    with pytest.raises(ValueError, match="batches of 2 slots.*Received: 3"):
        trainer.fit(data, epochs=1, verbose=0)


def test_a_saved_trainer_reloads_with_its_model_and_settings(tmp_path):
    trainer = WholeDocumentTrainer(
        recurrent_model(WINDOW, vocabulary=8), batch_slots=2, initial_state=[0.5]
    )
    trainer.save(tmp_path / "trainer.keras")
    loaded = keras.models.load_model(tmp_path / "trainer.keras")
    assert isinstance(loaded, WholeDocumentTrainer)
    assert (loaded.batch_slots, loaded.initial_values) == (2, [0.5])
    ids, state = np.array([[3, 4, 0, 0]]), np.zeros((1, 16), "float32")
    for expected, actual in zip(
        trainer.stream_model([ids, state]), loaded.stream_model([ids, state]), strict=True
    ):
        np.testing.assert_allclose(actual, expected, rtol=1e-6)


def test_fit_resumable_checkpoints_and_returns_the_best_trainer(tmp_path):
    documents = [[4, 6, 7, 8, 9, 6], [5, 7, 7], [4, 9, 9, 9, 9, 9, 8], [5]]
    data = document_windows_dataset(
        documents, [0, 1, 0, 1], window=WINDOW, batch_slots=2, shuffle=True, seed=1
    )
    trainer = WholeDocumentTrainer(recurrent_model(WINDOW, vocabulary=10), batch_slots=2)
    trainer.compile(optimizer=keras.optimizers.Adam(0.01))
    run_dir = RunDirectory(tmp_path / "run")
    best = fit_resumable(trainer, data, data, run_dir, epochs=2, patience=2, verbose=0)
    assert isinstance(best, WholeDocumentTrainer)
    rows = read_history(run_dir.history_path)
    assert [sorted(row) for row in rows][0] == sorted(
        ["epoch", "loss", "window_accuracy", "document_accuracy"]
        + ["val_loss", "val_window_accuracy", "val_document_accuracy"]
    )
    assert len(rows) == 2 and run_dir.best_model_path.is_file()
