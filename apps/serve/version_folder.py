"""Is a version folder complete? A copy in progress must not be loaded half-way.

An export publishes a version atomically (a rename), but a user may copy one in with
`mkdir 5 && cp 2/saved_model.pb 5/ && cp -r 2/variables 2/assets.extra 5/`: a poll in
between sees a SavedModel without its variables, or without the warmup requests that
must be replayed before it answers. So a version is loaded only when

- no file or folder in it has changed for `settle_s` seconds (their status-change time,
  ctime, which `cp -p`/`cp -a` cannot set back, unlike the modification time), and
- it holds what a SavedModel needs (`missing_parts`): `saved_model.pb`, the variables
  index and every data shard (`tf.saved_model.save` always writes both), and the warmup
  requests when the project's `assets.extra/export.json` says the export wrote some.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from shared.export.warmup import WARMUP_RELATIVE_PATH

# shared.export.exporter.EXPORT_INFO_RELATIVE_PATH (not imported: that module loads Keras).
EXPORT_INFO_RELATIVE_PATH = Path("assets.extra") / "export.json"
SHARD = re.compile(r"variables\.data-(\d+)-of-(\d+)")


def folder_fingerprint(path: Path) -> tuple:
    """Every file under `path` with its size and change times: changes when files are
    added, removed or rewritten (also by a copy that keeps modification times)."""
    entries = []
    for directory, _, files in os.walk(path):
        for name in files:
            file = os.path.join(directory, name)
            try:
                info = os.stat(file)
            except OSError:  # removed while walking
                continue
            entries.append(
                (os.path.relpath(file, path), info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            )
    return tuple(sorted(entries))


def seconds_since_change(path: Path) -> float:
    """Seconds since anything under `path` (files and sub-folders) last changed."""
    latest = 0.0
    for directory, folders, files in os.walk(path):
        for name in folders + files:
            try:
                info = os.stat(os.path.join(directory, name))
            except OSError:  # removed while walking: a change
                return 0.0
            latest = max(latest, info.st_ctime, info.st_mtime)
    try:
        latest = max(latest, os.stat(path).st_mtime)  # entries added or removed at the top
    except OSError:
        return 0.0
    return time.time() - latest


def missing_parts(path: Path) -> list[str]:
    """What `path` lacks to be a loadable, warmable version (relative paths); [] if none."""
    path = Path(path)
    missing = []
    if not (path / "saved_model.pb").is_file() and not (path / "saved_model.pbtxt").is_file():
        missing.append("saved_model.pb")
    # tf.saved_model.save always writes the variables' index and shards (none: still one).
    variables = path / "variables"
    names = {p.name for p in variables.iterdir()} if variables.is_dir() else set()
    if "variables.index" not in names:
        missing.append("variables/variables.index")
    counts = {int(m.group(2)) for m in map(SHARD.fullmatch, names) if m}
    for count in counts or [1]:
        for index in range(count):
            shard = f"variables.data-{index:05d}-of-{count:05d}"
            if shard not in names:
                missing.append(f"variables/{shard}")
    if _expects_warmup(path) and not (path / WARMUP_RELATIVE_PATH).is_file():
        missing.append(str(WARMUP_RELATIVE_PATH))
    return missing


def _expects_warmup(path: Path) -> bool:
    """Whether the project's export record (if any) says warmup requests were written."""
    try:
        info = json.loads((path / EXPORT_INFO_RELATIVE_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and bool(info.get("warmup_requests"))
