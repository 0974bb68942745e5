"""What a version's signatures take and return, read from its `saved_model.pb`.

TF Serving answers the metadata API with the SignatureDef protos as stored in the
SavedModel (including `__saved_model_init_op`), and validates requests against their
inputs; reading the same protos here keeps both answers identical.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf
from google.protobuf import json_format
from tensorflow.core.framework import types_pb2
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

SAVED_MODEL_FILE = "saved_model.pb"
SERVING_TAG = "serve"
DEFAULT_SIGNATURE = "serving_default"

# TensorFlow's `DataTypeString`, which TF Serving puts in its type errors ("float", not
# "float32").
_DTYPE_WORDS = {
    types_pb2.DT_FLOAT: "float",
    types_pb2.DT_DOUBLE: "double",
    types_pb2.DT_HALF: "half",
}


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """One named input or output: its dtype and shape (`None` for an unknown size)."""

    key: str
    dtype: int  # a `types_pb2.DataType` value
    shape: tuple[int | None, ...] | None  # None: unknown rank

    @property
    def tf_dtype(self) -> tf.dtypes.DType:
        return tf.dtypes.as_dtype(self.dtype)

    @property
    def numpy_dtype(self) -> np.dtype:
        return (
            np.dtype(object) if self.dtype == types_pb2.DT_STRING else self.tf_dtype.as_numpy_dtype
        )

    @property
    def dtype_word(self) -> str:
        return _DTYPE_WORDS.get(self.dtype, self.tf_dtype.name)

    def shape_text(self) -> str:
        """`[-1, 2]` as the metadata API writes sizes (-1: any)."""
        if self.shape is None:
            return "[?]"
        return "[" + ", ".join("-1" if d is None else str(d) for d in self.shape) + "]"


@dataclasses.dataclass(frozen=True)
class Signature:
    """A SignatureDef: named inputs and outputs, sorted by name."""

    name: str
    method_name: str
    inputs: dict[str, TensorSpec]
    outputs: dict[str, TensorSpec]


def _tensor_spec(key: str, info: meta_graph_pb2.TensorInfo) -> TensorSpec:
    shape = info.tensor_shape
    dims = None if shape.unknown_rank else tuple(None if d.size < 0 else d.size for d in shape.dim)
    return TensorSpec(key=key, dtype=info.dtype, shape=dims)


def read_signature_defs(version_dir: Path) -> dict[str, meta_graph_pb2.SignatureDef]:
    """The `serve`-tagged MetaGraph's SignatureDefs, as TF Serving loads them."""
    path = Path(version_dir) / SAVED_MODEL_FILE
    saved_model = saved_model_pb2.SavedModel.FromString(path.read_bytes())
    for meta_graph in saved_model.meta_graphs:
        if SERVING_TAG in meta_graph.meta_info_def.tags:
            return dict(meta_graph.signature_def)
    raise ValueError(
        f"Expected a MetaGraph tagged '{SERVING_TAG}' in {path}. Received tags: "
        f"{[list(m.meta_info_def.tags) for m in saved_model.meta_graphs]}"
    )


def signatures_from_defs(defs: dict[str, meta_graph_pb2.SignatureDef]) -> dict[str, Signature]:
    return {
        name: Signature(
            name=name,
            method_name=definition.method_name,
            inputs={k: _tensor_spec(k, definition.inputs[k]) for k in sorted(definition.inputs)},
            outputs={k: _tensor_spec(k, definition.outputs[k]) for k in sorted(definition.outputs)},
        )
        for name, definition in defs.items()
    }


def signature_def_map_json(defs: dict[str, meta_graph_pb2.SignatureDef]) -> dict:
    """`SignatureDefMap` as TF Serving prints it (proto field names, defaults included)."""
    signature_map = {
        name: json_format.MessageToDict(
            definition,
            always_print_fields_with_no_presence=True,
            preserving_proto_field_name=True,
        )
        for name, definition in defs.items()
    }
    return {"signature_def": signature_map}
