"""Which version of each model is served, and picking up new ones without a restart.

Mirrors TF Serving with `model_version_policy { latest { num_versions: 1 } }` and its
availability-preserving loader: the model root is polled; when a model's highest version
folder changes, that version is loaded and warmed up in a background thread while the old
one keeps serving, then requests switch to it at once, and the old one is unloaded when
its last request has finished. A version that fails to load is reported by the status API
(state END with the error) while the old one keeps serving, and is tried again: at the
first poll after its folder's files change (e.g. `mkdir 1` then copying the export in),
or else every `load_retry_interval_s`, up to `max_load_retries` times (TF Serving's
`max_num_load_retries` and `load_retry_interval_micros`).

At startup the port opens at once: every version found is LOADING in the status API
(and `:predict` answers TF Serving's 404 "Servable not found for request") until it has
loaded and replayed its warmup requests, then AVAILABLE. TF Serving itself keeps its
ports closed until the first load is over; a closed port reads as a dead server.

Every state change happens on the event loop's thread, so a request always sees one
consistent served version without locks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tensorflow as tf

from apps.serve.errors import ServingError, echo, from_tensorflow, not_found, servable_not_found
from apps.serve.servable import LoadedVersion, LoadProgress
from apps.serve.version_folder import folder_fingerprint, missing_parts, seconds_since_change
from shared.export.versions import existing_versions

log = logging.getLogger(__name__)


@dataclasses.dataclass
class VersionStatus:
    """One row of the status API: a `ModelVersionStatus`."""

    state: str  # START, LOADING, AVAILABLE, UNLOADING or END
    error_code: str = "OK"
    error_message: str = ""

    def as_json(self, version: int) -> dict:
        return {
            "version": str(version),
            "state": self.state,
            "status": {"error_code": self.error_code, "error_message": self.error_message},
        }


@dataclasses.dataclass
class FailedLoad:
    """A version whose last load failed: what its folder held then, and when."""

    fingerprint: tuple
    failed_at: float
    retries: int = 0  # retries after the interval since its files last changed


@dataclasses.dataclass
class ModelState:
    """A model's versions as the server has seen them, and the one it serves."""

    statuses: dict[int, VersionStatus] = dataclasses.field(default_factory=dict)
    serving: LoadedVersion | None = None
    loading: int | None = None
    progress: LoadProgress | None = None  # of the version loading
    failed: dict[int, FailedLoad] = dataclasses.field(default_factory=dict)


def scan_model_root(root: Path) -> dict[str, int]:
    """`{model: latest version}` for every folder of `root` holding an integer version."""
    root = Path(root)
    if not root.is_dir():
        return {}
    latest = {}
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            versions = existing_versions(folder)
            if versions:
                latest[folder.name] = versions[-1]
    return latest


class ModelManager:
    """Loads, swaps and retires versions; answers which version serves a request.

    Args:
        root: The model root (TF Serving's layout).
        loader_threads: Versions that may load at once (loading compiles XLA shapes).
        load_retry_interval_s: Wait before a failed version is tried again unchanged.
        max_load_retries: Most such retries (a change of its files always retries).
        settle_s: A version is loaded only once nothing in its folder has changed for
            this long (a copy in progress is not loaded half-way; see `version_folder`).
        warm_all_first: Replay every warmup request before a version is AVAILABLE (TF
            Serving); else one per signature first, and the rest while it serves.
    """

    def __init__(
        self,
        root: Path,
        loader_threads: int = 2,
        load_retry_interval_s: float = 60.0,
        max_load_retries: int = 5,
        settle_s: float = 2.0,
        warm_all_first: bool = False,
    ):
        self.root = Path(root)
        self.settle_s = settle_s
        self.warm_all_first = warm_all_first
        self.load_retry_interval_s = load_retry_interval_s
        self.max_load_retries = max_load_retries
        self.models: dict[str, ModelState] = {}
        self._loader = ThreadPoolExecutor(loader_threads, thread_name_prefix="model-loader")
        self._in_flight: dict[int, int] = {}  # id(version) -> requests using it
        self._idle: dict[int, asyncio.Event] = {}
        self._tasks: set[asyncio.Task] = set()  # loads and unloads in progress
        # Set once every version found at startup has loaded or failed (`start`).
        self.initial_loads_done = threading.Event()

    # -- serving ------------------------------------------------------------------------

    def resolve(self, model: str, version: int | None) -> LoadedVersion:
        """The servable for `Latest(model)` or `Specific(model, version)`, else 404."""
        state = self.models.get(model)
        serving = state.serving if state else None
        if serving is None or (version is not None and serving.version != version):
            raise servable_not_found(model, version)
        return serving

    def acquire(self, servable: LoadedVersion) -> None:
        """Marks a request as using `servable`: it is not unloaded until `release`."""
        key = id(servable)
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        self._idle.setdefault(key, asyncio.Event()).clear()

    def release(self, servable: LoadedVersion) -> None:
        key = id(servable)
        self._in_flight[key] -= 1
        if self._in_flight[key] == 0:
            del self._in_flight[key]
            self._idle.pop(key).set()

    def served_versions(self) -> dict[str, int]:
        return {name: s.serving.version for name, s in self.models.items() if s.serving}

    def loading_json(self) -> dict[str, dict]:
        """`{model: LoadProgress.as_json()}` for every version loading now."""
        return {name: s.progress.as_json() for name, s in self.models.items() if s.progress}

    def status_json(self, model: str, version: int | None) -> dict:
        """GetModelStatusResponse JSON; TF Serving's NOT_FOUND wording for unknown ones."""
        state = self.models.get(model)
        statuses = state.statuses if state else {}
        if version is not None:
            if version not in statuses:
                raise not_found(f"Could not find version {version} of model {echo(model)}")
            return {"model_version_status": [statuses[version].as_json(version)]}
        if not statuses:
            raise not_found(f"Could not find any versions of model {echo(model)}")
        rows = [statuses[v].as_json(v) for v in sorted(statuses, reverse=True)]
        return {"model_version_status": rows}

    # -- loading ------------------------------------------------------------------------

    def start(self) -> asyncio.Task:
        """Starts loading every model found, without waiting: the status API reports each
        version LOADING from now on. `initial_loads_done` is set when all have loaded or
        failed; the returned task finishes then too."""
        loads = self.poll_once()
        log.info("loading %d model(s) from %s; serving meanwhile", len(loads), self.root)

        async def wait_for_loads() -> None:
            try:
                await asyncio.gather(*loads, return_exceptions=True)
            finally:
                self.initial_loads_done.set()
            available = self.served_versions()
            log.info(
                "startup loads done: %s available",
                ", ".join(f"{m} v{v}" for m, v in sorted(available.items())) or "no model",
            )

        task = asyncio.create_task(wait_for_loads())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def load_initial(self) -> None:
        """Loads every model found, waiting for all of them (TF Serving's startup)."""
        await self.start()

    async def poll_forever(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                self.poll_once()
            except Exception:  # a transient file-system error must not stop polling
                log.exception("polling %s failed; retrying in %.1f s", self.root, seconds)

    def poll_once(self) -> list[asyncio.Task]:
        """Starts loading each model's newest version if it is not the one served."""
        found = scan_model_root(self.root)
        loads = []
        for model, latest in found.items():
            state = self.models.setdefault(model, ModelState())
            serving = state.serving.version if state.serving else None
            if latest == serving or state.loading is not None:
                continue
            if latest in state.failed and not self._should_retry(model, latest, state):
                continue
            # LOADING from now on, before the task first runs: a status request arriving
            # meanwhile never finds the version missing.
            state.loading = latest
            state.statuses[latest] = VersionStatus("LOADING")
            task = asyncio.create_task(self._load(model, latest))
            # The loop keeps only weak references to tasks: hold it until it is done.
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            loads.append(task)
        for model, state in self.models.items():
            if model not in found and state.serving is not None:
                # The folder lost all its versions: TF Serving unloads the model too.
                log.warning("no versions of %s under %s any more: unloading", model, self.root)
                self._retire(model, state.serving)
                state.serving = None
        return loads

    def _should_retry(self, model: str, version: int, state: ModelState) -> bool:
        failure = state.failed[version]
        path = self.root / model / str(version)
        if folder_fingerprint(path) != failure.fingerprint:
            log.info("%s version %d changed since its failed load: retrying", model, version)
            return True
        waited = time.monotonic() - failure.failed_at
        if failure.retries < self.max_load_retries and waited >= self.load_retry_interval_s:
            failure.retries += 1
            log.info(
                "retrying %s version %d (retry %d of %d)",
                model,
                version,
                failure.retries,
                self.max_load_retries,
            )
            return True
        return False

    async def _load(self, model: str, version: int) -> None:
        state = self.models[model]
        state.loading = version
        state.statuses[version] = VersionStatus("LOADING")
        path = self.root / model / str(version)
        state.progress = progress = LoadProgress(model, version)
        loop = asyncio.get_running_loop()
        fingerprint, failed = (), False
        try:
            missing = await self._wait_until_settled(path, progress)
            if missing is None:  # the folder went away meanwhile
                state.statuses.pop(version, None)
                return
            # Taken before loading: files that change during a failed load are retried.
            fingerprint = folder_fingerprint(path)
            if missing:
                raise ServingError(
                    "NOT_FOUND",
                    f"Incomplete version folder {path}: missing {', '.join(missing)} (nothing "
                    f"in it changed for {self.settle_s:g} s). It is loaded again once its "
                    "files change.",
                )
            loaded = await loop.run_in_executor(
                self._loader,
                LoadedVersion.load,
                model,
                version,
                path,
                progress,
                self.warm_all_first,
            )
        except Exception as error:  # any failure: report it, keep the old version
            code = _error_code(error)
            log.error("failed to load %s version %d: %s: %s", model, version, code, error)
            state.statuses[version] = VersionStatus("END", code, f"{type(error).__name__}: {error}")
            previous = state.failed.pop(version, None)
            retries = previous.retries if previous and previous.fingerprint == fingerprint else 0
            state.failed[version] = FailedLoad(fingerprint, time.monotonic(), retries)
            failed = True
        finally:
            state.loading = state.progress = None
        if failed:
            # Nothing served (a restart with a corrupt newest version): serve the newest
            # older version that loads rather than none.
            fallback = self._fallback_version(model, state, version)
            if state.serving is None and fallback is not None:
                log.warning("%s: trying version %d, as version %d failed", model, fallback, version)
                await self._load(model, fallback)
            return
        state.failed.pop(version, None)
        # The switch: from here on, new requests resolve to the new version.
        old, state.serving = state.serving, loaded
        state.statuses[version] = VersionStatus("AVAILABLE")
        if old is not None:
            self._retire(model, old)
        if loaded.pending_warmup:  # the larger batches' shapes, compiled while serving
            self._track(loop.run_in_executor(self._loader, loaded.warm_up_later))

    async def _wait_until_settled(self, path: Path, progress: LoadProgress) -> list[str] | None:
        """Waits until nothing in `path` has changed for `settle_s`; then what it lacks
        (`[]`: complete), or None if it was removed."""
        logged = False
        while True:
            if not path.is_dir():
                return None
            quiet = seconds_since_change(path)
            if quiet >= self.settle_s:
                return missing_parts(path)
            if not logged:
                progress.phase = "waiting for its files to stop changing"
                log.info(
                    "%s v%d: LOADING, waiting until no file in %s has changed for %g s",
                    progress.model,
                    progress.version,
                    path,
                    self.settle_s,
                )
                logged = True
            await asyncio.sleep(min(self.settle_s - quiet, 0.25) + 0.01)

    def _fallback_version(self, model: str, state: ModelState, below: int) -> int | None:
        """The newest version under `below` that has not failed to load."""
        versions = existing_versions(self.root / model)
        return max((v for v in versions if v < below and v not in state.failed), default=None)

    def _track(self, future) -> None:
        """Holds a task or future until done (the loop keeps only weak references)."""
        self._tasks.add(future)
        future.add_done_callback(self._tasks.discard)

    def _retire(self, model: str, old: LoadedVersion) -> None:
        old.retired = True  # stops its background warm-up
        self.models[model].statuses[old.version] = VersionStatus("UNLOADING")
        task = asyncio.create_task(self._unload_when_idle(model, old))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _unload_when_idle(self, model: str, old: LoadedVersion) -> None:
        idle = self._idle.get(id(old))
        if idle is not None:
            await idle.wait()
        self.models[model].statuses[old.version] = VersionStatus("END")
        log.info("unloaded %s version %d", model, old.version)
        del old
        # Frees the SavedModel's graphs and variables now rather than at some later collection.
        await asyncio.get_running_loop().run_in_executor(self._loader, gc.collect)

    def close(self) -> None:
        for state in self.models.values():  # background warm-ups stop after their call
            if state.serving is not None:
                state.serving.retired = True
        self._loader.shutdown(wait=False, cancel_futures=True)


def _error_code(error: Exception) -> str:
    if isinstance(error, ServingError):
        return error.code
    if isinstance(error, tf.errors.OpError):
        return from_tensorflow(error).code
    if isinstance(error, FileNotFoundError):
        return "NOT_FOUND"
    return "UNKNOWN"
