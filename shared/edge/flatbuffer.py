"""Reading and patching a `.tflite` flatbuffer without an interpreter or TensorFlow.

Op lists, tensor shapes, state carried between calls and constant bytes, the model's `metadata`
entries (where the fingerprint of its metadata.json lives, `shared/edge/fingerprint.py`),
and whether a file is a complete model at all. Reads the schema `ai_edge_litert` ships.
"""

from __future__ import annotations

import flatbuffers
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

# Flex ops (TensorFlow kernels inside a .tflite) are custom ops named "Flex<Op>".
FLEX_PREFIX = "Flex"
# A fused LSTM op clipping its cell state to this is a state reset (`is_state_reset`);
# 2**-100 is exact in float32 and no trained model's clip.
RESET_CELL_CLIP = 2.0**-100
LSTM_STATE_INPUTS = (18, 19)  # UNIDIRECTIONAL_SEQUENCE_LSTM's hidden and cell state inputs
_BUILTIN_NAMES = {
    value: name
    for name, value in vars(schema.BuiltinOperator).items()
    if not name.startswith("_") and isinstance(value, int)
}


def operator_names(model_content: bytes) -> list[str]:
    """Sorted names of every operator a `.tflite` model uses, in all of its subgraphs.

    Builtin ops are named as in the TFLite schema (`FULLY_CONNECTED`, `WHILE`, ...);
    custom ops (Flex ops included) by their custom code, prefixed `custom:`.
    Reads the flatbuffer's operator-code table, which covers every subgraph (a `WHILE`
    body included), unlike the interpreter's per-subgraph op details.
    """
    model = schema.Model.GetRootAs(model_content, 0)
    names = set()
    for index in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(index)
        # Codes above 127 only fit the newer field; the deprecated one tops out at 127.
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.CUSTOM:
            custom = code.CustomCode()
            names.add("custom:" + (custom.decode("utf-8") if custom else "?"))
        else:
            names.add(_BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}"))
    return sorted(names)


def non_builtin_operators(model_content: bytes) -> list[str]:
    """The custom (including Flex) operators of a model; empty for a builtins-only one."""
    return [name for name in operator_names(model_content) if name.startswith("custom:")]


def tensor_shapes(model_content: bytes) -> dict[str, list[int]]:
    """Name -> shape of every tensor in every subgraph of a `.tflite` model (first wins)."""
    model = schema.Model.GetRootAs(model_content, 0)
    shapes = {}
    for g in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(g)
        for t in range(subgraph.TensorsLength()):
            tensor = subgraph.Tensors(t)
            shape = [] if tensor.ShapeIsNone() else [int(d) for d in tensor.ShapeAsNumpy()]
            shapes.setdefault(tensor.Name().decode("utf-8"), shape)
    return shapes


def variable_tensors(model_content: bytes) -> list[str]:
    """Every variable tensor of every subgraph, by name (LiteRT.js refuses a model with any)."""
    model = schema.Model.GetRootAs(model_content, 0)
    names = []
    for g in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(g)
        for t in range(subgraph.TensorsLength()):
            if subgraph.Tensors(t).IsVariable():
                names.append(subgraph.Tensors(t).Name().decode("utf-8"))
    return names


def carried_state_tensors(model_content: bytes) -> list[str]:
    """Variable tensors whose value can carry over from one call to the next, by name.

    TFLite's fused `UNIDIRECTIONAL_SEQUENCE_LSTM` needs its initial states in variable
    tensors (its kernel refuses others) and overwrites them with its final states. Such a
    state is hidden between calls unless an op of the same call writes it before any op
    reads it. The exporter puts a state reset there (`is_state_reset`: a one-step copy of
    the LSTM op clipping its cell state to `RESET_CELL_CLIP`, which leaves both states
    within 2**-100 of zero whatever they held; `shared.export.tflite.state_zeroing`); a
    `FILL` (the exporter's earlier way) counts too. A `DEQUANTIZE` of a constant does not:
    it runs on the first call only, then keeps its output. Lists every variable tensor
    that some op reads before such a write, in operator (execution) order, and every
    variable tensor of a subgraph no signature runs (a loop body would carry it across
    iterations).
    An empty list: the model is a pure function of its inputs.
    """
    model = schema.Model.GetRootAs(model_content, 0)
    entries = {model.SignatureDefs(i).SubgraphIndex() for i in range(model.SignatureDefsLength())}
    carried = []
    for g in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(g)
        tensors = [subgraph.Tensors(t) for t in range(subgraph.TensorsLength())]
        unwritten = {t for t, tensor in enumerate(tensors) if tensor.IsVariable()}
        entry = g in entries or (not entries and g == 0)
        read_first = set() if entry else set(unwritten)
        for o in range(subgraph.OperatorsLength() if entry else 0):
            operator = subgraph.Operators(o)
            if is_state_reset(model, operator):  # what it reads of the old state is < 2**-100
                unwritten -= {int(operator.Inputs(i)) for i in LSTM_STATE_INPUTS}
                continue
            read_first |= unwritten & _tensor_indices(operator.InputsAsNumpy())
            if _builtin_code(model, operator) == schema.BuiltinOperator.FILL:
                unwritten -= _tensor_indices(operator.OutputsAsNumpy())
        carried += sorted(tensors[t].Name().decode("utf-8") for t in read_first)
    return carried


def is_state_reset(model, operator) -> bool:
    """Whether an operator of `model` is a state reset: a fused LSTM op clipping its cell
    state to `RESET_CELL_CLIP`. Its cell state ends within the clip, its hidden state
    (`o * tanh(c)`) too, so the op that reads the states next starts from zero to float32
    precision (a weight times 2**-100 vanishes beside any gate input), however the
    states were left. Clients that refuse an op writing a variable tensor (MediaPipe's
    and the Task Library's TFLite runtimes refuse `FILL`) run it: the kernel writes the
    states itself, as every fused LSTM does."""
    if _builtin_code(model, operator) != schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM:
        return False
    table = operator.BuiltinOptions()
    if table is None or operator.InputsLength() <= max(LSTM_STATE_INPUTS):
        return False
    options = schema.UnidirectionalSequenceLSTMOptions()
    options.Init(table.Bytes, table.Pos)
    return options.CellClip() == RESET_CELL_CLIP


def state_resets(model_content: bytes) -> int:
    """How many state resets (`is_state_reset`) a model has, in all of its subgraphs."""
    model = schema.Model.GetRootAs(model_content, 0)
    return sum(
        is_state_reset(model, model.Subgraphs(g).Operators(o))
        for g in range(model.SubgraphsLength())
        for o in range(model.Subgraphs(g).OperatorsLength())
    )


def _builtin_code(model, operator) -> int:
    code = model.OperatorCodes(operator.OpcodeIndex())
    # Codes above 127 only fit the newer field; the deprecated one tops out at 127.
    return max(code.BuiltinCode(), code.DeprecatedBuiltinCode())


def _tensor_indices(indices) -> set[int]:
    """An operator's input or output indices (an int 0 when the vector is absent) as a set,
    without -1 (an optional input left out)."""
    return {int(t) for t in getattr(indices, "tolist", lambda: [])() if t >= 0}


def metadata_entries(model_content: bytes) -> dict[str, bytes]:
    """Name -> bytes of every entry in a `.tflite` model's `metadata` list.

    The converter writes a few (`min_runtime_version`, `CONVERSION_METADATA`); the
    exporter adds its fingerprint (`shared.edge.metadata.FINGERPRINT_ENTRY`). Each entry
    names a buffer of the model; an entry without data reads as `b""`.

    Raises:
        ValueError: the bytes are not a TFLite model, or an entry names no buffer.
    """
    model = _model(model_content)
    entries = {}
    for index in range(model.MetadataLength()):
        entry = model.Metadata(index)
        name = (entry.Name() or b"").decode("utf-8", "replace")
        if not 0 <= entry.Buffer() < model.BuffersLength():
            raise ValueError(
                f"Expected metadata entry {name!r} to name one of the model's "
                f"{model.BuffersLength()} buffers. Received buffer {entry.Buffer()}."
            )
        buffer = model.Buffers(entry.Buffer())
        entries[name] = buffer.DataAsNumpy().tobytes() if buffer.DataLength() else b""
    return entries


# `table Model` of the TFLite schema, by field index (vtable slot 4 + 2 * index).
_MODEL_VERSION, _MODEL_BUFFERS, _MODEL_METADATA, _MODEL_FIELDS = 0, 4, 6, 10
TFLITE_IDENTIFIER = b"TFL3"


def with_metadata_entry(model_content: bytes, name: str, data: bytes | None) -> bytes:
    """The model with `data` as its metadata entry `name` (replacing one of that name), or
    without any entry `name` when `data` is None. Nothing else of the model changes.

    The model's bytes are kept whole and unmoved relative to a 16-byte boundary (its
    weights keep their alignment): a new root table, metadata list and buffer list are
    written in front of them, pointing at the tables and vectors already there (a
    flatbuffer's offsets point forward, so the old data stays valid where it is). The old
    root table and lists stay behind, unreferenced: a few hundred bytes. Re-serialising
    through the flatbuffer object API (`ModelT`) would instead rewrite every table,
    dropping fields stored at their default value (a fused LSTM's `cell_clip` of 0.0
    among them, which `shared.export.tflite.fused_lstm.set_lstm_clipping` patches in place).

    Raises:
        ValueError: not a TFLite model, one from a schema with more root fields than this
            one knows, or one keeping data outside the flatbuffer (models over 2 GB, whose
            buffers are located by absolute file offsets that the new prefix would move).
    """
    content = bytes(model_content)
    model = _model(content)
    _refuse_absolute_offsets(model)
    table = model._tab  # the generated reader's table: buffer position and vtable
    uoffset = flatbuffers.number_types.UOffsetTFlags

    def slot(field: int) -> int:  # where the field sits, relative to the table; 0: absent
        return table.Offset(4 + 2 * field)

    def target(position: int) -> int:  # the object an offset stored at `position` points to
        return position + table.Get(uoffset, position)

    def elements(field: int) -> list[int]:  # positions of a vector field's tables
        if not slot(field):
            return []
        start = table.Vector(slot(field))
        return [target(start + 4 * i) for i in range(table.VectorLen(slot(field)))]

    vtable = table.Pos - table.Get(flatbuffers.number_types.SOffsetTFlags, table.Pos)
    field_count = (table.Get(flatbuffers.number_types.VOffsetTFlags, vtable) - 4) // 2
    present = [field for field in range(field_count) if slot(field)]
    if any(field >= _MODEL_FIELDS for field in present):
        raise ValueError(
            f"Expected a TFLite model with at most {_MODEL_FIELDS} root fields (this schema's). "
            f"Received one using fields {present}: written by a newer converter; update "
            "ai-edge-litert."
        )

    builder = flatbuffers.Builder(len(content) + len(data or b"") + 1024)
    # The old model, whole, ending the new one; padded so that it starts 16-byte aligned.
    builder.Prep(16, len(content))
    builder.head -= len(content)
    builder.Bytes[builder.head : builder.head + len(content)] = content
    base = builder.Offset()

    def kept(position: int) -> int:  # builder offset of the old object at `position`
        return base - position

    buffers = [kept(position) for position in elements(_MODEL_BUFFERS)]
    entries = [
        kept(position)
        for index, position in enumerate(elements(_MODEL_METADATA))
        if model.Metadata(index).Name() != name.encode("utf-8")
    ]
    if data is not None:
        builder.StartVector(1, len(data), 16)
        builder.head -= len(data)
        builder.Bytes[builder.head : builder.head + len(data)] = data
        data_vector = builder.EndVector()
        schema.BufferStart(builder)
        schema.BufferAddData(builder, data_vector)
        buffers.append(schema.BufferEnd(builder))
        entry_name = builder.CreateString(name)
        schema.MetadataStart(builder)
        schema.MetadataAddName(builder, entry_name)
        schema.MetadataAddBuffer(builder, len(buffers) - 1)
        entries.append(schema.MetadataEnd(builder))
    vectors = {_MODEL_BUFFERS: _offset_vector(builder, buffers)}
    if entries or _MODEL_METADATA in present:
        vectors[_MODEL_METADATA] = _offset_vector(builder, entries)
    schema.ModelStart(builder)
    for field in sorted({*present, *vectors}):
        if field == _MODEL_VERSION:
            schema.ModelAddVersion(builder, model.Version())
        elif field in vectors:
            builder.PrependUOffsetTRelativeSlot(field, vectors[field], 0)
        else:  # a table, vector or string of the old model, where it is
            builder.PrependUOffsetTRelativeSlot(field, kept(target(table.Pos + slot(field))), 0)
    builder.Finish(schema.ModelEnd(builder), file_identifier=TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def _model(model_content: bytes):
    if len(model_content) < 8 or not schema.Model.ModelBufferHasIdentifier(model_content, 0):
        raise ValueError(
            f"Expected a TFLite model (a flatbuffer with file identifier {TFLITE_IDENTIFIER!r}). "
            f"Received {len(model_content)} bytes starting {bytes(model_content[:8])!r}."
        )
    return schema.Model.GetRootAs(model_content, 0)


def _refuse_absolute_offsets(model) -> None:
    large = [index for index in range(model.BuffersLength()) if model.Buffers(index).Offset() > 1]
    large += [
        f"subgraph {g} operator {o}"
        for g in range(model.SubgraphsLength())
        for o in range(model.Subgraphs(g).OperatorsLength())
        if model.Subgraphs(g).Operators(o).LargeCustomOptionsOffset() > 1
    ]
    if large:
        raise ValueError(
            "Expected a TFLite model holding all its data inside the flatbuffer. Received one "
            f"locating data by absolute file offsets (buffers/operators {large[:5]}): models "
            "over 2 GB are not supported here."
        )


def _offset_vector(builder: flatbuffers.Builder, offsets: list[int]) -> int:
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()


def flatbuffer_problem(model_content: bytes) -> str | None:
    """Why `model_content` is not a complete `.tflite` model, or None when it is one.

    LiteRT's flatbuffer verifier rejects a model cut short at any byte (tried on every
    cut of a small model), where parsing the tables alone would not notice a lost tail.
    """
    if not model_content:
        return "an empty file"
    try:
        Interpreter(model_content=bytes(model_content))
    except ValueError as error:  # "The model is not a valid Flatbuffer buffer"
        return str(error).strip().rstrip(".")
    return None


def constant_bytes(model_content: bytes) -> int:
    """Bytes of constant data (weights) stored in a `.tflite` model's buffers."""
    model = schema.Model.GetRootAs(model_content, 0)
    total = 0
    for index in range(model.BuffersLength()):
        buffer = model.Buffers(index)
        # Models over 2 GB keep buffers outside the flatbuffer, located by offset/size.
        total += buffer.DataLength() or int(buffer.Size())
    return total
