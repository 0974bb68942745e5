"""A thin wrapper over the LiteRT interpreter: signatures by name, nothing kept between calls.

Runs on the phone-like runtime (`ai_edge_litert`) alone: nothing here imports TensorFlow,
so the edge runners built on it load and run where only LiteRT and numpy are installed.

No reset, anywhere: every exported model is a pure function of its inputs. TFLite's fused
`UNIDIRECTIONAL_SEQUENCE_LSTM` (the sentiment encoder) keeps its states in variable
tensors and overwrites them on every call; the exporter makes each call zero them first
(`shared.export.tflite.state_zeroing`), so a model runs the same on clients that have no
reset (Android's `InterpreterApi`, the Swift API, MediaPipe). A model that would carry
state from one call to the next (an export of metadata format 2 or older) is refused
here (`carried_state_tensors`) rather than left to drift.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from shared.edge.flatbuffer import carried_state_tensors, operator_names


class StatefulModelError(ValueError):
    """The model keeps state between calls: answers would depend on the calls before."""


class LiteModel:
    """A `.tflite` model loaded into one LiteRT interpreter, run by signature name.

    Args:
        model_content: the model's bytes (read the file with `from_file`).
        num_threads: CPU threads for the interpreter; None lets LiteRT decide.
        path: the file the bytes came from, if any (named in the runners' errors).

    Example:
        >>> model = LiteModel.from_file("sentiment_float32.tflite", num_threads=1)
        >>> model.run("serving_default", token_ids=ids)["probabilities"]
    """

    def __init__(
        self,
        model_content: bytes,
        num_threads: int | None = None,
        path: str | os.PathLike | None = None,
    ):
        self.model_content = bytes(model_content)
        self.num_threads = num_threads
        self.path = None if path is None else Path(path)
        carried = carried_state_tensors(self.model_content)
        if carried:
            raise StatefulModelError(
                f"Expected a model that carries no state between calls{_named(self.path)}. "
                f"Received one keeping {carried} in variable tensors from call to call (an "
                "export made before metadata format 3): re-export it with this exporter."
            )
        self.interpreter = Interpreter(model_content=self.model_content, num_threads=num_threads)
        self._runners = {}

    @classmethod
    def from_file(cls, path: str | os.PathLike, num_threads: int | None = None) -> LiteModel:
        return cls(Path(path).read_bytes(), num_threads=num_threads, path=path)

    @property
    def signature_keys(self) -> list[str]:
        return sorted(self.interpreter.get_signature_list())

    def runner(self, signature_key: str):
        """The LiteRT signature runner for `signature_key` (created once, then reused)."""
        if signature_key not in self._runners:
            if signature_key not in self.interpreter.get_signature_list():
                raise KeyError(
                    f"Expected a signature among {self.signature_keys}. Received: {signature_key!r}"
                )
            self._runners[signature_key] = self.interpreter.get_signature_runner(signature_key)
        return self._runners[signature_key]

    def run(self, signature_key: str, **inputs: np.ndarray) -> dict[str, np.ndarray]:
        """Runs one signature; returns its outputs by name (copies).

        Inputs whose shape differs from the last call are resized (only dimensions the
        model left dynamic, `-1` in `shape_signature`, may change). Nothing is reset: the
        model carries no state between calls (checked when it was loaded).
        """
        return self.runner(signature_key)(**inputs)

    def input_details(self, signature_key: str) -> dict[str, dict]:
        """Input name -> LiteRT tensor details (`shape_signature` has -1 for dynamic dims)."""
        return self.runner(signature_key).get_input_details()

    def output_details(self, signature_key: str) -> dict[str, dict]:
        return self.runner(signature_key).get_output_details()

    def describe_signatures(self) -> dict[str, dict]:
        """Plain-JSON description: for each signature, its inputs and outputs with
        `shape` (-1 for a dynamic dimension) and `dtype`, names in the model's order."""

        def describe(details: dict) -> dict:
            return {
                name: {
                    "shape": [int(d) for d in detail["shape_signature"]],
                    "dtype": np.dtype(detail["dtype"]).name,
                }
                for name, detail in details.items()
            }

        return {
            key: {
                "inputs": describe(self.input_details(key)),
                "outputs": describe(self.output_details(key)),
            }
            for key in self.signature_keys
        }

    def operator_names(self) -> list[str]:
        return operator_names(self.model_content)


def _named(path: Path | None) -> str:
    return "" if path is None else f" ({path})"
