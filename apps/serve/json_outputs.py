"""TF Serving's JSON mapping, answer side: output arrays to `predictions` or `outputs`.

As `tensorflow_serving/util/json_tensor.cc` writes them: one output without its name,
several as objects; strings as UTF-8, outputs named `*_bytes` as `{"b64": ...}`; floats
with the fewest digits that read back as the same float32 (TF Serving's `WriteDecimal`),
`NaN`/`Infinity` as tokens.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np

from apps.serve.errors import invalid_argument
from apps.serve.json_inputs import B64_KEY, COLUMNAR

BYTES_SUFFIX = "_bytes"


def _decimal(value: float, single: bool) -> float:
    """The float TF Serving writes: 6 significant digits if they read back exactly, else
    full precision (9 for float32, 17 for float64); NaN and infinities pass through."""
    if not math.isfinite(value):
        return value
    text = f"{value:g}"
    same = np.float32(text) == np.float32(value) if single else float(text) == value
    if not same:
        text = f"{value:.9g}" if single else f"{value:.17g}"
    return float(text)


def _leaves(array: np.ndarray, name: str) -> list:
    flat = array.reshape(-1)
    if array.dtype == object:
        if name.endswith(BYTES_SUFFIX):
            return [{B64_KEY: base64.b64encode(v).decode("ascii")} for v in flat]
        # Invalid UTF-8 cannot be a JSON string; TF Serving would emit the raw bytes.
        return [v.decode("utf-8", errors="replace") for v in flat]
    if array.dtype.kind == "f":
        single = array.dtype.itemsize <= 4
        return [_decimal(v, single) for v in flat.tolist()]
    return flat.tolist()


def _nest(flat: list, shape: tuple[int, ...]):
    """Flat leaves back into nested lists of `shape` (a scalar for shape ())."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def response_json(outputs: dict[str, np.ndarray], request_format: str) -> dict:
    """`{"predictions": ...}` (row) or `{"outputs": ...}` (columnar), as TF Serving."""
    names = sorted(outputs)
    values = {name: _nest(_leaves(outputs[name], name), outputs[name].shape) for name in names}
    if request_format == COLUMNAR:
        return {"outputs": values[names[0]] if len(names) == 1 else values}
    batch = None
    for name in names:
        shape = outputs[name].shape
        if not shape:
            raise invalid_argument(f"Tensor name: {name} has no shape information ")
        if batch is not None and shape[0] != batch:
            raise invalid_argument(
                f"Tensor name: {name} has inconsistent batch size: {shape[0]} expecting: {batch}"
            )
        batch = shape[0]
    if len(names) == 1:
        return {"predictions": values[names[0]]}
    return {"predictions": [{name: values[name][i] for name in names} for i in range(batch)]}


def dumps(value: dict) -> bytes:
    """Compact UTF-8 JSON; NaN/Infinity written as TF Serving writes them."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate quoted in an error: escape it instead
        return json.dumps(value, separators=(",", ":")).encode("ascii")
