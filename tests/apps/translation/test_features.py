"""Peer-toolkit training features of the translator (issue 18): label smoothing, a moving
average of the weights, n-best output and tied embeddings."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from apps.translation.cli import main
from apps.translation.config import TranslationConfig
from apps.translation.translator import Translator
from shared.decoding import beam_search_decode
from shared.layers import RecurrentDecoder
from shared.training.averaging import (
    KeepEpochWeights,
    average_last_epochs,
    average_weights,
    saved_epochs,
)
from shared.training.history import read_history
from shared.training.losses import SmoothedSparseCategoricalCrossentropy
from shared.training.run_directory import RunDirectory
from shared.training.trainer import fit_resumable, make_optimizer
from tests.helpers.layer_harness import run_layer_test
from tests.helpers.markov import END, START, TRAP, markov_step
from tests.helpers.runs import TINY_TRANSLATION, flags

# -- label smoothing ------------------------------------------------------------------

LOGITS = np.array(
    [
        [[2.0, 0.5, -1.0, 0.0], [0.1, 0.2, 3.0, -2.0], [1.0, 1.0, 1.0, 1.0]],
        [[-1.0, 0.0, 0.5, 2.5], [0.3, -0.3, 0.0, 0.0], [5.0, -5.0, 0.0, 0.0]],
    ],
    dtype="float32",
)
LABELS = np.array([[1, 2, 0], [3, 0, 0]])  # 0 = padding after the real tokens
WEIGHTS = (LABELS != 0).astype("float32")


def expected_smoothed_loss(logits, labels, weights, e):
    """The formula by hand: target (1 - e) * one_hot + e / K, averaged over real tokens."""
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    k = logits.shape[-1]
    target = (1 - e) * np.eye(k)[labels] + e / k
    per_token = -(target * log_p).sum(-1)
    return (per_token * weights).sum() / weights.sum()


@pytest.mark.parametrize("e", [0.0, 0.1, 0.3])
def test_label_smoothing_matches_the_formula_on_a_hand_made_batch(e):
    loss = SmoothedSparseCategoricalCrossentropy(e)(LABELS, LOGITS, sample_weight=WEIGHTS)
    assert float(loss) == pytest.approx(expected_smoothed_loss(LOGITS, LABELS, WEIGHTS, e), 1e-5)
    # And Keras' one-hot CategoricalCrossentropy agrees (it has label_smoothing; the sparse
    # loss does not).
    keras_loss = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=e, reduction="mean_with_sample_weight"
    )(np.eye(4)[LABELS], LOGITS, sample_weight=WEIGHTS)
    assert float(loss) == pytest.approx(float(keras_loss), 1e-5)


def test_label_smoothing_moves_the_loss_and_ignores_padding():
    smoothed = SmoothedSparseCategoricalCrossentropy(0.1)
    plain = keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction="mean_with_sample_weight"
    )
    base = float(smoothed(LABELS, LOGITS, sample_weight=WEIGHTS))
    assert base != pytest.approx(float(plain(LABELS, LOGITS, sample_weight=WEIGHTS)), abs=1e-3)
    # Whatever the model predicts at padded positions changes nothing.
    noisy = LOGITS.copy()
    noisy[WEIGHTS == 0] = np.random.default_rng(0).normal(0, 10, size=(3, 4))
    assert float(smoothed(LABELS, noisy, sample_weight=WEIGHTS)) == pytest.approx(base, 1e-6)
    # Averaged over the 3 real tokens, not the 6 positions.
    assert base == pytest.approx(expected_smoothed_loss(LOGITS, LABELS, WEIGHTS, 0.1), 1e-5)


def test_label_smoothing_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"Expected label_smoothing in \[0, 1\)"):
        SmoothedSparseCategoricalCrossentropy(1.0)
    with pytest.raises(ValueError, match="Expected `label_smoothing` in"):
        TranslationConfig(label_smoothing=-0.1).validate()


# -- moving average of the weights ----------------------------------------------------


class RecordWeights(keras.callbacks.Callback):
    """At each epoch end (after SwapEMAWeights): what the model holds, and the raw ones."""

    def __init__(self):
        super().__init__()
        self.in_model, self.raw = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.in_model.append([v.numpy().copy() for v in self.model.trainable_variables])
        optimizer = self.model.optimizer
        # Swapped: the optimizer's average slots now hold the raw weights.
        self.raw.append([v.numpy().copy() for v in optimizer._model_variables_moving_average])


def test_ema_weights_differ_from_the_raw_ones_and_are_the_ones_validated_and_saved(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    optimizer = make_optimizer(TranslationConfig(learning_rate=0.05), 8, ema_momentum=0.9)
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    model.compile(optimizer=optimizer, loss="mse")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    recorder = RecordWeights()
    run_dir = RunDirectory(tmp_path)
    best = fit_resumable(
        model, data, data, run_dir, epochs=2, patience=5, verbose=0,
        extra_callbacks=(recorder,), ema=True,
    )  # fmt: skip
    # After epoch 1 (before the last, where Keras finalises both to the average).
    assert not all(
        np.allclose(a, b) for a, b in zip(recorder.in_model[0], recorder.raw[0], strict=True)
    )
    val_losses = [row["val_loss"] for row in read_history(run_dir.history_path)]
    best_epoch = int(np.argmin(val_losses))
    # The model kept (and returned) is the averaged one of the best epoch...
    saved = keras.models.load_model(run_dir.best_model_path)
    for weights in (saved.get_weights(), best.get_weights()):
        for a, b in zip(weights, recorder.in_model[best_epoch], strict=True):
            np.testing.assert_array_equal(a, b)
    # ...and the validation loss logged is the averaged model's.
    assert saved.evaluate(data, verbose=0) == pytest.approx(val_losses[best_epoch], rel=1e-4)


# -- checkpoint averaging -------------------------------------------------------------


class RecordEpochEnds(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


def test_checkpoint_averaging_is_the_elementwise_mean_of_the_last_epochs(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(1).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dropout(0.1), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    run_dir = RunDirectory(tmp_path)
    recorder = RecordEpochEnds()
    model.fit(
        x, y, epochs=4, batch_size=8, verbose=0,
        callbacks=[recorder, KeepEpochWeights(run_dir, keep=3)],
    )  # fmt: skip
    assert saved_epochs(run_dir) == [2, 3, 4]  # only the newest `keep`
    assert average_last_epochs(model, run_dir, 2) == [3, 4]
    for averaged, third, fourth in zip(
        model.get_weights(), recorder.weights[2], recorder.weights[3], strict=True
    ):
        np.testing.assert_allclose(averaged, (third + fourth) / 2, rtol=1e-6)
    assert not np.allclose(model.get_weights()[0], recorder.weights[3][0])
    # More epochs asked than kept: the mean of what there is.
    assert average_last_epochs(model, run_dir, 10) == [2, 3, 4]
    np.testing.assert_allclose(
        model.get_weights()[0], np.mean([w[0] for w in recorder.weights[1:]], axis=0), rtol=1e-6
    )
    with pytest.raises(ValueError, match="Expected weights of one architecture"):
        average_weights([[np.zeros(2)], [np.zeros(3)]])


# -- n-best ---------------------------------------------------------------------------


def n_best_of_trap(n_best, beam_width=3):
    choice = tf.one_hot([0], 1)
    start = tf.fill([1], START)
    kwargs = {"beam_width": beam_width, "alpha": 0.0}
    best = beam_search_decode(markov_step([TRAP]), (choice,), start, 6, END, **kwargs)
    hypotheses = beam_search_decode(
        markov_step([TRAP]), (choice,), start, 6, END, n_best=n_best, **kwargs
    )
    return best, hypotheses


def test_n_best_returns_distinct_hypotheses_sorted_by_score_the_first_being_beam_search():
    (best_ids, best_score), (ids, scores) = n_best_of_trap(3)
    ids, scores = ids.numpy()[0], scores.numpy()[0]
    assert ids.shape == (3, 6)
    assert len({tuple(row) for row in ids}) == 3
    assert np.all(np.diff(scores) <= 0)
    np.testing.assert_array_equal(ids[0], best_ids.numpy()[0])
    assert scores[0] == pytest.approx(float(best_score[0]))
    # TRAP: B END (0.45) beats A X1 END (0.55 * 0.34) and A X2 END (0.55 * 0.33).
    np.testing.assert_allclose(np.exp(scores), [0.45, 0.55 * 0.34, 0.55 * 0.33], rtol=1e-4)


def test_the_phone_runners_numpy_n_best_matches_the_graph_one_ties_included():
    from shared.edge.decoding import beam_search

    # Logits in multiples of 0.5 (ties at every step), as tests/shared/edge/test_decoding.py does.
    batch, vocab, width = 4, 9, 4
    tables = (np.random.default_rng(3).integers(-4, 3, (batch, vocab, vocab)) / 2).astype(
        np.float32
    )

    def numpy_step(tokens, states):
        return tables[states["entry"][:, 0].astype(int), tokens], states

    def tf_step(tokens, states):
        index = tf.stack([tf.cast(states[0][:, 0], tf.int32), tokens], axis=1)
        return tf.gather_nd(tables, index), states

    entry = np.arange(batch, dtype=np.float32)[:, None]
    finished = np.array([0, 0, 1, 0], bool)
    for n_best in (1, 3, 4):
        ids, scores = beam_search_decode(
            tf_step, (tf.constant(entry),), tf.fill([batch], START), 7, END, width, 0.6,
            (0, START), tf.constant(finished), n_best=n_best,
        )  # fmt: skip
        numpy_ids, numpy_scores = beam_search(
            numpy_step, {"entry": entry}, batch, 7, width, 0.6, (0, START), finished,
            n_best=n_best,
        )  # fmt: skip
        np.testing.assert_array_equal(numpy_ids, ids.numpy())
        np.testing.assert_allclose(numpy_scores, scores.numpy(), rtol=1e-6)


def test_n_best_above_the_beam_width_is_refused():
    with pytest.raises(ValueError, match=r"Expected n_best between 1 and the beam width \(3\)"):
        n_best_of_trap(4)


def test_translate_n_best_on_the_command_line_and_in_the_api(tiny_translation_run, capsys):
    from apps.translation import load

    texts = ["El perro come pan.", "¿Dónde está la casa?"]
    run = ["--run-dir", str(tiny_translation_run)]
    assert main(["translate", *texts, *run, "--beam-width", "3"]) == 0
    plain = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["translate", *texts, *run, "--beam-width", "3", "--n-best", "3"]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for answer, single in zip(answers, plain, strict=True):
        hypotheses = answer["n_best"]
        assert len(hypotheses) == 3
        assert len({h["translation"] for h in hypotheses}) == 3
        scores = [h["score"] for h in hypotheses]
        assert scores == sorted(scores, reverse=True) and scores[0] <= 0
        assert answer["translation"] == hypotheses[0]["translation"] == single["translation"]
    assert load(tiny_translation_run).translate(texts[0], beam=3, n_best=3) == {
        k: v for k, v in answers[0].items() if k != "text"
    }
    # K above the beam width: a clear error, before and after the run's width is known.
    assert main(["translate", texts[0], *run, "--beam-width", "2", "--n-best", "3"]) == 2
    assert "Expected --n-best <= --beam-width (2). Received: --n-best 3" in capsys.readouterr().err
    assert main(["translate", texts[0], *run, "--n-best", "4"]) == 2
    assert "Expected --n-best <= the beam width (3)" in capsys.readouterr().err
    with pytest.raises(ValueError, match="Expected n_best to be a whole number from 1"):
        load(tiny_translation_run).translate(texts[0], n_best=5)


# -- tied embeddings ------------------------------------------------------------------

TARGET_IN = np.array([[2, 5, 6, 7], [2, 8, 0, 0]], dtype="int32")


def lstm_states(units, seed=0):
    rng = np.random.default_rng(seed)
    return ((rng.normal(size=(2, units)).astype("float32"),) * 2,)


@pytest.mark.parametrize(("units", "adapter_weights"), [(6, 2), (5, 0)])
def test_tied_decoder_harness(units, adapter_weights, tmp_path):
    run_layer_test(
        RecurrentDecoder,
        init_kwargs={
            "vocabulary_size": 15,
            "embedding_dim": 5,
            "units": units,
            "tie_embeddings": True,
        },
        inputs={"target_in": TARGET_IN, "initial_state": lstm_states(units)},
        expected_output_shapes=(2, 4, 15),
        # embedding + LSTM (3) + output bias (+ adapter kernel and bias): no projection
        expected_num_trainable_weights=1 + 3 + 1 + adapter_weights,
        tmp_path=tmp_path,
    )


def test_tied_embeddings_share_one_variable_between_input_and_output():
    decoder = RecurrentDecoder(15, embedding_dim=5, units=5, tie_embeddings=True)
    states = lstm_states(5)
    decoder(TARGET_IN, states)
    matrices = [w for w in decoder.trainable_weights if tuple(w.shape) == (15, 5)]
    assert len(matrices) == 1  # the embedding, and no separate [units, vocab] kernel
    assert not any(tuple(w.shape) == (5, 15) for w in decoder.trainable_weights)
    # Changing the embedding changes the logits of a step whose input token it does not
    # touch: the output side reads the same variable.
    logits_before = np.asarray(decoder.step(np.array([2, 2]), states)[0])
    table = decoder.embedding.embeddings
    table.assign(table.numpy() * np.where(np.arange(15) == 9, 2.0, 1.0)[:, None])
    logits_after = np.asarray(decoder.step(np.array([2, 2]), states)[0])
    changed = np.flatnonzero(~np.isclose(logits_before, logits_after).all(axis=0))
    assert changed.tolist() == [9]


# -- every new setting through a real run ---------------------------------------------


def test_feature_settings_round_trip_through_config_json_and_model_keras(tmp_path):
    from apps.translation.corpus import generate_pairs

    data = tmp_path / "pairs.tsv"
    with open(data, "w", encoding="utf-8") as f:
        f.write("english\tspanish\n")
        f.writelines(f"{en}\t{es}\n" for es, en in generate_pairs(150, seed=3))
    # One epoch of a smaller model than the fixtures': only the wiring is under test.
    settings = {
        **TINY_TRANSLATION,
        "epochs": "1",
        "max-source-length": "12",
        "max-target-length": "12",
        "source-vocabulary-size": "150",
        "target-vocabulary-size": "150",
        "test-split": "0.05",
    }
    features = [
        *("--label-smoothing", "0.1", "--ema-momentum", "0.9", "--tie-embeddings"),
        *("--average-last", "3"),
    ]
    run_dir = tmp_path / "run"
    argv = ["train", "--data", str(data), "--run-dir", str(run_dir), *flags(settings)]
    assert main([*argv, *features]) == 0

    saved = json.loads((run_dir / "config.json").read_text())
    assert (saved["label_smoothing"], saved["ema_momentum"], saved["tie_embeddings"]) == (
        0.1,
        0.9,
        True,
    )
    assert saved["average_last"] == 3
    assert json.loads((run_dir / "metrics.json").read_text())["averaged_epochs"] == [1]
    trained = TrainedTranslator.load(run_dir)
    expected = TranslationConfig(
        **{k: v for k, v in saved.items() if k in TranslationConfig.__dataclass_fields__}
    )
    assert trained.config == expected
    assert trained.config.label_smoothing == 0.1 and trained.config.tie_embeddings
    decoder = trained.model.get_layer("decoder")
    assert decoder.tie_embeddings and decoder.get_config()["tie_embeddings"] is True
    assert trained.model.loss.label_smoothing == pytest.approx(0.1)
    assert trained.model.optimizer.use_ema and trained.model.optimizer.ema_momentum == 0.9
    # The reloaded tied model decodes (one graph, the shared matrix on both sides).
    ids, scores = Translator(trained).decode_n_best(tf.constant([[5, 6, 7]]), 3, 2)
    assert ids.shape[:2] == (1, 2) and scores.numpy()[0, 0] >= scores.numpy()[0, 1]
