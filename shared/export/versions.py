"""TF Serving's model layout: `<root>/<model>/<integer version>/`, published atomically.

TF Serving polls a model's base path and loads the highest integer folder it finds. An
export is therefore written into a hidden staging folder beside the versions (same file
system, so the final `rename` is atomic) and renamed to the next free number only when
complete: a server never sees half a version, and a killed export leaves only a hidden
`.staging-*` folder that the next export removes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

STAGING_PREFIX = ".staging-"


def existing_versions(model_root: Path) -> list[int]:
    """Published versions under `model_root`, ascending (non-integer names are ignored)."""
    model_root = Path(model_root)
    if not model_root.is_dir():
        return []
    return sorted(int(p.name) for p in model_root.iterdir() if p.is_dir() and p.name.isdigit())


def latest_version(model_root: Path) -> int | None:
    versions = existing_versions(model_root)
    return versions[-1] if versions else None


def _remove_abandoned_staging(model_root: Path) -> None:
    """Deletes staging folders of exports whose process is gone (killed or crashed)."""
    for staging in model_root.glob(f"{STAGING_PREFIX}*"):
        pid = staging.name[len(STAGING_PREFIX) :].split("-")[0]
        if pid.isdigit() and _process_alive(int(pid)):
            continue
        shutil.rmtree(staging, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


class StagedVersion:
    """An export in progress: write into `path`; after the `with` block, `published`."""

    def __init__(self, model_root: Path):
        self.model_root = Path(model_root)
        self.path = begin_staging(self.model_root)
        self.published: Path | None = None

    def __enter__(self) -> StagedVersion:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self.published = publish_staged(self.path, self.model_root)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def begin_staging(model_root: Path) -> Path:
    """Creates a hidden staging folder under `model_root` (cleaning abandoned ones)."""
    model_root = Path(model_root)
    model_root.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_staging(model_root)
    return Path(tempfile.mkdtemp(dir=model_root, prefix=f"{STAGING_PREFIX}{os.getpid()}-"))


def publish_staged(staging: Path, model_root: Path) -> Path:
    """Renames a complete staging folder to the next free version; never overwrites one.

    Two exports racing for the same number: `rename` onto an existing non-empty folder
    fails, and the loser takes the next number.
    """
    model_root = Path(model_root)
    os.chmod(staging, 0o755)  # mkdtemp makes it owner-only; a server user must read it
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
