"""A thin wrapper over the LiteRT interpreter: signatures by name, state reset after each call.

Runs on the phone-like runtime (`ai_edge_litert`) alone: nothing here imports TensorFlow,
so the edge runners built on it load and run where only LiteRT and numpy are installed.

Variable tensors (read this before running a sentiment model anywhere else):
TFLite's fused `UNIDIRECTIONAL_SEQUENCE_LSTM` (the sentiment encoder) keeps its initial
hidden and cell states in *variable tensors*, and every call overwrites them with the
states it ended in. Without a reset, the next call starts where the last text ended:
answers then depend on what was classified before and drift from the Keras model's
(silently, nothing fails). Every target must reset them after each call (or before each
one, once tensors are allocated); `metadata.json` says so under
`reset_variables_after_each_call` and names the calls under `reset_variables_with`
(`VARIABLE_RESET_CALLS`):
- Python LiteRT: `Interpreter.reset_all_variables()` (`LiteModel.run` does it);
- Android (Java/Kotlin, `org.tensorflow.lite.Interpreter`): `resetVariableTensors()`, an
  experimental method of `Interpreter` that the `InterpreterApi` interface lacks: hold
  an `Interpreter`;
- C: `TfLiteInterpreterResetVariableTensors(interpreter)`; C++:
  `tflite::Interpreter::ResetVariableTensors()`.
Each zeroes the variable tensors, the state allocation leaves them in (current LiteRT
resets every subgraph; older TFLite releases only the primary one, where the sentiment
model's single signature lives). A fresh interpreter per call also works, at the cost of
loading the model every time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from shared.edge.flatbuffer import has_variable_tensors, operator_names

# How each target zeroes the fused LSTM's variable tensors (see the module docstring).
VARIABLE_RESET_CALLS = {
    "python": "ai_edge_litert.interpreter.Interpreter.reset_all_variables()",
    "android": "org.tensorflow.lite.Interpreter.resetVariableTensors()",
    "c": "TfLiteInterpreterResetVariableTensors(interpreter)",
    "c++": "tflite::Interpreter::ResetVariableTensors()",
    "why": (
        "The fused LSTM keeps its states in variable tensors that every call overwrites "
        "with its final states: without a reset after each call, the next text starts "
        "from the last one's states and the results drift from the trained model's."
    ),
}


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
        self.interpreter = Interpreter(model_content=self.model_content, num_threads=num_threads)
        self.stateful = has_variable_tensors(self.model_content)
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
        """Runs one signature on fresh state; returns its outputs by name.

        Inputs whose shape differs from the last call are resized (only dimensions the
        model left dynamic, `-1` in `shape_signature`, may change). A stateful model
        (`has_variable_tensors`) has its variable tensors zeroed first, so every call is
        independent of the one before, as a Keras call is.
        """
        outputs = self.runner(signature_key)(**inputs)  # copies, safe from the reset
        if self.stateful:
            # After the call, not before: tensors exist only once the runner allocated
            # them, and (re)allocation zeroes variables anyway.
            self.interpreter.reset_all_variables()
        return outputs

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
