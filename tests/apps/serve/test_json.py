"""TF Serving's JSON mapping, unit by unit: request bodies to arrays, outputs to JSON.

No server and no model: signatures are described by hand, so cases our exports do not
have (several inputs, one output, float inputs, `*_bytes` outputs) are covered too.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from tensorflow.core.framework import types_pb2

from apps.serve import json_inputs, json_outputs
from apps.serve.errors import ServingError
from apps.serve.signatures import Signature, TensorSpec


def signature(**inputs) -> Signature:
    specs = {name: TensorSpec(name, dtype, shape) for name, (dtype, shape) in inputs.items()}
    return Signature(
        "serving_default", "tensorflow/serving/predict", dict(sorted(specs.items())), {}
    )


TEXT = signature(text=(types_pb2.DT_STRING, (None,)))
TWO_INPUTS = signature(tag=(types_pb2.DT_STRING, (None,)), signal=(types_pb2.DT_FLOAT, (None, 3)))


def row(signal, **more) -> dict:
    return {"tag": "x", "signal": signal, **more}


def parse(body: dict, sig: Signature = TEXT):
    return json_inputs.request_tensors(body, sig)


def error_of(body, sig: Signature = TEXT) -> str:
    with pytest.raises(ServingError) as caught:
        document = json_inputs.parse_body(
            body if isinstance(body, bytes) else json.dumps(body).encode()
        )
        _, tensors = json_inputs.request_tensors(document, sig)
        json_inputs.check_shapes(tensors, sig)
    assert caught.value.http_status == 400
    return caught.value.message


def test_row_format_with_one_input_takes_plain_values():
    fmt, tensors = parse({"instances": ["a", "b", {"b64": "Yw=="}]})
    assert fmt == json_inputs.ROW
    assert tensors["text"].tolist() == [b"a", b"b", b"c"]


def test_row_format_with_named_inputs_takes_one_object_per_row():
    body = {"instances": [{"tag": "x", "signal": [1, 2, 3]}, {"tag": "y", "signal": [4, 5.5, 6]}]}
    _, tensors = parse(body, TWO_INPUTS)
    assert tensors["tag"].tolist() == [b"x", b"y"]
    assert tensors["signal"].dtype == np.float32
    np.testing.assert_array_equal(tensors["signal"], [[1, 2, 3], [4, 5.5, 6]])


def test_columnar_format_takes_an_object_of_named_lists():
    body = {"inputs": {"tag": ["x"], "signal": [[1, 2, 3]]}}
    fmt, tensors = parse(body, TWO_INPUTS)
    assert fmt == json_inputs.COLUMNAR
    assert tensors["signal"].shape == (1, 3)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "JSON Parse error: The document is empty"),
        (b"{", "JSON Parse error"),
        (b"\xff\xfe", "JSON Parse error"),
        (b"[" * 100_000, "JSON Parse error"),
        (b'{"instances": [' + b"1" * 5000 + b"]}", "JSON Parse error"),
        (b"[1]", "Is not object"),
        ({"inputs": ["a"], "instances": ["a"]}, "expecting only one of 'inputs' or 'instances'"),
        ({"instances": []}, "No values in 'instances' array"),
        ({"instances": "a"}, "Excepting 'instances' to be an list/array"),
        ({"nothing": 1}, "Missing 'inputs' or 'instances' key"),
        ({"instances": [1]}, "JSON Value: 1 Type: Number is not of expected type: string"),
        ({"instances": [None]}, "Type: Null is not of expected type: string"),
        ({"instances": [["a"], "b"]}, "Expecting shape [1] but got: []"),
        (
            {"inputs": [["a"], "b"]},
            "found at incorrect level: 2 in the JSON DOM. Expected at level: 3",
        ),
        ({"instances": ["a", ["b"]]}, "Expecting shape [] but got: [1]"),
        ({"instances": [["a"]]}, "Expected input 'text' of shape [-1]"),
        ({"inputs": "a"}, "Received: shape []"),
        ({"instances": [{"b64": "%%%"}]}, "Unable to base64 decode"),
        ({"instances": [{"b64": 1}]}, "does not have named input: b64"),
        ({"instances": ["a", {"text": "b"}]}, "Expecting value/list but got object at item 1"),
        ({"inputs": {"b64": 1}}, "Missing named input: text"),
        ({"inputs": {"text": ["a"], "extra": ["b"]}}, "Unknown named input(s): extra"),
        ({"instances": [{"text": "a"}, "b"]}, "Expecting object but got list at item 1"),
        ({"instances": ["\ud800"]}, "lone surrogate"),
    ],
)
def test_bad_bodies_are_refused_with_tf_serving_words(body, message):
    assert message in error_of(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"instances": ["x"]}, "instances is a plain list, but expecting list of objects"),
        ({"inputs": ["x"]}, "inputs is a plain value/list, but expecting an object"),
        ({"instances": [{"tag": "x"}]}, "keys must be equal to: signal,tag"),
        ({"instances": [row([1, 2, 3], more=1)]}, "does not have named input: more"),
        ({"instances": [row([1, 2]), row([1, 2, 3])]}, "Expecting shape [2]"),
        ({"instances": [row([1, 2, True])]}, "Type: True is not of expected type: float"),
        ({"instances": [row([1, 2, 16777217])]}, "to float without loss of precision"),
        ({"instances": [row([1, 2, 1e39])]}, "to float without loss of precision"),
        ({"instances": [row([[1], 2, 3])]}, "found at incorrect level"),
        ({"instances": [row([1, [2], 3])]}, "Encountered list at unexpected level: 1 expected < 1"),
    ],
)
def test_named_inputs_are_checked(body, message):
    assert message in error_of(body, TWO_INPUTS)


@pytest.mark.parametrize(
    ("value", "ok"),
    [(1, True), (-(2**31), True), (2**31, False), (1.0, False), (True, False), ("1", False)],
)
def test_int32_inputs_take_whole_numbers_in_range(value, ok):
    ids = signature(token_ids=(types_pb2.DT_INT32, (None, None)))
    if ok:
        assert parse({"instances": [[value]]}, ids)[1]["token_ids"].dtype == np.int32
    else:
        assert "is not of expected type: int32" in error_of({"instances": [[value]]}, ids)


def test_non_finite_floats_are_accepted_as_tf_serving_does():
    values = signature(x=(types_pb2.DT_FLOAT, (None,)))
    document = json_inputs.parse_body(b'{"inputs": [NaN, Infinity, -Infinity, 1e-3]}')
    x = json_inputs.request_tensors(document, values)[1]["x"]
    assert math.isnan(x[0]) and x[1] == np.inf and x[2] == -np.inf


# -- outputs ---------------------------------------------------------------------------


def test_one_output_is_written_without_its_name():
    outputs = {"scores": np.array([[0.5, 0.25], [1.0, 2.0]], np.float32)}
    assert json_outputs.response_json(outputs, json_inputs.ROW) == {
        "predictions": [[0.5, 0.25], [1.0, 2.0]]
    }
    assert json_outputs.response_json(outputs, json_inputs.COLUMNAR) == {
        "outputs": [[0.5, 0.25], [1.0, 2.0]]
    }


def test_several_outputs_are_objects_per_row_or_per_name():
    outputs = {"label": np.array([b"a", b"b"], object), "count": np.array([1, 2], np.int32)}
    assert json_outputs.response_json(outputs, json_inputs.ROW) == {
        "predictions": [{"count": 1, "label": "a"}, {"count": 2, "label": "b"}]
    }
    assert json_outputs.response_json(outputs, json_inputs.COLUMNAR) == {
        "outputs": {"count": [1, 2], "label": ["a", "b"]}
    }


def test_row_format_needs_one_batch_size():
    outputs = {"a": np.zeros(2, np.int32), "b": np.zeros(3, np.int32)}
    with pytest.raises(ServingError, match="inconsistent batch size"):
        json_outputs.response_json(outputs, json_inputs.ROW)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (0.1, "0.1"),  # 6 digits read back as the same float32
        (1 / 3, "0.333333343"),  # they do not: 9 digits
        (2.0, "2.0"),
        (0.98, "0.98"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_floats_are_written_as_tf_serving_writes_them(value, written):
    outputs = {"x": np.array([value], np.float32)}
    text = json_outputs.dumps(json_outputs.response_json(outputs, json_inputs.COLUMNAR))
    assert text.decode() == f'{{"outputs":[{written}]}}'
    if math.isfinite(value):
        assert np.float32(json.loads(text)["outputs"][0]) == np.float32(value)


def test_outputs_named_bytes_are_base64_and_bad_utf8_is_replaced():
    outputs = {"raw_bytes": np.array([b"\xff\x00"], object), "text": np.array([b"ok\xff"], object)}
    assert json_outputs.response_json(outputs, json_inputs.ROW) == {
        "predictions": [{"raw_bytes": {"b64": "/wA="}, "text": "ok\ufffd"}]
    }
