"""No hidden state between calls: every fused LSTM's variable states reset by the call.

TFLite's fused `UNIDIRECTIONAL_SEQUENCE_LSTM` takes its initial states from variable
tensors (its kernel refuses any other tensor there, `GetVariableInput`) and writes its
final states back into them, so a second call would start where the first ended. Runners
without a reset (Android's `InterpreterApi`, the Swift API, MediaPipe) would drift.
`zero_variable_states` puts a state reset before each such op: a one-step copy of it on
a zero input that clips its cell state to `RESET_CELL_CLIP` (2**-100), leaving both
states within 2**-100 of zero whatever they held (`shared.edge.flatbuffer.is_state_reset`).
No op writes a variable tensor: MediaPipe's and the Task Library's TFLite runtimes refuse
one that does ("Output tensor ... to op ... (FILL) is a variable", the earlier way). The
fused op keeps its speed and the model answers as a pure function of its inputs
(`shared.edge.flatbuffer.carried_state_tensors` is then empty; tests check 1,000 calls
on one interpreter against fresh ones, bit for bit).
"""

from __future__ import annotations

import copy

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

from shared.edge.flatbuffer import (
    LSTM_STATE_INPUTS,
    RESET_CELL_CLIP,
    TFLITE_IDENTIFIER,
    carried_state_tensors,
)
from shared.export.tflite import TFLiteExportError


class _AlignedBuilder(flatbuffers.Builder):
    """Writes byte vectors (the weights' buffers) at 16-byte boundaries, as the converter
    does: kernels read weights in place, and some want them aligned."""

    def StartVector(self, elemSize, numElems, alignment):  # noqa: N802, N803 (flatbuffers API)
        if elemSize == 1 and numElems >= 16:
            alignment = max(alignment, 16)
        return super().StartVector(elemSize, numElems, alignment)


def zero_variable_states(model_content: bytes) -> bytes:
    """The model with a state reset before each fused LSTM op reading variable states.

    Ops that write a variable tensor are removed (the converter's `DEQUANTIZE` of a
    float16 zero into the states: a variable tensor starts at zero anyway, and some
    runtimes refuse such an op). Re-serialises through the flatbuffer object API (fields
    at their default value are dropped, which reads the same). A model without variable
    tensors comes back unchanged.

    Raises:
        TFLiteExportError: a variable tensor that is not a fused LSTM's state, or state
            that still carries over afterwards (`carried_state_tensors`).
    """
    if not carried_state_tensors(model_content):
        return model_content
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_content), 0)
    lstm = schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM
    for subgraph in model.subgraphs:
        variables = {i for i, tensor in enumerate(subgraph.tensors) if tensor.isVariable}
        operators = []
        for operator in subgraph.operators or []:
            outputs = set(np.asarray(operator.outputs).tolist())
            if outputs and outputs <= variables:
                continue
            inputs = np.asarray(operator.inputs).tolist()
            states = {inputs[i] for i in LSTM_STATE_INPUTS} if len(inputs) > 19 else set()
            if _code(model, operator) == lstm and states and states <= variables:
                operators.append(_state_reset(model, subgraph, operator))
            operators.append(operator)
        subgraph.operators = operators
    builder = _AlignedBuilder(len(model_content) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_IDENTIFIER)
    zeroed = bytes(builder.Output())
    carried = carried_state_tensors(zeroed)
    if carried:
        raise TFLiteExportError(
            "Expected no state carried from one call to the next after resetting the fused "
            f"LSTMs' states. Received state in {carried} (a variable tensor that is no fused "
            "LSTM's state, or one outside the signatures' subgraphs, e.g. in a loop body, "
            "cannot be reset per call)."
        )
    return zeroed


def _code(model, operator) -> int:
    code = model.operatorCodes[operator.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def _state_reset(model, subgraph, lstm):
    """A one-step copy of the fused LSTM op `lstm` on a zero input, clipping its cell
    state to `RESET_CELL_CLIP`: it leaves `lstm`'s states within 2**-100 of zero."""
    options = copy.copy(lstm.builtinOptions)
    if options is None or options.timeMajor:
        raise TFLiteExportError(
            "Expected a batch-major fused LSTM op with its options to reset. Received one "
            f"with options {options!r}."
        )
    options.cellClip, options.projClip = RESET_CELL_CLIP, 0.0
    inputs = np.asarray(lstm.inputs).copy()
    source = subgraph.tensors[int(inputs[0])]
    batch, features = int(source.shape[0]), int(source.shape[-1])
    units = int(subgraph.tensors[int(inputs[LSTM_STATE_INPUTS[0]])].shape[-1])
    name = (source.name or b"lstm") + b"/state_reset"
    zeros = np.zeros([batch, 1, features], np.float32)
    inputs[0] = _constant(model, subgraph, name + b"/input", zeros)
    output = schema.TensorT()
    output.shape = np.asarray([batch, 1, units], np.int32)
    output.type = schema.TensorType.FLOAT32
    output.name = name + b"/output"
    buffer = schema.BufferT()
    model.buffers.append(buffer)
    output.buffer = len(model.buffers) - 1
    subgraph.tensors.append(output)
    reset = schema.OperatorT()
    reset.opcodeIndex = lstm.opcodeIndex
    reset.inputs = inputs
    reset.outputs = np.asarray([len(subgraph.tensors) - 1], np.int32)
    reset.intermediates = lstm.intermediates
    reset.builtinOptionsType = lstm.builtinOptionsType
    reset.builtinOptions = options
    return reset


def _constant(model, subgraph, name: bytes, value: np.ndarray) -> int:
    """Adds a constant tensor holding `value` to `subgraph`; returns its index."""
    value = np.asarray(value)
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(value.tobytes(), np.uint8)
    model.buffers.append(buffer)
    tensor = schema.TensorT()
    tensor.shape = np.asarray(value.shape, np.int32)
    tensor.type = {
        np.dtype(np.int32): schema.TensorType.INT32,
        np.dtype(np.float32): schema.TensorType.FLOAT32,
        np.dtype(np.float16): schema.TensorType.FLOAT16,
    }[value.dtype]
    tensor.buffer = len(model.buffers) - 1
    tensor.name = name
    subgraph.tensors.append(tensor)
    return len(subgraph.tensors) - 1
