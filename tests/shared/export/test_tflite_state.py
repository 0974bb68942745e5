"""All three sentiment variants keep no state between calls, float16 included (the
converter starts its states with a `DEQUANTIZE` of a constant, which runs on the first
call only; the exporter drops it and resets the states each call)."""

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from shared.edge.flatbuffer import carried_state_tensors, operator_names, state_resets
from shared.edge.metadata import BROWSER_VARIANT, VARIANTS
from tests.helpers.interpreter_calls import (
    model_files,
    one_interpreter_matches_fresh_ones,
    read_metadata,
    sentiment_calls,
    without_state_zeroing,
)


def test_every_variant_answers_the_same_after_1000_calls(sentiment_export):
    _, out, summary = sentiment_export
    assert summary["fused_lstm"]
    metadata = read_metadata(out)
    contents = model_files(out)
    assert set(contents) == {*VARIANTS, BROWSER_VARIANT}  # the browser one: no variables
    for variant in VARIANTS:
        content = contents[variant]
        assert carried_state_tensors(content) == [], variant
        assert state_resets(content) == 2, variant  # forward and backward LSTM
        rng = np.random.default_rng(3)
        calls = sentiment_calls(len(metadata["vocabulary"]), metadata["max_length"], rng)
        one_interpreter_matches_fresh_ones(content, calls)


def test_a_dequantized_initial_state_is_not_a_reset(sentiment_export):
    _, out, _ = sentiment_export
    stateful = without_state_zeroing(model_files(out)["float16"])
    assert "DEQUANTIZE" in operator_names(stateful)
    assert len(carried_state_tensors(stateful)) == 4
    rng = np.random.default_rng(4)
    ids = [rng.integers(2, 50, size=(1, 24), dtype=np.int32) for _ in range(2)]
    run = Interpreter(model_content=stateful, num_threads=1).get_signature_runner()
    first = run(token_ids=ids[0])["probabilities"]
    run(token_ids=ids[1])
    assert not np.array_equal(run(token_ids=ids[0])["probabilities"], first)
