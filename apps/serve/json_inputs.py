"""TF Serving's JSON mapping, request side: predict bodies to arrays, as TF Serving reads them.

Follows `tensorflow_serving/util/json_tensor.cc` rule for rule, with its error wording:
row format (`instances`: one value or one object per row), columnar format (`inputs`: a
value/list, or an object of named values), `{"b64": ...}` for bytes, `NaN`/`Infinity`
accepted, numbers refused where they would lose precision.
"""

from __future__ import annotations

import base64
import binascii
import json
import math

import numpy as np
from tensorflow.core.framework import types_pb2

from apps.serve.errors import ServingError, echo, invalid_argument
from apps.serve.signatures import Signature, TensorSpec

ROW, COLUMNAR = "row", "columnar"
B64_KEY = "b64"
# Error messages quote the offending JSON value; a huge one would flood the client.
MAX_QUOTED_CHARS = 200
# Nesting deeper than any signature's rank is an error anyway; stop looking past it.
MAX_RANK = 32

_INT_RANGES = {
    types_pb2.DT_INT8: (-(2**7), 2**7 - 1),
    types_pb2.DT_UINT8: (0, 2**8 - 1),
    types_pb2.DT_INT16: (-(2**15), 2**15 - 1),
    # rapidjson's IsInt(): int8/16/uint8 take any int32, then wrap; refused here instead.
    types_pb2.DT_INT32: (-(2**31), 2**31 - 1),
    types_pb2.DT_UINT32: (0, 2**32 - 1),
    types_pb2.DT_INT64: (-(2**63), 2**63 - 1),
    types_pb2.DT_UINT64: (0, 2**64 - 1),
}
# Largest integer a float type holds exactly (TF Serving's `IsLosslessDecimal`).
_EXACT_INT = {types_pb2.DT_FLOAT: 2**24 - 1, types_pb2.DT_DOUBLE: 2**53 - 1}
_FLOAT_MAX = {types_pb2.DT_FLOAT: float(np.finfo(np.float32).max), types_pb2.DT_DOUBLE: math.inf}


def quote(value) -> str:
    """A JSON value as error messages show it (compact, truncated)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        text = repr(value)[:MAX_QUOTED_CHARS]
    if len(text) > MAX_QUOTED_CHARS:
        text = text[:MAX_QUOTED_CHARS] + f"...({len(text)} chars)"
    return text


def json_type(value) -> str:
    """rapidjson's type names, as TF Serving's type errors use them."""
    if value is None:
        return "Null"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, str):
        return "String"
    return "Number"


def parse_body(body: bytes) -> dict:
    """The request's top-level JSON object (NaN/Infinity allowed, as TF Serving's parser)."""
    if not body.strip():
        raise invalid_argument("JSON Parse error: The document is empty")
    try:
        # Strictly UTF-8, as TF Serving: `json.loads(bytes)` would also guess UTF-16/32.
        document = json.loads(body.decode("utf-8"))
    except json.JSONDecodeError as error:
        raise invalid_argument(f"JSON Parse error: {error.msg} at offset: {error.pos}") from None
    except UnicodeDecodeError as error:
        raise invalid_argument(
            f"JSON Parse error: Invalid encoding in string (not UTF-8) at offset: {error.start}"
        ) from None
    except RecursionError:
        raise invalid_argument("JSON Parse error: nesting too deep") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise invalid_argument(f"JSON Parse error: {error}") from None
    if not isinstance(document, dict):
        raise invalid_argument(f"JSON Value: {quote(document)} Is not object")
    return document


def signature_name(document: dict) -> str:
    """`signature_name` from the body; empty means the default signature."""
    name = document.get("signature_name", "")
    if not isinstance(name, str):
        raise invalid_argument(
            f"JSON Value: {quote(document)} not formatted correctly. "
            "'signature_name' key must be a string value."
        )
    return name


def is_b64_object(value) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and B64_KEY in value
        and isinstance(value[B64_KEY], str)
    )


def _type_error(value, spec: TensorSpec) -> ServingError:
    return invalid_argument(
        f"JSON Value: {quote(value)} Type: {json_type(value)} is not of expected type: "
        f"{spec.dtype_word}"
    )


def _string_value(value, spec: TensorSpec) -> bytes:
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800") has no UTF-8 form
            raise invalid_argument(
                f"JSON Value: {quote(value)} is not valid Unicode text (lone surrogate); "
                'send UTF-8 text, or bytes as {"b64": "..."}'
            ) from None
    if isinstance(value, dict):
        if not is_b64_object(value):
            raise invalid_argument(
                f"JSON Value: {quote(value)} not formatted correctly for base64 data"
            )
        try:
            return base64.b64decode(value[B64_KEY], validate=True)
        except (binascii.Error, ValueError):
            raise invalid_argument("Unable to base64 decode") from None
    raise _type_error(value, spec)


def _number_value(value, spec: TensorSpec):
    dtype = spec.dtype
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if dtype == types_pb2.DT_BOOL:
        if not isinstance(value, bool):
            raise _type_error(value, spec)
        return value
    if dtype in _INT_RANGES:
        low, high = _INT_RANGES[dtype]
        if not is_number or isinstance(value, float) or not low <= value <= high:
            raise _type_error(value, spec)
        return value
    if dtype in _EXACT_INT:
        if not is_number:
            raise _type_error(value, spec)
        lossless = (
            abs(value) <= _EXACT_INT[dtype]
            if isinstance(value, int)
            else not math.isfinite(value) or abs(value) <= _FLOAT_MAX[dtype]
        )
        if not lossless:
            raise invalid_argument(
                f"Cannot convert JSON value: {quote(value)} to {spec.dtype_word} "
                "without loss of precision."
            )
        return value
    raise ServingError(
        "UNIMPLEMENTED", f"Conversion of JSON Value: {quote(value)} to type: {spec.dtype_word}"
    )


def _leaf_value(value, spec: TensorSpec):
    if spec.dtype == types_pb2.DT_STRING:
        return _string_value(value, spec)
    if isinstance(value, dict):
        raise _type_error(value, spec)
    return _number_value(value, spec)


def _dense_shape(value) -> list[int]:
    """Shape implied by the first element at each level (`GetDenseTensorShape`)."""
    shape = []
    while isinstance(value, list) and len(shape) <= MAX_RANK:
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _fill(value, level: int, shape: list[int], spec: TensorSpec, out: list) -> None:
    """Checks `value` is dense with `shape` and appends its leaves (`FillTensorProto`)."""
    rank = len(shape)
    if not isinstance(value, list):
        if level != rank:
            raise invalid_argument(
                f"JSON Value: {quote(value)} found at incorrect level: {level + 1} in the "
                f"JSON DOM. Expected at level: {rank + 1}"
            )
        out.append(_leaf_value(value, spec))
        return
    if level >= rank:
        raise invalid_argument(f"Encountered list at unexpected level: {level} expected < {rank}")
    if len(value) != shape[level]:
        raise invalid_argument(
            f"Encountered list at unexpected size: {len(value)} at level: {level} "
            f"expected size: {shape[level]}"
        )
    for item in value:
        _fill(item, level + 1, shape, spec, out)


def to_array(value, spec: TensorSpec) -> np.ndarray:
    """One JSON value (scalar or nested lists) as an array of the input's dtype."""
    shape = _dense_shape(value)
    leaves: list = []
    _fill(value, 0, shape, spec, leaves)
    array = np.empty(len(leaves), dtype=spec.numpy_dtype)
    if spec.dtype == types_pb2.DT_STRING:
        array[:] = leaves  # element-wise: keeps bytes objects whole
    elif leaves:
        array[:] = np.asarray(leaves, dtype=spec.numpy_dtype)
    return array.reshape(shape)


def _row_tensors(instances, signature: Signature) -> dict[str, np.ndarray]:
    """`instances`: one value (single input) or one object (named inputs) per row."""
    specs = signature.inputs

    def is_element_object(value) -> bool:
        return isinstance(value, dict) and not is_b64_object(value)

    if not isinstance(instances[0], dict) and len(specs) > 1:
        raise invalid_argument(
            "instances is a plain list, but expecting list of objects as multiple input "
            f"tensors required as per tensorinfo_map (inputs: {', '.join(specs)})"
        )
    objects = is_element_object(instances[0])
    rows: dict[str, list[np.ndarray]] = {name: [] for name in specs}
    for index, element in enumerate(instances):
        if objects:
            if not is_element_object(element):
                raise invalid_argument(
                    f"Expecting object but got list at item {index} of input list"
                )
            items = element.items()
        else:
            if is_element_object(element):
                raise invalid_argument(
                    f"Expecting value/list but got object at item {index} of input list"
                )
            items = [(next(iter(specs)), element)]
        for name, value in items:
            if name not in specs:
                raise invalid_argument(
                    f"Failed to process element: {index} key: {name} of 'instances' list. "
                    f"Error: INVALID_ARGUMENT: JSON object: does not have named input: {name}"
                )
            try:
                array = to_array(value, specs[name])
            except ServingError as error:
                key = f" key: {name}" if objects else ""
                raise invalid_argument(
                    f"Failed to process element: {index}{key} of 'instances' list. "
                    f"Error: {error.code}: {error.message}"
                ) from None
            if rows[name] and rows[name][0].shape != array.shape:
                raise invalid_argument(
                    f"Failed to process element: {index} of 'instances' list. Error: "
                    f"INVALID_ARGUMENT: Expecting shape {list(rows[name][0].shape)} but got: "
                    f"{list(array.shape)}"
                )
            rows[name].append(array)
        if objects and set(element) != set(specs):
            raise invalid_argument(
                f"Failed to process element: {index} of 'instances' list. JSON object: "
                f"{quote(element)} keys must be equal to: {','.join(specs)}"
            )
    return {name: np.stack(arrays) for name, arrays in rows.items()}


def _columnar_tensors(inputs, signature: Signature) -> dict[str, np.ndarray]:
    """`inputs`: a value/list (single input) or an object of named values."""
    specs = signature.inputs
    if not isinstance(inputs, dict) or is_b64_object(inputs):
        if len(specs) > 1:
            raise invalid_argument(
                "inputs is a plain value/list, but expecting an object as multiple input "
                f"tensors required as per tensorinfo_map (inputs: {', '.join(specs)})"
            )
        name = next(iter(specs))
        return {name: to_array(inputs, specs[name])}
    for name in specs:
        if name not in inputs:
            raise invalid_argument(f"Missing named input: {name} in 'inputs' object.")
    # Stricter than TF Serving, which ignores unknown names here: a misspelt optional
    # input should fail loudly, not be dropped.
    unknown = sorted(set(inputs) - set(specs))
    if unknown:
        raise invalid_argument(
            f"Unknown named input(s): {echo(', '.join(unknown))} in 'inputs' object. "
            f"Expected only: {', '.join(specs)}"
        )
    return {name: to_array(inputs[name], spec) for name, spec in specs.items()}


def request_tensors(document: dict, signature: Signature) -> tuple[str, dict[str, np.ndarray]]:
    """`(ROW or COLUMNAR, {input name: array})` from a parsed predict body."""
    if not signature.inputs:
        raise invalid_argument(f"Failed to get input map for signature: {signature.name}")
    has_instances, has_inputs = "instances" in document, "inputs" in document
    if has_instances and has_inputs:
        raise invalid_argument(
            f"JSON Value: {quote(document)} Not formatted correctly expecting only one of "
            "'inputs' or 'instances' keys to exist "
        )
    if has_instances:
        instances = document["instances"]
        if not isinstance(instances, list):
            raise invalid_argument(
                f"JSON Value: {quote(document)} Excepting 'instances' to be an list/array"
            )
        if not instances:
            raise invalid_argument(f"JSON Value: {quote(document)} No values in 'instances' array")
        return ROW, _row_tensors(instances, signature)
    if has_inputs:
        return COLUMNAR, _columnar_tensors(document["inputs"], signature)
    raise invalid_argument("Missing 'inputs' or 'instances' key")


def check_shapes(tensors: dict[str, np.ndarray], signature: Signature) -> None:
    """Each array must fit its input's rank and fixed sizes (TF would refuse it later)."""
    for name, array in tensors.items():
        spec = signature.inputs[name]
        if spec.shape is None:
            continue
        fits = len(array.shape) == len(spec.shape) and all(
            want is None or want == got for want, got in zip(spec.shape, array.shape, strict=True)
        )
        if not fits:
            example = " (one value per row)" if len(spec.shape) == 1 else ""
            raise invalid_argument(
                f"Expected input '{name}' of shape {spec.shape_text()}{example} in signature "
                f"'{signature.name}'. Received: shape {list(array.shape)}."
            )
