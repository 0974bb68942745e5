"""One loaded model version: the SavedModel, its signatures, warmed up before serving.

Loading replays `assets.extra/tf_serving_warmup_requests` like TF Serving does, so XLA
shapes are compiled before requests need them: by default one per signature (a lone
client's short request) before the version answers, and the others right after, in the
background (`first_and_later`); TF Serving replays all of them first. That can take a
minute, so `LoadProgress` tells how far it is: a log line per stage and every few seconds
of warm-up (`sentiment v1: warming up 12/31 shapes (9.3 s)`), and its fields for
`/debug/stats`. Signature calls run the SavedModel's concrete functions, which are graphs
(never eager).
"""

from __future__ import annotations

import dataclasses
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

# Warm-up progress is logged at its start and then at most this often.
PROGRESS_EVERY_S = 2.0


@dataclasses.dataclass
class LoadProgress:
    """How far the load of one version is; written by the loader thread, read by the API.

    Each field is replaced whole (never mutated in place), so a reader on another thread
    sees a consistent value of each; the pair (done, total) may be one step apart.
    """

    model: str
    version: int
    phase: str = "reading the SavedModel"  # then "warming up"
    warmup_done: int = 0
    warmup_total: int = 0
    started: float = dataclasses.field(default_factory=time.monotonic)
    _logged_at: float = -float("inf")

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def reading(self, path: Path) -> None:
        self.phase = "reading the SavedModel"
        log.info("%s v%d: LOADING, reading the SavedModel in %s", self.model, self.version, path)

    def warming_up(self, done: int, total: int) -> None:
        """Records `done` of `total` warmup requests replayed; logs now and then."""
        self.phase, self.warmup_total, self.warmup_done = "warming up", total, done
        now = time.monotonic()
        if done == 0 or now - self._logged_at >= PROGRESS_EVERY_S:
            self._logged_at = now
            log.info(
                "%s v%d: warming up %d/%d shapes (%.1f s)",
                self.model,
                self.version,
                done,
                total,
                self.seconds,
            )

    def as_json(self) -> dict:
        return {
            "version": str(self.version),
            "phase": self.phase,
            "warmup_requests_done": self.warmup_done,
            "warmup_requests": self.warmup_total,
            "seconds": round(self.seconds, 1),
        }


def first_and_later(requests: list) -> tuple[list, list]:
    """Warmup requests in two parts: first, for each signature, its first request at the
    smallest batch size in the file (the project's exports list the shortest length
    first: a lone client's short request, the most common shape); then all the others,
    smaller batches first (merged requests under load reach the larger ones).

    Each shape compiles for seconds with XLA (10-15 s on two busy cores), so this is what
    brings a version to AVAILABLE in well under a minute instead of several.
    """
    if not requests:
        return [], []

    def rows(inputs: dict) -> int:
        return max((np.shape(a)[0] for a in inputs.values() if np.ndim(a)), default=1)

    sizes = [rows(inputs) for _, inputs in requests]
    chosen: dict[str, int] = {}
    for index, (name, _) in enumerate(requests):
        if sizes[index] == min(sizes):
            chosen.setdefault(name, index)
    first = sorted(chosen.values())
    later = sorted(
        (i for i in range(len(requests)) if i not in chosen.values()), key=sizes.__getitem__
    )
    return [requests[i] for i in first], [requests[i] for i in later]


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
        self.warmup_requests = 0  # replayed so far, in the background too
        self.load_seconds = 0.0
        self.pending_warmup: list = []  # replayed by `warm_up_later`, while serving
        self.retired = False  # set when a newer version replaces it: stop warming up

    @classmethod
    def load(
        cls,
        model: str,
        version: int,
        path: Path,
        progress: LoadProgress | None = None,
        warm_all_first: bool = False,
    ) -> LoadedVersion:
        """Loads the SavedModel and replays its warmup requests; raises if either fails.

        Args:
            model, version, path: as for the constructor.
            progress: updated as the load goes on (and logged); None for a new one.
            warm_all_first: replay every warmup request before returning (TF Serving's
                way). Else only the first part of `first_and_later`; the rest is left in
                `pending_warmup` for `warm_up_later`, while the version already serves.
        """
        progress = progress or LoadProgress(model, version)
        started = time.perf_counter()
        progress.reading(path)
        loaded = cls(model, version, path)
        requests = read_warmup_requests(path) if (path / WARMUP_RELATIVE_PATH).is_file() else []
        first, loaded.pending_warmup = (
            (requests, []) if warm_all_first else first_and_later(requests)
        )
        loaded.warm_up(first, progress.warming_up)
        loaded.load_seconds = time.perf_counter() - started
        log.info(
            "%s v%d: AVAILABLE, loaded from %s in %.1f s (%d warmup requests%s)",
            model,
            version,
            path,
            loaded.load_seconds,
            loaded.warmup_requests,
            f"; {len(loaded.pending_warmup)} more while serving" if loaded.pending_warmup else "",
        )
        return loaded

    def warm_up(self, requests: list, on_progress=None) -> None:
        """Replays warmup requests (`[(signature, inputs)]`, as `read_warmup_requests`).

        Args:
            on_progress: called as `on_progress(done, total)` before the first record and
                after each one.
        """
        for done, (name, inputs) in enumerate(requests):
            if on_progress is not None:
                on_progress(done, len(requests))
            self.call(self.signature(name).name, inputs)
            self.warmup_requests += 1
        if on_progress is not None:
            on_progress(len(requests), len(requests))

    def warm_up_later(self) -> None:
        """Replays `pending_warmup` (on a loader thread, while the version serves); a
        failure is logged, not raised, as the version already answers."""
        started, requests, self.pending_warmup = time.perf_counter(), self.pending_warmup, []
        for name, inputs in requests:
            if self.retired:
                return
            try:
                self.call(self.signature(name).name, inputs)
            except Exception as error:  # noqa: BLE001  (the shape compiles on first use)
                log.warning("%s v%d: a warmup request failed: %s", self.model, self.version, error)
            self.warmup_requests += 1
        log.info(
            "%s v%d: %d more warmup requests replayed while serving, in %.1f s",
            self.model,
            self.version,
            len(requests),
            time.perf_counter() - started,
        )

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
