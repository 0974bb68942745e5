"""The edge runners (shared/edge): no TensorFlow, independent calls, and the loop
signatures where faster."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from shared.edge.flatbuffer import carried_state_tensors
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.timing import interleaved_latency, measure_latency
from shared.edge.translation import EdgeTranslator
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
    """The fused LSTM keeps state in variable tensors, which the model zeroes every call."""
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in classifier.model.operator_names()
    assert carried_state_tensors(classifier.model.model_content) == []
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


def test_latency_helpers_summarise_in_milliseconds():
    summary = measure_latency(lambda: sum(range(100)), repeats=20, warmup=1)
    assert summary["repeats"] == 20
    assert 0 <= summary["min_ms"] <= summary["median_ms"] <= summary["p90_ms"]
    both = interleaved_latency({"a": lambda: None, "b": lambda: sum(range(1000))}, repeats=10)
    assert set(both) == {"a", "b"}
    with pytest.raises(ValueError, match="repeats >= 1"):
        measure_latency(lambda: None, repeats=0)
