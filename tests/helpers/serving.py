"""Shared set-up for the serving tests: exports, an in-process server, direct answers.

One server on the tiny exports serves every test module but the hot-reload one (which
changes its model root): it is started on first use and stopped when the session ends.
Its sentiment model is exported as `make export` writes it (XLA-compiled core, warmup
compiles every shape at load); its translation model is exported with `jit_compile=False`
because compiling the beam search for every warmup shape costs ~25 s on two cores and
exercises nothing the sentiment model does not.
"""

from __future__ import annotations

import atexit
import contextlib
import socket
import threading
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (ops the SavedModels use)
import uvicorn

from apps.sentiment.export import build_export as build_sentiment_export
from apps.serve.app import build_app
from apps.serve.config import ServeConfig
from apps.serve.connections import uvicorn_settings
from apps.translation.export import build_export as build_translation_export
from shared.export.exporter import export_version

STARTUP_TIMEOUT_S = 300
_SHARED: dict = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """`python -m apps.serve` in a background thread of this process, on a free port."""

    def __init__(self, config: ServeConfig):
        self.config = config
        self.app = build_app(config)
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host=config.host,
                port=config.port,
                log_level="warning",
                log_config=None,  # leave the test process's logging as it is
                lifespan="on",
                **uvicorn_settings(config),
            )
        )
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    def start(self, wait_for_models: bool = True) -> ServerThread:
        """Returns once the port answers and, with `wait_for_models`, every model found at
        startup has loaded or failed (or raises)."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not (
            self._server.started
            and (not wait_for_models or self.manager.initial_loads_done.is_set())
        ):
            if not self._thread.is_alive():
                raise RuntimeError("the server thread exited during startup (see its log)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"server not started after {STARTUP_TIMEOUT_S} s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)

    @property
    def manager(self):
        return self.app.state.manager

    @property
    def scheduler(self):
        return self.app.state.scheduler


@contextlib.contextmanager
def running(root, **settings):
    """A server of its own on `root` (any `ServeConfig` settings), stopped on exit."""
    server = ServerThread(ServeConfig(model_root=root, port=free_port(), **settings)).start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(condition, what: str, seconds: float = 60):
    """Polls `condition()` until it returns something true, and returns that."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not seen within {seconds} s")


def version_rows(client, model: str = "sentiment") -> dict[str, dict]:
    """The model's status rows (TF Serving's `model_version_status`) by version."""
    rows = client.get(f"/v1/models/{model}").json()["model_version_status"]
    return {row["version"]: row for row in rows}


def version_states(client, model: str = "sentiment") -> dict[str, str]:
    return {version: row["state"] for version, row in version_rows(client, model).items()}


def export_tiny_models(root: Path, sentiment_run: Path, translation_run: Path) -> Path:
    """Version 1 of both tiny models under `root` (see the module docstring for XLA).

    The sentiment version has its phone models as `make export` writes them: fused LSTMs,
    and the unfused browser model the demo page's on-device mode runs (LiteRT.js 2.5.3
    refuses the fused op's variable tensors).
    """
    export_version(build_sentiment_export(sentiment_run), root)
    export_version(build_translation_export(translation_run, tflite=False, jit_compile=False), root)
    return root


def shared_server(sentiment_run: Path, translation_run: Path, tmp_path_factory) -> ServerThread:
    """The session's server on the tiny exports, started on first use."""
    if "server" not in _SHARED:
        root = export_tiny_models(
            tmp_path_factory.mktemp("served_models"), sentiment_run, translation_run
        )
        # Every shape compiled before the tests start: no background compiling under them.
        config = ServeConfig(
            model_root=root, port=free_port(), poll_seconds=0.5, warmup_before_available="all"
        )
        server = ServerThread(config)
        _SHARED["server"] = server.start()
        atexit.register(server.stop)
    return _SHARED["server"]


_DIRECT: dict = {}


def direct_outputs(version_dir: Path, signature: str, **inputs) -> dict[str, np.ndarray]:
    """What the SavedModel itself answers, loaded here without any server code."""
    key = str(version_dir)
    if key not in _DIRECT:
        _DIRECT[key] = tf.saved_model.load(key)
    function = _DIRECT[key].signatures[signature]
    tensors = {}
    for name, value in inputs.items():
        dtype = function.structured_input_signature[1][name].dtype
        tensors[name] = tf.constant(value, dtype=dtype)
    return {name: t.numpy() for name, t in function(**tensors).items()}


def decoded(values: np.ndarray) -> list:
    """String outputs as JSON shows them."""
    return [v.decode("utf-8") for v in values.reshape(-1)]
