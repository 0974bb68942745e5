"""TF Serving exports: layout, atomic versions, warmup requests, config files, parity.

The parity tests load each SavedModel in a fresh process that cannot import project code
(as TF Serving would: only TensorFlow and tensorflow-text), replay its warmup requests,
and compare the answers with the Keras model in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.export import build_export as build_sentiment_export
from apps.sentiment.inference import SentimentPredictor
from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from shared.export.exporter import export_version
from shared.export.warmup import read_warmup_requests
from tests.helpers.paths import REPO_ROOT

REPLAY_SCRIPT = REPO_ROOT / "shared" / "export" / "replay_warmup.py"


BLOCK_PROJECT_IMPORTS = textwrap.dedent(
    """
    import runpy, sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("apps", "shared"):
                raise ImportError(f"project module {name} imported by a served model")
    sys.meta_path.insert(0, Block())
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
    """
)


class Replay:
    """`replay_warmup.py` on one version folder in a fresh process, started at once."""

    def __init__(self, version_dir: Path, workdir: Path):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self._stdout, self._stderr = workdir / "stdout.jsonl", workdir / "stderr.txt"
        with open(self._stdout, "w") as out, open(self._stderr, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", BLOCK_PROJECT_IMPORTS, str(REPLAY_SCRIPT), str(version_dir)],
                cwd=workdir,  # not the repo: project packages are not importable from here
                env=env,
                stdout=out,  # files, not pipes: nobody reads them while it runs
                stderr=err,
            )

    def answers(self) -> list[dict]:
        assert self.process.wait(timeout=300) == 0, self._stderr.read_text()[-3000:]
        lines = self._stdout.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module", autouse=True)
def replays(exported, tmp_path_factory):
    """Both versions' warmup replayed in fresh processes, started with this module's first
    test. Their first calls compile every XLA shape (most of a minute for the beam search),
    so they run side by side, and beside the other tests, rather than one after another."""
    _, sentiment_dir, translation_dir = exported
    started = {
        app: Replay(version_dir, tmp_path_factory.mktemp(f"replay-{app}"))
        for app, version_dir in (("sentiment", sentiment_dir), ("translation", translation_dir))
    }
    yield started
    for replay in started.values():
        replay.stop()


def test_serving_signatures_answer_awkward_inputs_without_errors(exported, tiny_sentiment_run):
    _, sentiment_dir, translation_dir = exported
    awkward = [
        b"",
        b"   ",
        b"\xff\xfe not utf-8 \xc3",
        "ça va? ¿qué tal? 🙂".encode(),
        b"x " * 50_000,
    ]
    sentiment = tf.saved_model.load(str(sentiment_dir)).signatures["serving_default"]
    out = sentiment(text=tf.constant(awkward))
    probabilities = out["probabilities"].numpy()
    assert probabilities.shape == (len(awkward), 2)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    assert out["token_count"].numpy()[0] == 0 and out["token_count"].numpy()[-1] > 48
    translate = tf.saved_model.load(str(translation_dir)).signatures["serving_default"]
    translations = translate(text=tf.constant(awkward))["translation"].numpy()
    assert translations.shape == (len(awkward),)
    assert sentiment(text=tf.constant([], tf.string))["probabilities"].shape == (0, 2)


def test_token_id_signature_matches_text_signature(exported, tiny_sentiment_run):
    _, sentiment_dir, _ = exported
    model = tf.saved_model.load(str(sentiment_dir))
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    texts = tf.constant(["a great film , truly", "dull and far too long", "ok"])
    ids = trained.vectorizer.vectorize(texts, pad_to_max_length=False)
    from_text = model.signatures["serving_default"](text=texts)["probabilities"]
    from_ids = model.signatures["classify_token_ids"](token_ids=ids)["probabilities"]
    np.testing.assert_allclose(from_ids.numpy(), from_text.numpy(), atol=1e-6)


def test_plain_graph_export_gives_the_xla_answers(exported, tiny_sentiment_run, tmp_path):
    _, sentiment_dir, _ = exported
    plain = export_version(
        build_sentiment_export(tiny_sentiment_run, jit_compile=False, tflite=False), tmp_path
    )
    texts = tf.constant(["a great film , truly", "dull and far too long"] * 3)
    xla_out = tf.saved_model.load(str(sentiment_dir)).signatures["serving_default"](text=texts)
    plain_out = tf.saved_model.load(plain["path"]).signatures["serving_default"](text=texts)
    np.testing.assert_allclose(
        xla_out["probabilities"].numpy(), plain_out["probabilities"].numpy(), atol=1e-5
    )
    assert plain["xla_compiled"] is False


@pytest.mark.parametrize(
    ("bad_ids", "message"),
    [
        ([[5, -3]], "token_ids >= 0"),
        ([[5, 10**6]], "the vocabulary size"),
        ([[5] * 49], "at most 48 ids per row"),
    ],
)
def test_token_id_signature_refuses_ids_it_cannot_read(exported, bad_ids, message):
    _, sentiment_dir, _ = exported
    classify = tf.saved_model.load(str(sentiment_dir)).signatures["classify_token_ids"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        classify(token_ids=tf.constant(bad_ids, tf.int32))


# Last in the module: the replays started with its first test.
def test_sentiment_savedmodel_replays_warmup_like_keras(exported, replays, tiny_sentiment_run):
    _, sentiment_dir, _ = exported
    answers = replays["sentiment"].answers()
    assert len(answers) == len(read_warmup_requests(sentiment_dir))
    predictor = SentimentPredictor(TrainedSentimentModel.load(tiny_sentiment_run))
    names = predictor.trained.labels.names
    for answer in answers:
        if answer["signature"] == "classify_token_ids":
            ids = np.array(answer["inputs"]["token_ids"], np.int32)
            expected = predictor.trained.classifier(ids, training=False).numpy()
            np.testing.assert_allclose(answer["outputs"]["probabilities"], expected, atol=1e-5)
            continue
        if answer["signature"] == "classification":  # a ClassifyLog: tf.Examples' texts
            probabilities, _ = predictor.predict(answer["inputs"]["inputs"])
            np.testing.assert_allclose(answer["outputs"]["scores"], probabilities, atol=1e-5)
            assert answer["outputs"]["classes"] == list(names) * len(probabilities)
            continue
        texts = answer["inputs"]["text"]
        probabilities, counts = predictor.predict(texts)
        served = np.array(answer["outputs"]["probabilities"])
        np.testing.assert_allclose(served, probabilities, atol=1e-5)
        assert answer["outputs"]["label"] == [names[i] for i in probabilities.argmax(-1)]
        assert answer["outputs"]["token_count"] == counts.tolist()


def test_translation_savedmodel_replays_warmup_like_keras(replays, tiny_translation_run):
    answers = replays["translation"].answers()
    signatures = {answer["signature"] for answer in answers}
    assert signatures == {"serving_default", "translate_greedy"}
    translator = Translator(TrainedTranslator.load(tiny_translation_run))
    for answer in answers:
        texts = answer["inputs"]["text"]
        width = 1 if answer["signature"] == "translate_greedy" else None
        expected, counts = translator.translate(texts, beam_width=width)
        assert answer["outputs"]["translation"] == expected
        assert answer["outputs"]["source_token_count"] == counts.tolist()
