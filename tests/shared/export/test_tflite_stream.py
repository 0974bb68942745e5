"""Phone models of stream-capable runs: `serving_default` and `stream_step` in one file,
state explicit (no variable tensor in `stream_step`), chunks equal the whole text."""

import json

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema

from apps.sentiment import load
from apps.sentiment.export import build_export
from shared.edge.flatbuffer import carried_state_tensors, non_builtin_operators
from shared.edge.metadata import METADATA_FILE, VARIANTS
from shared.edge.runtime import LiteModel
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.sentiment_stream import EdgeSentimentStream
from tests.helpers.chunks import STREAM_TEXT, random_chunks, random_text_chunks
from tests.helpers.interpreter_calls import model_files, one_interpreter_matches_fresh_ones

# Chunked against whole on the same model: float32 and float16 (float16 weights, float32
# arithmetic) to rounding; dynamic-range int8 weights run as two different kernels (the
# fused LSTM for a whole text, the WHILE loop for chunks), each quantising activations
# its own way. Measured on the default preset's streaming model over 10 texts of ~100
# words in random chunks: 1.2e-7, 2.1e-7 and 3.8e-3.
CHUNK_ATOL = {"float32": 1e-5, "float16": 1e-5, "dynamic_range": 2e-2}
# LiteRT chunks against the Keras stream (measured as above: 1.2e-7, 1.5e-4, 3.4e-3).
KERAS_ATOL = {"float32": 1e-5, "float16": 1e-3, "dynamic_range": 2e-2}


@pytest.fixture(scope="module")
def metadata(stream_phone_dir):
    return json.loads((stream_phone_dir / METADATA_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def keras_stream(tiny_streaming_run):
    return load(tiny_streaming_run)


def _variable_tensors_by_signature(content: bytes) -> dict[str, int]:
    model = schema.Model.GetRootAs(content, 0)
    found = {}
    for i in range(model.SignatureDefsLength()):
        signature = model.SignatureDefs(i)
        subgraph = model.Subgraphs(signature.SubgraphIndex())
        variables = sum(subgraph.Tensors(t).IsVariable() for t in range(subgraph.TensorsLength()))
        found[signature.SignatureKey().decode()] = variables
    return found


def test_both_signatures_with_the_stream_contract(stream_phone_dir, metadata, tiny_streaming_run):
    details = build_export(tiny_streaming_run, tflite=False).details
    assert metadata["stream_state"] == details["stream_state"]
    names = list(metadata["stream_state"])
    assert names == ["hidden_0", "carry_0", "pooled_count", "pooled_sum", "pooled_max"]
    signatures = metadata["signatures"]
    assert set(signatures) == {"serving_default", "stream_step"}
    assert signatures["serving_default"]["inputs"] == {
        "token_ids": {"shape": [1, -1], "dtype": "int32"}
    }
    classes = len(metadata["labels"])
    assert signatures["serving_default"]["outputs"] == {
        "probabilities": {"shape": [1, classes], "dtype": "float32"}
    }
    step = signatures["stream_step"]
    states = {
        n: {"shape": [1, s["size"]], "dtype": "float32"}
        for n, s in metadata["stream_state"].items()
    }
    assert step["inputs"] == {"token_ids": {"shape": [1, -1], "dtype": "int32"}, **states}
    assert step["outputs"] == {
        "probabilities": {"shape": [1, classes], "dtype": "float32"},
        **states,
    }
    assert metadata["stream_state"]["pooled_max"]["initial"] == -1e9
    for variant, content in model_files(stream_phone_dir).items():
        assert non_builtin_operators(content) == [], variant
        assert carried_state_tensors(content) == [], variant
        # The state is explicit: no variable tensor in stream_step (the fused LSTM of a
        # whole text keeps its zeroed ones in serving_default's subgraph only).
        assert _variable_tensors_by_signature(content)["stream_step"] == 0, variant
        assert "WHILE" in LiteModel(content).operator_names()


@pytest.mark.parametrize("variant", VARIANTS)
def test_chunks_on_litert_give_the_whole_text(stream_phone_dir, keras_stream, variant):
    classifier = EdgeSentimentClassifier.from_directory(stream_phone_dir, variant)
    stream = EdgeSentimentStream(classifier)
    text = " ".join([STREAM_TEXT] * 3)  # past max_length: chunks are never cut
    whole = classifier.model.run("serving_default", token_ids=stream.token_ids(text))
    whole = whole["probabilities"][0]
    rng = np.random.default_rng(0)
    for _ in range(4):
        state = None
        for chunk in [*random_text_chunks(text, rng), ""]:
            probabilities, state = stream.probabilities(chunk, state)
        np.testing.assert_allclose(probabilities, whole, atol=CHUNK_ATOL[variant])
    assert state["pooled_count"][0, 0] == len(text.split())
    # The Keras/SavedModel stream path gives the same, tightly for float32.
    _, keras_state = keras_stream.stream(text)
    keras_probabilities = keras_stream._stream.step([""], keras_state)[0][0]
    np.testing.assert_allclose(probabilities, keras_probabilities, atol=KERAS_ATOL[variant])


def test_padding_and_empty_chunks_change_nothing(stream_phone_dir):
    model = LiteModel.from_file(next(iter(sorted(stream_phone_dir.glob("*float32.tflite")))))
    stream = EdgeSentimentStream(
        EdgeSentimentClassifier.from_directory(stream_phone_dir, "float32")
    )
    ids = stream.token_ids(STREAM_TEXT)
    state = stream.initial_state()
    exact = model.run("stream_step", token_ids=ids, **state)
    padded = model.run("stream_step", token_ids=np.pad(ids, [[0, 0], [0, 5]]), **state)
    for name, value in exact.items():
        np.testing.assert_allclose(padded[name], value, atol=1e-6, err_msg=name)
    after = {name: exact[name] for name in state}
    nothing = model.run("stream_step", token_ids=np.zeros([1, 4], np.int32), **after)
    for name in state:
        np.testing.assert_array_equal(nothing[name], after[name], err_msg=name)
    np.testing.assert_allclose(nothing["probabilities"], exact["probabilities"], atol=1e-7)


def test_1000_stream_calls_in_a_row_equal_fresh_interpreters(stream_phone_dir, metadata):
    sizes = {name: spec["size"] for name, spec in metadata["stream_state"].items()}
    vocabulary_size = len(metadata["vocabulary"])
    for content in model_files(stream_phone_dir).values():
        rng = np.random.default_rng(3)
        pool = []
        for _ in range(20):
            ids = rng.integers(2, vocabulary_size, size=(1, int(rng.integers(1, 30))))
            ids = ids.astype(np.int32)
            state = {
                name: rng.normal(size=(1, size)).astype(np.float32) for name, size in sizes.items()
            }
            state["pooled_count"] = np.abs(state["pooled_count"]) * 10
            pool += [
                ("stream_step", {"token_ids": ids, **state}),
                ("serving_default", {"token_ids": ids}),
            ]
        calls = [pool[i] for i in rng.integers(0, len(pool), 1000)]
        one_interpreter_matches_fresh_ones(content, calls)


def test_ids_fed_in_random_pieces_equal_the_whole(stream_phone_dir, metadata):
    """At the signature level, any cut of the ids (pieces padded or not) ends the same."""
    model = LiteModel(model_files(stream_phone_dir)["float32"])
    start = {
        name: np.full((1, spec["size"]), spec["initial"], np.float32)
        for name, spec in metadata["stream_state"].items()
    }
    rng = np.random.default_rng(5)
    ids = rng.integers(2, len(metadata["vocabulary"]), size=90).astype(np.int32)
    whole = model.run("serving_default", token_ids=ids[None])["probabilities"]
    for _ in range(5):
        state = start
        for piece in random_chunks(ids, rng, max_cuts=6):
            padding = int(rng.integers(0, 3)) if len(piece) else 1
            chunk = np.pad(piece, [0, padding])[None]
            outputs = model.run("stream_step", token_ids=chunk, **state)
            state = {name: outputs[name] for name in start}
        np.testing.assert_allclose(outputs["probabilities"], whole, atol=1e-5)
