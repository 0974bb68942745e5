"""No hidden state between calls: every variable tensor zeroed by the call that reads it.

TFLite's fused `UNIDIRECTIONAL_SEQUENCE_LSTM` takes its initial states from variable
tensors (its kernel refuses any other tensor there, `GetVariableInput`) and writes its
final states back into them, so a second call would start where the first ended. Runners
without a reset (Android's `InterpreterApi`, the Swift API, MediaPipe) would drift.
`zero_variable_states` puts a `FILL` of zeros into each such tensor at the start of the
signature's subgraph: the fused op keeps its speed and the model is a pure function of
its inputs (`shared.edge.flatbuffer.carried_state_tensors` is then empty).
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

from shared.edge.flatbuffer import TFLITE_IDENTIFIER, carried_state_tensors
from shared.export.tflite import TFLiteExportError

_ZERO = {schema.TensorType.FLOAT32: np.float32(0), schema.TensorType.FLOAT16: np.float16(0)}


class _AlignedBuilder(flatbuffers.Builder):
    """Writes byte vectors (the weights' buffers) at 16-byte boundaries, as the converter
    does: kernels read weights in place, and some want them aligned."""

    def StartVector(self, elemSize, numElems, alignment):  # noqa: N802, N803 (flatbuffers API)
        if elemSize == 1 and numElems >= 16:
            alignment = max(alignment, 16)
        return super().StartVector(elemSize, numElems, alignment)


def zero_variable_states(model_content: bytes) -> bytes:
    """The model with a `FILL` of zeros writing each variable tensor before any op reads it.

    Re-serialises through the flatbuffer object API (fields at their default value are
    dropped, which reads the same). A model without variable tensors comes back unchanged.

    Raises:
        TFLiteExportError: a variable tensor of a type other than float, or state that
            still carries over afterwards (`carried_state_tensors`).
    """
    if not carried_state_tensors(model_content):
        return model_content
    model = schema.ModelT.InitFromPackedBuf(bytearray(model_content), 0)
    fill = _operator_code(model, schema.BuiltinOperator.FILL)
    for subgraph in model.subgraphs:
        zeros = {}  # tensor type -> the index of its scalar zero
        fills = []
        for index, tensor in enumerate(subgraph.tensors):
            if not tensor.isVariable:
                continue
            if tensor.type not in _ZERO:
                raise TFLiteExportError(
                    f"Expected float variable tensors to zero. Received {tensor.name!r} of "
                    f"TFLite type {tensor.type}: its reset value would be its zero point."
                )
            if tensor.type not in zeros:
                zeros[tensor.type] = _constant(model, subgraph, b"state_zero", _ZERO[tensor.type])
            shape = np.asarray(tensor.shape, np.int32)
            dims = _constant(model, subgraph, tensor.name + b"/zero_shape", shape)
            operator = schema.OperatorT()
            operator.opcodeIndex = fill
            operator.inputs = np.asarray([dims, zeros[tensor.type]], np.int32)
            operator.outputs = np.asarray([index], np.int32)
            operator.builtinOptionsType = schema.BuiltinOptions.FillOptions
            operator.builtinOptions = schema.FillOptionsT()
            fills.append(operator)
        subgraph.operators = fills + list(subgraph.operators or [])
    builder = _AlignedBuilder(len(model_content) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=TFLITE_IDENTIFIER)
    zeroed = bytes(builder.Output())
    carried = carried_state_tensors(zeroed)
    if carried:
        raise TFLiteExportError(
            "Expected no state carried from one call to the next after zeroing the "
            f"variable tensors. Received state in {carried} (a variable tensor outside the "
            "signatures' subgraphs, e.g. in a loop body, cannot be zeroed per call)."
        )
    return zeroed


def _operator_code(model, builtin: int) -> int:
    """The index of `builtin`'s operator code in `model`, added when missing."""
    for index, code in enumerate(model.operatorCodes):
        if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin:
            return index
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = builtin
    code.version = 1
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


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
