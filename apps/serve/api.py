"""TF Serving's REST API (`/v1/...`): status, metadata and predict.

Paths are matched with TF Serving's own regular expressions (`http_rest_api_util.cc`), and
each step runs in its order (parse the body, resolve the servable, read the inputs), so
a request TF Serving refuses is refused here with the same status and, where it can be,
the same words. `:classify` runs a signature whose `method_name` is classify
(sentiment's `classification`; see classify.py); `:regress` answers 400, as no export has
a regress signature.
"""

from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse

import tensorflow as tf
from starlette.requests import Request
from starlette.responses import Response

from apps.serve import json_inputs, json_outputs
from apps.serve.classify import (
    CLASSIFY_METHOD_NAME,
    check_classify_signature,
    classify_result,
    serialized_examples,
)
from apps.serve.errors import ServingError, echo, from_tensorflow, invalid_argument
from apps.serve.limits import check_limits, check_row_count
from shared.export.warmup import CLASSIFY_INPUT

log = logging.getLogger(__name__)

PREDICTION_PATH = re.compile(
    r"/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)",
    re.IGNORECASE | re.ASCII,
)
STATUS_PATH = re.compile(
    r"/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?",
    re.IGNORECASE | re.ASCII,
)
INT64_MAX = 2**63 - 1


def json_response(value: dict, status: int = 200) -> Response:
    return Response(json_outputs.dumps(value), status_code=status, media_type="application/json")


def error_response(error: ServingError) -> Response:
    return json_response({"error": error.message}, error.http_status)


async def read_body(request: Request, limit: int, timeout_s: float) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit` bytes, and with
    408 when it has not fully arrived `timeout_s` after its headers.

    The deadline is absolute (bytes trickling in do not extend it): a client sending a
    body byte by byte would otherwise hold a connection, and a slot of
    `--limit-concurrency`, for as long as it likes.
    """

    def too_large(size: str) -> ServingError:
        return ServingError(
            "RESOURCE_EXHAUSTED",
            f"Expected a request body of at most {limit} bytes (--max-body-bytes). "
            f"Received: {size} bytes. Send fewer or shorter instances per request.",
            http_status=413,
        )

    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(declared)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large(f"more than {limit}")
                chunks.append(chunk)
    except TimeoutError:
        expected = f" of the {declared} declared" if declared is not None else ""
        raise ServingError(
            "DEADLINE_EXCEEDED",
            f"Expected the whole request body within {timeout_s:g} s of its headers "
            f"(--body-timeout-seconds). Received: {size} bytes{expected} by then.",
            http_status=408,
        ) from None
    return b"".join(chunks)


def _model_path(match: re.Match) -> tuple[str, int | None]:
    """Model name (percent-decoded) and version from a matched path; labels are refused."""
    name, version, label = match.group(1), match.group(2), match.group(3)
    name = urllib.parse.unquote(name or "")
    if label:
        # No labels are configured here (TF Serving needs a model config file for them).
        raise invalid_argument(
            f"Unrecognized servable version label: {echo(urllib.parse.unquote(label))}"
        )
    if version is None:
        return name, None
    if int(version) > INT64_MAX:
        raise invalid_argument(f"Failed to convert version: {echo(version)} to numeric.")
    return name, int(version)


class RestApi:
    """The `/v1/{path}` endpoint: dispatches like TF Serving's `HttpRestApiHandler`."""

    def __init__(self, manager, scheduler, config):
        self.manager = manager
        self.scheduler = scheduler
        self.config = config

    async def handle(self, request: Request) -> Response:
        # The raw path, as TF Serving matches it (model names are decoded afterwards).
        path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        path = path.split("?", 1)[0]
        method = request.method
        try:
            return await self._dispatch(request, method, path)
        except ServingError as error:
            return error_response(error)
        except tf.errors.OpError as error:
            return error_response(from_tensorflow(error))
        except Exception:  # a bug here must not take the server down
            # The details (which may reveal paths or internals) go to the log only.
            log.exception("internal error on %s %s", method, path)
            return error_response(
                ServingError("INTERNAL", "Internal error; the server's log has the details.")
            )

    async def _dispatch(self, request: Request, method: str, path: str) -> Response:
        malformed = invalid_argument(f"Malformed request: {method} {echo(path)}")
        if method == "POST":
            match = PREDICTION_PATH.fullmatch(path)
            if not match:
                raise malformed
            model, version = _model_path(match)
            verb = match.group(4)
            if verb == "predict":
                return await self.predict(request, model, version)
            if verb == "classify":
                return await self.classify(request, model, version)
            if verb == "regress":
                return self.regress(model, version)
            raise malformed  # TF Serving matches case-insensitively, then compares exactly
        if method == "GET":
            match = STATUS_PATH.fullmatch(path)
            if not match:
                raise malformed
            model, version = _model_path(match)
            if not model:
                raise invalid_argument("Missing model name in request.")
            subresource = match.group(4)
            if subresource == "metadata":
                return json_response(self.manager.resolve(model, version).metadata_json())
            if subresource:
                raise malformed
            return json_response(self.manager.status_json(model, version))
        raise malformed

    def regress(self, model: str, version: int | None) -> Response:
        servable = self.manager.resolve(model, version)  # unknown model: 404, as TF Serving
        methods = sorted({s.method_name for s in servable.signatures.values() if s.method_name})
        raise invalid_argument(
            f":regress is not supported by this server, and model '{echo(model)}' has no "
            f"regress signature (its signatures' method_name: {', '.join(methods)}). Use "
            f"POST /v1/models/{echo(model)}:predict."
        )

    async def classify(self, request: Request, model: str, version: int | None) -> Response:
        body = await read_body(request, self.config.max_body_bytes, self.config.body_timeout_s)
        document = json_inputs.parse_body(body)
        signature_name = json_inputs.signature_name(document)
        servable = self.manager.resolve(model, version)
        signature = servable.signature(signature_name)
        classify_names = sorted(
            name
            for name, candidate in servable.signatures.items()
            if candidate.method_name == CLASSIFY_METHOD_NAME
        )
        check_classify_signature(signature, model, classify_names)
        check_row_count({"instances": document.get("examples")}, self.config)
        tensors = {CLASSIFY_INPUT: serialized_examples(document)}
        check_limits(tensors, self.config)
        self.manager.acquire(servable)
        try:
            outputs = await self.scheduler.run(servable, signature.name, tensors)
        finally:
            self.manager.release(servable)
        return json_response(classify_result(outputs))

    async def predict(self, request: Request, model: str, version: int | None) -> Response:
        body = await read_body(request, self.config.max_body_bytes, self.config.body_timeout_s)
        document = json_inputs.parse_body(body)
        signature_name = json_inputs.signature_name(document)
        servable = self.manager.resolve(model, version)
        check_row_count(document, self.config)
        self.manager.acquire(servable)
        try:
            signature = servable.signature(signature_name)
            request_format, tensors = json_inputs.request_tensors(document, signature)
            del document, body  # large bodies: do not hold them while waiting for a batch
            json_inputs.check_shapes(tensors, signature)
            check_limits(tensors, self.config)
            outputs = await self.scheduler.run(servable, signature.name, tensors)
        finally:
            self.manager.release(servable)
        return json_response(json_outputs.response_json(outputs, request_format))
