"""Small strictness checks: UTF-8 only bodies, internal errors that reveal nothing, and
signatures that run as graphs."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import tensorflow as tf
from starlette.requests import Request

from apps.serve.api import RestApi
from apps.serve.errors import ServingError
from apps.serve.json_inputs import parse_body


def test_bodies_are_decoded_strictly_as_utf8():
    document = {"instances": ["¿Dónde está la estación?"]}
    assert parse_body(json.dumps(document, ensure_ascii=False).encode("utf-8")) == document
    for encoding in ("utf-16", "utf-16-le", "utf-32"):
        with pytest.raises(ServingError, match="JSON Parse error") as caught:
            parse_body(json.dumps(document).encode(encoding))
        assert caught.value.http_status == 400
        if encoding != "utf-16-le":  # no BOM: ASCII in UTF-16-LE is valid UTF-8 (with NULs)
            assert "not UTF-8" in caught.value.message


class _BrokenManager:
    def status_json(self, model, version):
        raise RuntimeError("secret detail /home/someone/saved_models")


def test_an_internal_error_answers_a_generic_message_and_logs_the_details(caplog):
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/models/sentiment",
        "raw_path": b"/v1/models/sentiment",
        "query_string": b"",
        "headers": [],
    }
    api = RestApi(_BrokenManager(), scheduler=None, config=None)
    with caplog.at_level(logging.ERROR, logger="apps.serve.api"):
        response = asyncio.run(api.handle(Request(scope)))
    assert response.status_code == 500
    error = json.loads(response.body)["error"]
    assert error.startswith("Internal error") and "secret" not in error
    assert "secret detail" in caplog.text


def test_signatures_are_concrete_functions_and_never_run_eagerly(server):
    assert tf.config.functions_run_eagerly() is False
    for state in server.manager.models.values():
        functions = state.serving._functions
        assert functions
        for name, function in functions.items():
            assert isinstance(function, tf.types.experimental.ConcreteFunction), name
            assert function.graph is not None, name
