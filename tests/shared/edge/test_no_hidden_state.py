"""Every phone model is a pure function of its inputs (issue 15, item 2): 1,000 calls in a
row on one plain LiteRT interpreter, never reset, give exactly what fresh interpreters
give; the runners have no reset path; an export that would keep state is refused."""

from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

import shared.edge
from shared.edge.flatbuffer import carried_state_tensors, state_resets
from shared.edge.metadata import MetadataError
from shared.edge.runtime import LiteModel, StatefulModelError
from shared.edge.sentiment import EdgeSentimentClassifier
from tests.helpers.edge import EDGE_VARIANTS, copy_export, edit_metadata
from tests.helpers.interpreter_calls import (
    CALLS,
    model_files,
    one_interpreter_matches_fresh_ones,
    read_metadata,
    sentiment_calls,
    without_state_zeroing,
)

RESET_CALLS = ("reset_all_variables", "ResetVariableTensors", "resetVariableTensors")


def test_sentiment_models_answer_the_same_after_1000_calls(sentiment_dir):
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in classifier.model.operator_names()  # still fused
    metadata = read_metadata(sentiment_dir)
    for variant, content in model_files(sentiment_dir).items():
        rng = np.random.default_rng(0)
        calls = sentiment_calls(len(metadata["vocabulary"]), metadata["max_length"], rng)
        one_interpreter_matches_fresh_ones(content, calls)
        assert carried_state_tensors(content) == [], variant


def translation_calls(model: LiteModel, vocabulary_size: int, rng) -> list[tuple[str, dict]]:
    """`CALLS` calls mixing every signature: sources of every length, decoder steps of
    batch 1 to 4 with random states."""
    signatures = model.describe_signatures()
    step_inputs = signatures["decode_step"]["inputs"]
    pool = []
    for _ in range(12):
        source = rng.integers(2, vocabulary_size, size=(1, int(rng.integers(1, 12))))
        for signature in {"encode", "greedy", "beam_search"} & set(signatures):
            pool.append((signature, {"source_ids": source.astype(np.int32)}))
        batch = int(rng.integers(1, 5))
        inputs = {}
        for name, spec in step_inputs.items():
            shape = [batch if d == -1 else d for d in spec["shape"]]
            if spec["dtype"].startswith("int"):
                inputs[name] = rng.integers(2, vocabulary_size, size=shape).astype(spec["dtype"])
            else:
                inputs[name] = rng.normal(size=shape).astype(spec["dtype"])
        pool.append(("decode_step", inputs))
    return [pool[i] for i in rng.integers(0, len(pool), CALLS)]


def test_translation_models_answer_the_same_after_1000_calls(translation_dir):
    metadata = read_metadata(translation_dir)
    vocabulary_size = min(len(metadata["source_vocabulary"]), len(metadata["target_vocabulary"]))
    for variant, content in model_files(translation_dir).items():
        rng = np.random.default_rng(1)
        calls = translation_calls(LiteModel(content), vocabulary_size, rng)
        assert len({signature for signature, _ in calls}) >= 2
        one_interpreter_matches_fresh_ones(content, calls)
        assert carried_state_tensors(content) == [], variant


def test_what_the_zeroing_prevents_is_refused(sentiment_dir):
    content = model_files(sentiment_dir)["float32"]
    assert state_resets(content) > 0
    stateful = without_state_zeroing(content)
    assert len(carried_state_tensors(stateful)) == 4  # h and c, forward and backward
    with pytest.raises(StatefulModelError, match="carries no state between calls"):
        LiteModel(stateful)
    # Without the zeroing, a client that never resets drifts after the first call.
    rng = np.random.default_rng(2)
    ids = [rng.integers(2, 50, size=(1, 20), dtype=np.int32) for _ in range(2)]
    interpreter = Interpreter(model_content=stateful, num_threads=1)
    run = interpreter.get_signature_runner("serving_default")
    first = run(token_ids=ids[0])["probabilities"]
    run(token_ids=ids[1])
    assert not np.allclose(run(token_ids=ids[0])["probabilities"], first, atol=1e-7, rtol=0)


def test_no_runner_has_a_reset_path():
    for module in Path(shared.edge.__file__).parent.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert not [call for call in RESET_CALLS if call in source], module


def test_metadata_says_nothing_is_to_reset_and_format_2_is_refused(sentiment_dir, tmp_path):
    metadata = read_metadata(sentiment_dir)
    assert not [key for key in metadata if key.startswith("reset_variables")]
    directory = copy_export(sentiment_dir, tmp_path)
    edit_metadata(directory, lambda m: m.update(format_version=2))
    with pytest.raises(MetadataError, match="keep the fused LSTM's state between calls"):
        EdgeSentimentClassifier.from_directory(directory)


@pytest.mark.parametrize("variant", EDGE_VARIANTS)
def test_the_runner_answers_the_same_in_any_order(sentiment_dir, variant):
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, variant)
    texts = ["A gem.", "Dull, dull, dull and far too long. " * 8, "", "It was not a disaster."]
    forward = classifier.predict(texts)
    backward = classifier.predict(texts[::-1])[::-1]
    np.testing.assert_array_equal(forward, backward)
