"""TF Serving's model layout: `<root>/<model>/<integer version>/`, published atomically.

TF Serving polls a model's base path and loads the highest integer folder it finds. An
export is therefore written into a hidden staging folder beside the versions (same file
system, so the final `rename` is atomic) and renamed to the next free number only when
complete: a server never sees half a version, and a killed export leaves only a hidden
`.staging-*` folder that the next export removes.

Each staging folder has a sibling lock file held (`flock`) for the whole export, so a
cleanup only ever removes folders whose exporter is gone, even when another process, or
another host on a shared volume, is exporting at the same time.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

STAGING_PREFIX = ".staging-"
LOCK_SUFFIX = ".lock"
# A version must hold at least this to be published (a SavedModel's graph).
REQUIRED_FILE = "saved_model.pb"


def existing_versions(model_root: Path) -> list[int]:
    """Published versions under `model_root`, ascending (non-integer names are ignored)."""
    model_root = Path(model_root)
    if not model_root.is_dir():
        return []
    return sorted(int(p.name) for p in model_root.iterdir() if p.is_dir() and p.name.isdigit())


def latest_version(model_root: Path) -> int | None:
    versions = existing_versions(model_root)
    return versions[-1] if versions else None


def _lock_path(staging: Path) -> Path:
    return staging.with_name(staging.name + LOCK_SUFFIX)


def _remove_abandoned_staging(model_root: Path) -> None:
    """Deletes staging folders whose exporter is gone: their lock is free to take."""
    for lock_path in model_root.glob(f"{STAGING_PREFIX}*{LOCK_SUFFIX}"):
        staging = lock_path.with_name(lock_path.name[: -len(LOCK_SUFFIX)])
        with open(lock_path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # an export in progress
            shutil.rmtree(staging, ignore_errors=True)
            lock_path.unlink(missing_ok=True)


class StagedVersion:
    """An export in progress: write into `path`; after the `with` block, `published`.

    On an exception the staging folder is removed and nothing is published.
    """

    def __init__(self, model_root: Path):
        self.model_root = Path(model_root)
        self.model_root.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_staging(self.model_root)
        # The lock exists (and is held) before the folder, so no cleanup can see the
        # folder without its lock.
        fd, lock_name = tempfile.mkstemp(
            dir=self.model_root, prefix=STAGING_PREFIX, suffix=LOCK_SUFFIX
        )
        self._lock = os.fdopen(fd, "a")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.path = Path(lock_name[: -len(LOCK_SUFFIX)])
        self.path.mkdir()
        self.published: Path | None = None

    def __enter__(self) -> StagedVersion:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            if error_type is None:
                self.published = publish_staged(self.path, self.model_root)
        finally:
            if self.published is None:
                shutil.rmtree(self.path, ignore_errors=True)
            _lock_path(self.path).unlink(missing_ok=True)
            self._lock.close()


def publish_staged(staging: Path, model_root: Path) -> Path:
    """Renames a complete staging folder to the next free version; never overwrites one.

    Two exports racing for the same number: `rename` onto an existing non-empty folder
    fails, and the loser takes the next number.
    """
    model_root = Path(model_root)
    if not (Path(staging) / REQUIRED_FILE).is_file():
        raise ValueError(
            f"Expected a complete export with {REQUIRED_FILE} in {staging}. Received: "
            f"{sorted(p.name for p in Path(staging).iterdir())}; nothing was published."
        )
    os.chmod(staging, 0o755)  # a server running as another user must read it
    version = (latest_version(model_root) or 0) + 1
    while True:
        target = model_root / str(version)
        if not target.exists():
            try:
                os.rename(staging, target)
                return target
            except OSError:
                if not target.exists():
                    raise
        version += 1
