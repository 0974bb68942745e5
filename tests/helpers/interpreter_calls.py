"""Calls in a row on one LiteRT interpreter, never reset, against fresh interpreters:
how the tests show a phone model keeps no state between calls (issue 15, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from shared.edge.flatbuffer import TFLITE_IDENTIFIER, is_state_reset
from shared.edge.metadata import METADATA_FILE

CALLS = 1000


def read_metadata(directory: Path) -> dict:
    return json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))


def model_files(directory: Path) -> dict[str, bytes]:
    models = read_metadata(directory)["models"]
    return {variant: (directory / entry["file"]).read_bytes() for variant, entry in models.items()}


def one_interpreter_matches_fresh_ones(content: bytes, calls: list[tuple[str, dict]]) -> None:
    """Runs `calls` (signature, inputs) in a row on one interpreter; each answer must equal,
    bit for bit, the answer of a fresh interpreter to the same call."""
    fresh = {}  # one fresh interpreter per distinct call
    for signature, inputs in calls:
        key = _call_key(signature, inputs)
        if key not in fresh:
            interpreter = Interpreter(model_content=content, num_threads=1)
            fresh[key] = interpreter.get_signature_runner(signature)(**inputs)
    interpreter = Interpreter(model_content=content, num_threads=1)  # no reset, ever
    for number, (signature, inputs) in enumerate(calls):
        key = _call_key(signature, inputs)
        outputs = interpreter.get_signature_runner(signature)(**inputs)
        for name, value in fresh[key].items():
            assert np.array_equal(outputs[name], value), (number, signature, name)


def _call_key(signature: str, inputs: dict) -> tuple:
    return signature, tuple((k, v.shape, v.tobytes()) for k, v in sorted(inputs.items()))


def sentiment_calls(vocabulary_size: int, max_length: int, rng) -> list[tuple[str, dict]]:
    """`CALLS` calls over 40 distinct texts of every length (an empty one included)."""
    pool = [np.zeros([1, 1], np.int32)]  # an empty text: one [PAD]
    for _ in range(39):
        length = int(rng.integers(1, max_length + 1))
        pool.append(rng.integers(2, vocabulary_size, size=(1, length), dtype=np.int32))
    return [("serving_default", {"token_ids": pool[i]}) for i in rng.integers(0, 40, CALLS)]


def without_state_zeroing(content: bytes) -> bytes:
    """The model as exported before metadata format 3: its state resets (and FILLs, the
    earlier way) removed."""
    resets = set()
    packed = schema.Model.GetRootAs(content, 0)
    for g in range(packed.SubgraphsLength()):
        subgraph = packed.Subgraphs(g)
        for o in range(subgraph.OperatorsLength()):
            if is_state_reset(packed, subgraph.Operators(o)):
                resets.add((g, o))
    model = schema.ModelT.InitFromPackedBuf(bytearray(content), 0)
    fill = [
        i
        for i, code in enumerate(model.operatorCodes)
        if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.FILL
    ]
    for g, subgraph in enumerate(model.subgraphs):
        variables = {i for i, tensor in enumerate(subgraph.tensors) if tensor.isVariable}
        subgraph.operators = [
            op
            for o, op in enumerate(subgraph.operators)
            if (g, o) not in resets
            and not (op.opcodeIndex in fill and set(op.outputs.tolist()) <= variables)
        ]
    builder = flatbuffers.Builder(len(content))
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_IDENTIFIER)
    return bytes(builder.Output())
