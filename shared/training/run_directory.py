"""The folder a training run writes, and the rules for reusing one."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from shared.training.damage import read_json


def _umask_permissions() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def publish(tmp: str | Path, path: Path) -> None:
    """Moves a finished temporary file into place with normal permissions.

    `mkstemp` creates files readable by their owner only; a model served by another
    user (TF Serving) must be able to read it.
    """
    os.chmod(tmp, _umask_permissions())
    os.replace(tmp, path)


def write_atomic(path: Path, data: bytes) -> None:
    """Writes `data` to `path` so readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, value: Any) -> None:
    """Writes `value` as indented JSON, atomically (see `write_atomic`)."""
    write_atomic(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def config_fingerprint(settings: dict[str, Any]) -> str:
    """Eight hex digits that change whenever any setting changes."""
    canonical = json.dumps(settings, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()[:8]


@dataclasses.dataclass(frozen=True)
class TrainingResult:
    """What an app's `train(config, ...)` returns.

    Attributes:
        run_dir: the run folder (load it with the app's `load(run_dir)`).
        state: what the folder held when training started: `"new"`, `"resume"` (an
            interrupted run, continued) or `"finished"` (nothing trained, reported again).
        metrics: the run's final metrics (as in its `metrics.json`).
    """

    run_dir: Path
    state: str
    metrics: dict

    @classmethod
    def of_finished(cls, run_dir: RunDirectory, state: str) -> TrainingResult:
        return cls(run_dir.path, state, read_json(run_dir.metrics_path))


class RunDirectory:
    """Paths inside one run folder, and whether it is new, interrupted or finished.

    A run folder belongs to exactly one configuration (`config.json`). Running the same
    command again resumes an interrupted run from its last epoch checkpoint, or reports
    that it is finished; a different configuration in the same folder is refused unless
    the caller asks to overwrite.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    config_path = property(lambda self: self.path / "config.json")
    model_path = property(lambda self: self.path / "model.keras")
    backup_dir = property(lambda self: self.path / "checkpoints" / "backup")
    best_model_path = property(lambda self: self.path / "checkpoints" / "best.keras")
    history_path = property(lambda self: self.path / "history.csv")
    curves_path = property(lambda self: self.path / "learning_curves.png")
    tensorboard_dir = property(lambda self: self.path / "tensorboard")
    report_path = property(lambda self: self.path / "report.txt")
    metrics_path = property(lambda self: self.path / "metrics.json")

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def is_finished(self) -> bool:
        # model.keras is written last, atomically: it exists only after a complete run.
        return self.model_path.is_file()

    def describe(self) -> str:
        """`<path> (finished YYYY-MM-DD HH:MM)`: which run a command uses, for its log."""
        if not self.is_finished:
            return f"{self.path} (unfinished)"
        finished = datetime.datetime.fromtimestamp(self.model_path.stat().st_mtime)
        return f"{self.path} (finished {finished:%Y-%m-%d %H:%M})"

    def require_finished(self) -> None:
        """Raises FileNotFoundError unless this is a finished run (for evaluate/predict)."""
        if not self.is_finished:
            state = (
                "an unfinished run; rerun `train` to complete it."
                if self.path.is_dir()
                else "no such folder."
            )
            raise FileNotFoundError(
                f"Expected a finished run in {self.path} (with model.keras). Received: {state}"
            )

    def load_config(self, config_cls):
        """The run's settings as `config_cls` (see `TrainingConfig.from_settings`)."""
        return config_cls.from_settings(read_json(self.config_path))

    def prepare(self, settings: dict[str, Any], overwrite: bool = False) -> str:
        """Claims the folder for `settings`.

        Returns:
            `"new"`, `"resume"` (an interrupted run with the same settings) or `"finished"`.

        Raises:
            ValueError: the folder holds a run with other settings and `overwrite` is False.
        """
        if overwrite and self.path.exists():
            if not self.config_path.is_file() and any(self.path.iterdir()):
                raise ValueError(
                    f"Expected --overwrite to point at a run folder (with config.json) or an "
                    f"empty folder. Received: {self.path}, which holds other files; "
                    "refusing to delete it."
                )
            shutil.rmtree(self.path)
        if self.config_path.is_file():
            previous = read_json(self.config_path)
            if previous != json.loads(json.dumps(settings, default=str)):
                changed = sorted(
                    k for k in set(previous) | set(settings) if previous.get(k) != settings.get(k)
                )
                raise ValueError(
                    f"{self.path} holds a run with other settings (differs in {changed}). "
                    "Expected the same settings to resume it. Pass --overwrite to replace "
                    "it, or --run-dir to train elsewhere."
                )
            return "finished" if self.is_finished else "resume"
        self.path.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.config_path, json.loads(json.dumps(settings, default=str)))
        return "new"


def open_finished_run(path: str | Path, config_cls) -> tuple[RunDirectory, Any]:
    """A finished run's folder and its config, for loading it back.

    Raises:
        FileNotFoundError: `path` is not a finished run (see `require_finished`).
    """
    run_dir = RunDirectory(path)
    run_dir.require_finished()
    return run_dir, run_dir.load_config(config_cls)


def unfinished_run_without(
    settings: dict[str, Any], new_keys: tuple[str, ...], run_dir_for, old_names=None
) -> tuple[RunDirectory, dict[str, Any]] | None:
    """An interrupted run started before `new_keys` were recorded, to resume as it began.

    Adding a setting changes the fingerprint, so the folder of a run interrupted before
    the setting existed would no longer be found (or, given as `--run-dir`, be refused).
    Such a run is finished the old way; finished ones are left alone (a new run starts).

    Args:
        settings: the settings of this command, `new_keys` included.
        new_keys: the settings older versions did not record.
        run_dir_for: maps settings to the run folder the command would use for them.
        old_names: maps settings to the names older versions recorded them under
            (`shared.training.config.with_old_names`), for settings renamed since.

    Returns:
        `(run folder, its settings)`, or None when there is no such interrupted run.
    """
    old = {key: value for key, value in settings.items() if key not in new_keys}
    old = old_names(old) if old_names is not None else old
    if old == settings:
        return None
    candidate = RunDirectory(run_dir_for(old))
    if candidate.is_finished or not candidate.config_path.is_file():
        return None
    previous = read_json(candidate.config_path)
    if previous != json.loads(json.dumps(old, default=str)):
        return None
    return candidate, old
