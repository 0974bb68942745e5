"""The edge runners (shared/edge): no TensorFlow, independent calls, the loop signatures
where faster, and numpy decoding that matches `shared.decoding`."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.timing import interleaved_latency, measure_latency
from shared.edge.translation import EdgeTranslator, beam_search, greedy_search, top_k_indices
from tests.helpers.edge import (
    EDGE_VARIANTS,
    REVIEWS,
    SENTENCES,
)
from tests.helpers.paths import REPO_ROOT

NO_TENSORFLOW_SCRIPT = textwrap.dedent(
    """
    import importlib.abc, json, sys

    BLOCKED = ("tensorflow", "keras", "tensorflow_text", "tf_keras")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Block())
    from shared.edge.sentiment import EdgeSentimentClassifier
    from shared.edge.translation import EdgeTranslator

    sentiment_dir, translation_dir, reviews, sentences = json.loads(sys.argv[1])
    classified = EdgeSentimentClassifier.from_directory(sentiment_dir).classify(reviews)
    translator = EdgeTranslator.from_directory(translation_dir)
    print(json.dumps({
        "classified": classified,
        "greedy": translator.translate(sentences, beam_width=1),
        "beam": translator.translate(sentences),
        "loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
    }))
    """
)


def test_runners_work_without_tensorflow(sentiment_dir, translation_dir):
    arguments = json.dumps([str(sentiment_dir), str(translation_dir), REVIEWS, SENTENCES])
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW_SCRIPT, arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["loaded"] == []
    # Same answers as the runners give in this process (where TensorFlow is loaded).
    expected = EdgeSentimentClassifier.from_directory(sentiment_dir).classify(REVIEWS)
    assert [c["label"] for c in output["classified"]] == [c["label"] for c in expected]
    for got, want in zip(output["classified"], expected, strict=True):
        assert got["probabilities"] == pytest.approx(want["probabilities"], abs=1e-4)
        assert sum(got["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        # The schema every path shares (shared.answers): score = p(label), 4 decimals.
        assert set(got) == {"label", "score", "probabilities"}
        assert got["score"] == got["probabilities"][got["label"]]
        assert all(round(p, 4) == p for p in got["probabilities"].values())
    translator = EdgeTranslator.from_directory(translation_dir)
    assert output["greedy"] == translator.translate(SENTENCES, beam_width=1)
    assert output["beam"] == translator.translate(SENTENCES)


def test_calls_are_independent_and_batches_do_not_matter(sentiment_dir):
    """The fused LSTM keeps state in variable tensors; the runner resets it every call."""
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    assert classifier.model.stateful
    one_by_one = np.concatenate([classifier.predict([text]) for text in REVIEWS])
    together = classifier.predict(REVIEWS + REVIEWS[:1])
    np.testing.assert_array_equal(together[:-1], one_by_one)
    np.testing.assert_array_equal(together[-1], one_by_one[0])
    assert classifier.predict([]).shape == (0, len(classifier.labels))
    assert classifier.token_ids("").tolist() == [[0]]  # one [PAD], fully masked


def count_calls(translator: EdgeTranslator) -> list[str]:
    """The signatures `translator`'s model runs from now on, in order."""
    calls = []
    run = translator.model.run

    def counting(signature_key, **inputs):
        calls.append(signature_key)
        return run(signature_key, **inputs)

    translator.model.run = counting
    return calls


@pytest.mark.parametrize("variant", EDGE_VARIANTS)
def test_sentences_decode_in_one_call_of_a_loop_signature_where_faster(translation_dir, variant):
    """At the exported beam width (3) each sentence runs `beam_search` once; greedy runs
    `greedy` once for a single sentence. Another width, several sentences for greedy, or
    `use_loop_signature=False` decode step by step in numpy, with the same ids."""
    translator = EdgeTranslator.from_directory(translation_dir, variant)
    assert translator.beam_width == translator.beam_search_width == 3
    calls = count_calls(translator)
    text = SENTENCES[0]
    for width, signature in ((3, "beam_search"), (1, "greedy")):
        calls.clear()
        fast = translator.translate_ids([text], width)
        assert calls == [signature]
        calls.clear()
        stepped = translator.translate_ids([text], width, use_loop_signature=False)
        assert calls[0] == "encode" and set(calls[1:]) == {"decode_step"}
        np.testing.assert_array_equal(fast, stepped)
    calls.clear()
    translator.translate_ids([text])  # the default width is the exported one
    assert calls == ["beam_search"]
    calls.clear()
    translator.translate_ids([text], beam_width=2)  # not the signature's width
    assert "beam_search" not in calls and "decode_step" in calls
    calls.clear()
    translator.translate_ids(SENTENCES[:2])
    assert calls == ["beam_search", "beam_search"]
    calls.clear()
    translator.translate_ids(SENTENCES[:2], beam_width=1)
    assert "greedy" not in calls and calls.count("encode") == 2
    calls.clear()
    assert not translator.translate_ids([""]).any()  # an empty source needs no model call
    assert calls == []


def test_translator_handles_empty_inputs(translation_dir):
    translator = EdgeTranslator.from_directory(translation_dir, "float32")
    assert translator.translate([]) == []
    assert translator.translate_ids([""], beam_width=1).shape == (1, translator.max_target_length)
    with pytest.raises(ValueError, match="beam_width >= 1"):
        translator.translate(["hola"], beam_width=-1)


def test_numpy_decoding_matches_shared_decoding_ties_included():
    """`greedy_search` / `beam_search` against `shared.decoding` on a Markov model whose
    logits are multiples of 0.5, so equal scores (ties) happen at every step."""
    import tensorflow as tf

    from shared.decoding import beam_search_decode, greedy_decode

    assert top_k_indices(np.array([[1.0, 3.0, 3.0, 2.0, 3.0]]), 2).tolist() == [[1, 2]]
    batch, vocab, max_length = 5, 9, 7
    rng = np.random.default_rng(3)
    tables = (rng.integers(-4, 3, (batch, vocab, vocab)) / 2).astype(np.float32)
    tables[:, :, 3] -= 0.5  # [END] a little less likely, so sequences grow

    def numpy_step(tokens, states):
        return tables[states["entry"][:, 0].astype(int), tokens], states

    def tf_step(tokens, states):
        (entry,) = states
        index = tf.stack([tf.cast(entry[:, 0], tf.int32), tokens], axis=1)
        return tf.gather_nd(tables, index), states

    entry = np.arange(batch, dtype=np.float32)[:, None]
    start = tf.fill([batch], 2)
    banned = (0, 2)
    # None; some entries finished from the start (empty sources); all of them.
    for finished in (None, np.array([0, 1, 0, 0, 1], bool), np.ones(batch, bool)):
        tf_finished = None if finished is None else tf.constant(finished)
        expected = greedy_decode(
            tf_step, (tf.constant(entry),), start, max_length, 3, banned, tf_finished
        )
        actual = greedy_search(numpy_step, {"entry": entry}, batch, max_length, banned, finished)
        np.testing.assert_array_equal(actual, expected.numpy())
        if finished is not None:
            assert not actual[finished].any()
            assert finished.all() or actual[~finished].any()
        for width, alpha in ((2, 0.6), (3, 0.0), (4, 1.0)):
            expected, expected_scores = beam_search_decode(
                tf_step,
                (tf.constant(entry),),
                start,
                max_length,
                3,
                width,
                alpha,
                banned,
                tf_finished,
            )
            observed = []
            ids, scores = beam_search(
                numpy_step,
                {"entry": entry},
                batch,
                max_length,
                width,
                alpha,
                banned,
                finished,
                observe=lambda values, kept, seen=observed: seen.append((values.shape, kept)),
            )
            np.testing.assert_array_equal(ids, expected.numpy())
            # Every step's choice of `width` among width * vocab, then the best final beam.
            assert observed[-1] == ((batch, width), 1)
            assert set(observed[:-1]) <= {((batch, width * vocab), width)}
            np.testing.assert_allclose(scores, expected_scores.numpy(), rtol=1e-6)
            if finished is not None:
                assert not ids[finished].any() and not scores[finished].any()


def test_latency_helpers_summarise_in_milliseconds():
    summary = measure_latency(lambda: sum(range(100)), repeats=20, warmup=1)
    assert summary["repeats"] == 20
    assert 0 <= summary["min_ms"] <= summary["median_ms"] <= summary["p90_ms"]
    both = interleaved_latency({"a": lambda: None, "b": lambda: sum(range(1000))}, repeats=10)
    assert set(both) == {"a", "b"}
    with pytest.raises(ValueError, match="repeats >= 1"):
        measure_latency(lambda: None, repeats=0)
