"""Writing small input files for loader tests."""

from __future__ import annotations

import gzip
from pathlib import Path


def write_file(path: Path, data: bytes | str, gz: bool = False) -> Path:
    """Writes `data` (UTF-8 when text) to `path`, gzip-compressed if `gz`; returns `path`."""
    data = data.encode() if isinstance(data, str) else data
    path.write_bytes(gzip.compress(data) if gz else data)
    return path
