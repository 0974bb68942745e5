"""AdversarialTrainer: L(x) + L(x + r_adv) on the word embeddings, the table restored."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from shared.layers import (
    BidirectionalRecurrentEncoder,
    HashedBagOfNgrams,
    MaskedSequencePooling,
    PaddingMask,
)
from shared.training.adversarial import AdversarialTrainer

VOCABULARY = 30
LOSS = "sparse_categorical_crossentropy"


def classifier(seed: int = 3, dropout: float = 0.0, frozen: bool = False) -> keras.Model:
    """A tiny sentiment-like classifier: BiLSTM (`token_embedding` inside) + bag of n-grams
    with a learning-rate scale, so the scaled table's gradients go through the step too."""
    keras.utils.set_random_seed(seed)
    ids = keras.Input((None,), dtype="int32")
    encoder = BidirectionalRecurrentEncoder(
        VOCABULARY, embedding_dim=6, units=4, embedding_dropout=dropout, name="encoder"
    )
    encoder.embedding_trainable = not frozen
    sequence, _ = encoder(ids)
    pooled = MaskedSequencePooling("mean_max")(sequence, PaddingMask()(ids))
    bag = HashedBagOfNgrams(VOCABULARY, 16, 3, learning_rate_scale=5.0)(ids)
    features = keras.layers.Dropout(dropout)(keras.layers.Concatenate()([pooled, bag]))
    return keras.Model(ids, keras.layers.Dense(2, activation="softmax")(features))


def batch(size: int = 8, seed: int = 0):
    """Ids with padding tails and repeated words; label: whether word 2 occurs."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 8, (size, 7)).astype("int32")
    ids[::2, 5:] = 0
    return ids, (ids == 2).any(axis=1).astype("int32")


def table(model: keras.Model) -> np.ndarray:
    return model.get_layer("encoder").embedding.embeddings.numpy()


def one_step(model: keras.Model, ids, labels) -> None:
    model.fit(ids, labels, batch_size=len(ids), epochs=1, shuffle=False, verbose=0)


def test_epsilon_zero_is_the_plain_step():
    ids, labels = batch(16)
    plain, wrapped = classifier(dropout=0.3), classifier(dropout=0.3)
    # Eager: a traced step costs more than these tiny steps (the traced one is tested below).
    settings = {"loss": LOSS, "metrics": ["accuracy"], "run_eagerly": True}
    plain.compile(optimizer=keras.optimizers.Adam(0.01), **settings)
    trainer = AdversarialTrainer(wrapped, epsilon=0.0)
    trainer.compile(optimizer=keras.optimizers.Adam(0.01), **settings)
    keras.utils.set_random_seed(5)
    plain_history = plain.fit(ids, labels, batch_size=8, shuffle=False, verbose=0).history
    keras.utils.set_random_seed(5)
    trainer_history = trainer.fit(ids, labels, batch_size=8, shuffle=False, verbose=0).history
    assert trainer_history == plain_history
    for a, b in zip(plain.get_weights(), wrapped.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _dense(gradient) -> np.ndarray:
    return tf.convert_to_tensor(gradient).numpy()


def _gradients(model, ids, labels):
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(labels, model(ids, training=True))
        loss = tf.reduce_mean(loss)
    return [_dense(g) for g in tape.gradient(loss, model.trainable_weights)]


def test_step_is_clean_plus_adversarial_gradient_at_the_hand_computed_perturbation():
    epsilon, rate = 0.3, 0.1
    ids, labels = batch()
    reference, model = classifier(), classifier()
    embedding = reference.get_layer("encoder").embedding.embeddings
    position = [w.path for w in reference.trainable_weights].index(embedding.path)
    clean = _gradients(reference, ids, labels)

    # The perturbation by hand: each word's mean occurrence gradient, scaled so the
    # batch's non-pad token vectors move by epsilon times their norm.
    counts = np.bincount(ids.ravel(), minlength=VOCABULARY).astype("float64")
    counts[0] = 0
    direction = clean[position] / np.maximum(counts, 1)[:, None] * (counts > 0)[:, None]
    start = table(reference)
    text_norm = np.sqrt((counts * (start**2).sum(-1)).sum())
    direction_norm = np.sqrt((counts * (direction**2).sum(-1)).sum())
    shift = epsilon * text_norm / direction_norm * direction
    embedding.assign(start + shift)
    adversarial = _gradients(reference, ids, labels)
    expected = [
        w.numpy() - rate * (c + a)
        for w, c, a in zip(model.trainable_weights, clean, adversarial, strict=True)
    ]

    trainer = AdversarialTrainer(model, epsilon=epsilon)
    trainer.compile(optimizer=keras.optimizers.SGD(rate), loss=LOSS)
    one_step(trainer, ids, labels)
    for weight, value in zip(model.trainable_weights, expected, strict=True):
        np.testing.assert_allclose(weight.numpy(), value, atol=2e-6, err_msg=weight.path)
    assert not np.allclose(adversarial[position], clean[position]), "the step must differ"


@pytest.mark.parametrize(
    "frozen, optimizer",
    [(False, keras.optimizers.SGD(0.0)), (True, keras.optimizers.SGD(0.5))],
    ids=["no update", "frozen table"],
)
def test_the_perturbation_is_removed_exactly(frozen, optimizer):
    ids, labels = batch()
    model = classifier(frozen=frozen)
    before, dense_before = table(model), model.layers[-1].get_weights()[0]
    trainer = AdversarialTrainer(model, epsilon=1.0)  # large: any leftover would show
    trainer.compile(optimizer=optimizer, loss=LOSS)
    one_step(trainer, ids, labels)
    np.testing.assert_array_equal(table(model), before)
    if frozen:
        assert not np.array_equal(model.layers[-1].get_weights()[0], dense_before)


def test_the_perturbation_raises_the_loss_of_a_trained_model():
    ids, labels = batch(64, seed=1)
    model = classifier()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=LOSS)
    model.fit(np.tile(ids, (20, 1)), np.tile(labels, 20), batch_size=64, verbose=0)
    trainer = AdversarialTrainer(model, epsilon=0.1)
    trainer.compile(
        optimizer=keras.optimizers.SGD(0.0), loss=LOSS, metrics=["accuracy"], run_eagerly=True
    )
    logs = trainer.fit(ids, labels, batch_size=16, shuffle=False, verbose=0).history
    assert set(logs) == {"loss", "accuracy", "adversarial_loss"}
    assert logs["adversarial_loss"][0] > 1.5 * logs["loss"][0]
    scores = trainer.evaluate(ids, labels, return_dict=True, verbose=0)
    assert set(scores) == {"loss", "accuracy"}, "validation logs no adversarial loss"


def test_round_trips_through_a_keras_file(tmp_path):
    ids, _ = batch()
    trainer = AdversarialTrainer(classifier(), epsilon=0.25)
    trainer.save(tmp_path / "trainer.keras")
    loaded = keras.models.load_model(tmp_path / "trainer.keras")
    assert isinstance(loaded, AdversarialTrainer) and loaded.epsilon == 0.25
    assert json.loads(loaded.classifier.to_json()) == json.loads(trainer.classifier.to_json())
    np.testing.assert_allclose(loaded.classifier.predict(ids, verbose=0), trainer.predict(ids))


def test_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match=r"Expected `epsilon` >= 0.*Received: -0.1"):
        AdversarialTrainer(classifier(), epsilon=-0.1)
    features = keras.Input((5,))
    no_embedding = keras.Model(features, keras.layers.Dense(2)(features))
    with pytest.raises(ValueError, match="Expected one embedding layer named 'token_embedding'"):
        AdversarialTrainer(no_embedding, epsilon=0.1)
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        with pytest.raises(ValueError, match="Expected adversarial training under the default"):
            AdversarialTrainer(classifier(), epsilon=0.1)
