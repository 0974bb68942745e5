"""Errors answered as TF Serving answers them: `{"error": message}` with its HTTP status.

TF Serving turns a `tensorflow::Status` into an HTTP status with a fixed table
(`http_server.cc`); the same table is used here, so a client sees the same codes.
"""

from __future__ import annotations

import re

import tensorflow as tf

# TF Serving's `ToHTTPStatusCode`, keyed by the canonical error code's name.
HTTP_STATUS_BY_CODE = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
    "UNAUTHENTICATED": 401,
}


# Longest client-sent text (model name, path, version) an error message repeats: a
# 100,000-character model name must not come back as a 100 KB answer.
MAX_ECHOED_CHARS = 200


def echo(text: str) -> str:
    """`text` as an error message repeats it: cut to `MAX_ECHOED_CHARS`, saying so."""
    text = str(text)
    if len(text) <= MAX_ECHOED_CHARS:
        return text
    return f"{text[:MAX_ECHOED_CHARS]}...({len(text)} characters)"


class ServingError(Exception):
    """A request that cannot be answered: `code` is a canonical error code's name."""

    def __init__(self, code: str, message: str, http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status or HTTP_STATUS_BY_CODE.get(code, 500)


def invalid_argument(message: str) -> ServingError:
    return ServingError("INVALID_ARGUMENT", message)


def not_found(message: str) -> ServingError:
    return ServingError("NOT_FOUND", message)


def servable_not_found(model: str, version: int | None) -> ServingError:
    """TF Serving's wording for a model or version it does not serve (404)."""
    model = echo(model)
    request = f"Specific({model}, {version})" if version is not None else f"Latest({model})"
    return not_found(f"Servable not found for request: {request}")


def from_tensorflow(error: tf.errors.OpError) -> ServingError:
    """A TensorFlow runtime error (e.g. a failed assertion in the graph) as TF Serving maps it."""
    return ServingError(_CODE_NAMES.get(error.error_code, "UNKNOWN"), _graph_message(error.message))


def _graph_message(message: str) -> str:
    """The graph's own words, without Python's preamble (`Graph execution error: ...
    <stack traces unavailable>`) and the function name suffix, which mean nothing to a
    client and which TF Serving does not send."""
    marker = "<stack traces unavailable>\n"
    if message.startswith("Graph execution error") and marker in message:
        message = message.split(marker, 1)[1]
    return re.sub(r"\s*\[Op:__inference_[^\]]*\]\s*$", "", message).strip()


_CODE_NAMES = {
    tf.errors.CANCELLED: "CANCELLED",
    tf.errors.UNKNOWN: "UNKNOWN",
    tf.errors.INVALID_ARGUMENT: "INVALID_ARGUMENT",
    tf.errors.DEADLINE_EXCEEDED: "DEADLINE_EXCEEDED",
    tf.errors.NOT_FOUND: "NOT_FOUND",
    tf.errors.ALREADY_EXISTS: "ALREADY_EXISTS",
    tf.errors.PERMISSION_DENIED: "PERMISSION_DENIED",
    tf.errors.RESOURCE_EXHAUSTED: "RESOURCE_EXHAUSTED",
    tf.errors.FAILED_PRECONDITION: "FAILED_PRECONDITION",
    tf.errors.ABORTED: "ABORTED",
    tf.errors.OUT_OF_RANGE: "OUT_OF_RANGE",
    tf.errors.UNIMPLEMENTED: "UNIMPLEMENTED",
    tf.errors.INTERNAL: "INTERNAL",
    tf.errors.UNAVAILABLE: "UNAVAILABLE",
    tf.errors.DATA_LOSS: "DATA_LOSS",
    tf.errors.UNAUTHENTICATED: "UNAUTHENTICATED",
}
