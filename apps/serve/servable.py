"""One loaded model version: the SavedModel, its signatures, warmed up before serving.

Loading replays `assets.extra/tf_serving_warmup_requests` like TF Serving does, so every
XLA shape is compiled before the version answers its first request. Signature calls run
the SavedModel's concrete functions, which are graphs (never eager).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the tokenisation ops the graphs use)

from apps.serve.errors import invalid_argument
from apps.serve.signatures import (
    DEFAULT_SIGNATURE,
    Signature,
    read_signature_defs,
    signature_def_map_json,
    signatures_from_defs,
)
from shared.export.warmup import WARMUP_RELATIVE_PATH, read_warmup_requests

log = logging.getLogger(__name__)


class LoadedVersion:
    """A servable: `call(signature, inputs)` on numpy arrays, thread-safe.

    Args:
        model: The model's name (its folder under the model root).
        version: The integer version (its folder name).
        path: The version folder.
    """

    def __init__(self, model: str, version: int, path: Path):
        self.model = model
        self.version = version
        self.path = Path(path)
        defs = read_signature_defs(self.path)
        self.signatures: dict[str, Signature] = signatures_from_defs(defs)
        self.signature_def_json = signature_def_map_json(defs)
        self._saved_model = tf.saved_model.load(str(self.path))
        self._functions = dict(self._saved_model.signatures)
        self.warmup_requests = 0
        self.load_seconds = 0.0

    @classmethod
    def load(cls, model: str, version: int, path: Path) -> LoadedVersion:
        """Loads the SavedModel and replays its warmup requests; raises if either fails."""
        started = time.perf_counter()
        loaded = cls(model, version, path)
        loaded.warm_up()
        loaded.load_seconds = time.perf_counter() - started
        log.info(
            "loaded %s version %d from %s in %.1f s (%d warmup requests)",
            model,
            version,
            path,
            loaded.load_seconds,
            loaded.warmup_requests,
        )
        return loaded

    def warm_up(self) -> None:
        """Replays the version's warmup records, if it has any (TF Serving's are optional)."""
        if not (self.path / WARMUP_RELATIVE_PATH).is_file():
            return
        for name, inputs in read_warmup_requests(self.path):
            self.call(self.signature(name).name, inputs)
            self.warmup_requests += 1

    def signature(self, name: str) -> Signature:
        """The named signature (empty: `serving_default`), with TF Serving's error if absent."""
        name = name or DEFAULT_SIGNATURE
        if name not in self.signatures:
            raise invalid_argument(f'Serving signature name: "{name}" not found in signature def')
        return self.signatures[name]

    def call(self, signature: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Runs one signature on a batch; raises `tf.errors.OpError` on bad values."""
        spec = self.signatures[signature]
        tensors = {
            name: tf.constant(value, dtype=spec.inputs[name].tf_dtype)
            for name, value in inputs.items()
        }
        outputs = self._functions[signature](**tensors)
        return {name: tensor.numpy() for name, tensor in outputs.items()}

    def metadata_json(self) -> dict:
        """GetModelMetadataResponse JSON, as TF Serving's metadata API writes it."""
        return {
            "model_spec": {
                "name": self.model,
                "signature_name": "",
                "version": str(self.version),
            },
            "metadata": {"signature_def": self.signature_def_json},
        }
