"""Reading a text file line by line, plain or gzip-compressed, so a bad byte is pinned to
its line: one definition of what a bad byte, a NUL or a BOM means for every loader."""

from __future__ import annotations

import gzip
import itertools
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from shared.datasets.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"

Read = TypeVar("Read")


def read_decoded_file(
    path: str | Path, expected: str, read: Callable[[DecodedLines], Read]
) -> Read:
    """Opens `path` (gzip detected from its first bytes, whatever its name) and returns
    `read(lines)` over its `DecodedLines`.

    Args:
        path: the file to read.
        expected: what the file should be, for the error when it is missing
            (`"a CSV or TSV file"`).
        read: parses the lines; its `DataError`s pass through.

    Raises:
        DataError: no file at `path`, or a gzip file that ends early (the last line read
            is named).
    """
    source, path = os.fspath(path), Path(path)
    if not path.is_file():
        found = "a folder" if path.is_dir() else "no such file"
        raise DataError(f"Expected {expected} at {source}. Received: {found}.")
    with open(path, "rb") as file:
        gzipped = file.read(2) == GZIP_MAGIC
        file.seek(0)
        lines = DecodedLines(gzip.GzipFile(fileobj=file, mode="rb") if gzipped else file)
        try:
            return read(lines)
        except (OSError, EOFError, zlib.error) as error:
            if not gzipped:
                raise
            raise DataError(
                f"{source}: expected a complete gzip file. Received one that cannot be read "
                f"after line {lines.line_number} ({error}). Compress or download it again."
            ) from error


class DecodedLines:
    """Decodes a binary stream line by line for csv.reader, remembering each record's lines.

    Decoding per line (instead of opening in text mode) is what lets invalid UTF-8 be
    pinned to a line and byte, and be rejected alone instead of failing the whole file.
    csv.reader pulls exactly the lines of one record before returning it, so the lines
    seen since the last `take_record` are that record's raw text.
    """

    def __init__(self, stream: Iterable[bytes]):
        self._stream = iter(stream)
        self._first: bytes | None = None
        self.line_number = 0
        self.not_utf8 = False
        self._offset = 0
        self._raw: list[str] = []
        self._problem: str | None = None

    def peek(self) -> bytes:
        """Returns the first line without consuming it (empty for an empty file)."""
        if self._first is None:
            self._first = next(self._stream, b"")
            self._stream = itertools.chain([self._first], self._stream)
        return self._first

    def __iter__(self) -> Iterator[str]:
        for data in self._stream:
            self.line_number += 1
            if self.line_number == 1 and data.startswith(UTF8_BOM):
                data = data[len(UTF8_BOM) :]  # Spreadsheet exports start with one.
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as error:
                text = data.decode("utf-8", errors="replace")
                self.not_utf8 = True
                self._note(
                    f"not valid UTF-8: expected UTF-8 text, received byte "
                    f"0x{data[error.start]:02x} at byte {error.start + 1} of the line "
                    f"(offset {self._offset + error.start} in the file)"
                )
            if "\0" in text:
                self._note(
                    f"expected text, received a NUL byte at byte {data.index(0) + 1} "
                    "of the line (is this a binary or UTF-16 file?)"
                )
            self._offset += len(data)
            self._raw.append(text)
            yield text

    def _note(self, problem: str) -> None:
        if self._problem is None:  # The first problem of a record is the one reported.
            self._problem = problem

    def take_record(self, reason: str | None) -> tuple[str, str | None]:
        """Returns the current record's raw text and its problem, then starts a new one."""
        # Line ends are framing, not content: the rejected-rows file adds its own.
        raw, problem = "".join(self._raw).rstrip("\r\n"), self._problem or reason
        self._raw, self._problem = [], None
        return raw, problem

    def hint(self, source: str) -> str:
        """Says how to re-encode `source` to UTF-8."""
        name = Path(source).name.removesuffix(".gz")
        fixed = f"{Path(name).stem}-utf8{Path(name).suffix}"
        read = f"zcat {source} | iconv" if source.endswith(".gz") else f"iconv {source}"
        read = read.replace("iconv", "iconv -f latin1 -t utf-8", 1)
        return (
            f"{source} is not valid UTF-8; re-encode it from its real encoding, "
            f"e.g. `{read} > {fixed}`."
        )
