"""Request caps TF Serving does not have: rows per request and characters per string.

The body-size cap is applied while reading the body (see `api.read_body`); these run on
the decoded inputs, before anything reaches a signature. Each error names the limit, the
flag that sets it and the value received.
"""

from __future__ import annotations

import numpy as np

from apps.serve.config import ServeConfig
from apps.serve.errors import invalid_argument


def request_rows(tensors: dict[str, np.ndarray]) -> int:
    """Rows (instances) in a request: the largest leading dimension of its inputs."""
    return max((a.shape[0] for a in tensors.values() if a.ndim), default=1)


def _too_many_rows(rows: int, config: ServeConfig) -> None:
    if rows > config.max_instances:
        raise invalid_argument(
            f"Expected at most {config.max_instances} instances per request "
            f"(--max-instances). Received: {rows}. Send them in several requests."
        )


def check_row_count(document: dict, config: ServeConfig) -> None:
    """Refuses too many rows from the parsed body, before converting any of them."""
    values = [document.get("instances"), document.get("inputs")]
    if isinstance(values[1], dict):
        values = list(values[1].values())
    for value in values:
        if isinstance(value, list):
            _too_many_rows(len(value), config)


def check_limits(tensors: dict[str, np.ndarray], config: ServeConfig) -> None:
    """Rows per request and characters per string, on the converted inputs."""
    _too_many_rows(request_rows(tensors), config)
    for name, array in tensors.items():
        if array.dtype != object:
            continue
        for index, value in enumerate(array.reshape(-1)):
            # UTF-8 takes at least one byte per character: only long byte strings need
            # decoding to be counted.
            if len(value) <= config.max_text_chars:
                continue
            chars = len(value.decode("utf-8", errors="replace"))
            if chars > config.max_text_chars:
                raise invalid_argument(
                    f"Expected strings of at most {config.max_text_chars} characters in input "
                    f"'{name}' (--max-text-chars). Received: {chars} characters in element "
                    f"{index}."
                )
