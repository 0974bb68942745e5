"""Saying clearly that a file of a run folder is damaged, instead of a loader's traceback.

A run folder's files are written atomically, so a damaged one was cut short or altered
later (a full disk during a copy, an interrupted download, an edit). Loaders then fail
with errors that point elsewhere (Keras: "File not found", pickle: `UnpicklingError`);
these helpers turn that into one line that names the file and what to do.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

RETRAIN = "train the run again (same command with --overwrite) or restore the file from a copy"


class RunFolderDamaged(ValueError):
    """A file of a finished run folder exists but cannot be what `train` wrote.

    A ValueError, so every CLI reports it as a one-line `error:` (`shared.cli.run_command`).
    """

    def __init__(self, path: str | os.PathLike, problem: str, remedy: str = RETRAIN):
        self.path = Path(path)
        super().__init__(
            f"run folder damaged: {path} {problem}. Expected the file as `train` "
            f"writes it; {remedy}."
        )


def zip_problem(path: str | os.PathLike) -> str | None:
    """What is wrong with a zip archive (`.keras`, `.npz`), or None when it is intact.

    Reads every member (CRC check): a truncated archive has no central directory, a
    corrupted one fails its checksums.
    """
    try:
        if not zipfile.is_zipfile(path):
            size = Path(path).stat().st_size
            return f"is not a complete zip archive ({size:,} bytes; truncated or overwritten)"
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as error:
        return f"cannot be read as a zip archive ({error})"
    if bad is not None:
        return f"has a corrupt member {bad!r} (checksum mismatch)"
    return None


def load_keras_model(path: str | os.PathLike):
    """`keras.models.load_model(path)`, but a damaged file raises `RunFolderDamaged`.

    Keras reports a truncated `.keras` file as "File not found"; the archive is checked
    first so the error says what happened. Other load errors pass through unchanged.
    """
    import keras  # noqa: PLC0415 (callers that only check files need no TensorFlow)

    problem = zip_problem(path) if Path(path).is_file() else None
    if problem is not None:
        raise RunFolderDamaged(path, problem)
    return keras.models.load_model(path)


def read_json(path: str | os.PathLike) -> Any:
    """The JSON a run folder's file holds; a file that is not valid UTF-8 JSON raises
    `RunFolderDamaged` naming it, instead of a bare `JSONDecodeError` with no file name.

    A missing file passes through as `FileNotFoundError` (callers say what they expected).
    """
    data = Path(path).read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        problem = f"is not UTF-8 text (byte {error.start:,} of {len(data):,})"
    except json.JSONDecodeError as error:
        state = "empty" if not data.strip() else f"{error.msg} at line {error.lineno}"
        problem = f"is not valid JSON ({state}; {len(data):,} bytes)"
    raise RunFolderDamaged(path, problem)
