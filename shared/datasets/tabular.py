"""Reading labelled texts from CSV or TSV files, plain or gzip-compressed."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import itertools
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts, RejectedRow

# A review can be long (hundreds of KB); the csv module's default cap (128 KiB) would
# reject it. Texts are truncated later, by the model's vectorizer. Beyond this size a
# field is almost surely an unclosed quote swallowing the rest of the file.
MAX_FIELD_CHARS = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))

MAX_LISTED_PROBLEMS = 10
# A column of this name groups the examples by default (IMDB files: the film's id).
DEFAULT_GROUP_COLUMN = "movie"
ON_BAD_ROWS_CHOICES = ("error", "skip")
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"


class BadRows:
    """Collects the rows a loader cannot use, then rejects them or raises one error.

    Loaders report every problem in one pass so that a user fixes a file once rather than
    once per bad row.

    Args:
        source: the file or folder being read, named in the summary error.
        on_bad_rows: `"error"` to raise at the end if any row was bad, `"skip"` to keep
            the bad rows as `RejectedRow`s instead.
    """

    def __init__(self, source: str, on_bad_rows: str):
        if on_bad_rows not in ON_BAD_ROWS_CHOICES:
            raise ValueError(
                f"Expected on_bad_rows to be one of {list(ON_BAD_ROWS_CHOICES)}. "
                f"Received: {on_bad_rows!r}."
            )
        self.source = source
        self.skip = on_bad_rows == "skip"
        self.count = 0
        self.rejected: list[RejectedRow] = []
        self._listed: list[str] = []
        self._hints: dict[str, None] = {}  # A dict keeps hints unique and in order.

    def add(self, origin: str, reason: str, raw: str, hint: str | None = None) -> None:
        """Records one bad row.

        Args:
            origin: where the row is, as `path:line` or a file path.
            reason: what is wrong with it.
            raw: the row's raw text, kept for the rejected-rows file.
            hint: an optional sentence on how to fix this kind of problem, said once.
        """
        self.count += 1
        if self.skip:
            self.rejected.append(RejectedRow(origin=origin, reason=reason, raw=raw))
        elif len(self._listed) < MAX_LISTED_PROBLEMS:
            self._listed.append(f"  {origin}: {reason}")
        if hint:
            self._hints[hint] = None

    def finish(self, good: int) -> list[RejectedRow]:
        """Raises if bad rows must stop the load, else returns the rejected rows.

        Args:
            good: how many usable examples the loader found.

        Returns:
            The rejected rows (empty unless skipping).

        Raises:
            DataError: in `"error"` mode when any row was bad, or when every row was bad.
        """
        if not self.count or (self.skip and good):
            return self.rejected
        if self.skip:
            # Every row was bad; say why, as error mode would, instead of returning nothing.
            self._listed = [f"  {r.origin}: {r.reason}" for r in self.rejected]
        lines = self._listed[:MAX_LISTED_PROBLEMS]
        if self.count > len(lines):
            lines.append(f"  ... and {self.count - len(lines)} more.")
        message = (
            f"{self.source}: expected every row to hold a usable example. Received: "
            f"{self.count} bad row(s) out of {self.count + good}:\n" + "\n".join(lines)
        )
        for hint in self._hints:
            message += f"\n{hint}"
        if good:
            message += (
                "\nFix them, or pass --on-bad-rows skip to skip them (the skipped rows are "
                "then written to the run directory)."
            )
        else:
            message += "\nNo examples are left, so there is nothing to skip to."
        raise DataError(message)


def read_labelled_table(
    path: str | os.PathLike,
    text_column: str = "text",
    label_column: str | None = "label",
    delimiter: str | None = None,
    on_bad_rows: str = "error",
    group_column: str | None = None,
    default_group_column: str | None = DEFAULT_GROUP_COLUMN,
) -> LabelledTexts:
    """Reads texts and labels (and groups, if any) from a CSV or TSV file with a header row.

    Gzip is detected from the file's first bytes, whatever its name. A tab delimiter means
    TSV, read without quoting (as GLUE's SST-2: fields hold `"` and are never quoted);
    any other delimiter means standard CSV quoting, so quoted fields may hold commas,
    doubled quotes and newlines. Texts and labels have surrounding whitespace stripped
    (SST-2 ends every sentence with a space); nothing else is changed. Blank lines are
    ignored. Origins and messages use physical line numbers, the header being line 1.

    Args:
        path: the file to read.
        text_column: the header name of the column holding the texts.
        label_column: the header name of the column holding the labels; None reads
            texts only (unlabelled text: every label is "").
        delimiter: the field delimiter. If None: tab for `.tsv`/`.tab` names, comma for
            `.csv` names (a `.gz` suffix is looked through), else tab if the header line
            holds one, else comma.
        on_bad_rows: `"error"` to raise one error listing the bad rows, `"skip"` to
            return them in `rejected`. Header problems always raise.
        group_column: the header name of a column grouping the examples (e.g. the film
            a review is about); it must exist. An empty field means no known group.
        default_group_column: read as the group column when `group_column` is None and
            the header has it (`movie`); None reads no groups unless asked.

    Returns:
        The examples in file order; `groups`/`group_name` are set when a group column
        was read.

    Raises:
        DataError: when the file is missing, unreadable, has no examples, lacks a named
            column, or (in `"error"` mode) has bad rows.
    """
    named = [column for column in (text_column, label_column, group_column) if column]
    if len(set(named)) < len(named):
        raise ValueError(
            "Expected different text, label and group columns. Received: "
            f"{text_column!r}, {label_column!r}, {group_column!r}."
        )
    source = os.fspath(path)
    bad_rows = BadRows(source, on_bad_rows)
    path = Path(path)
    if not path.is_file():
        found = "a folder" if path.is_dir() else "no such file"
        raise DataError(f"Expected a CSV or TSV file at {source}. Received: {found}.")
    with open(path, "rb") as file:
        gzipped = file.read(2) == _GZIP_MAGIC
        file.seek(0)
        stream = gzip.GzipFile(fileobj=file, mode="rb") if gzipped else file
        lines = _Lines(stream)
        try:
            columns = _Columns(text_column, label_column, group_column, default_group_column)
            texts, labels, origins, groups = _read_rows(lines, source, columns, delimiter, bad_rows)
        except (OSError, EOFError, zlib.error) as error:
            if not gzipped:
                raise
            raise DataError(
                f"{source}: expected a complete gzip file. Received one that cannot be read "
                f"after line {lines.line_number} ({error}). Compress or download it again."
            ) from error
    rejected = bad_rows.finish(len(texts))
    if groups is not None and not any(groups):
        groups = None  # An empty column groups nothing.
    return LabelledTexts(
        texts=texts,
        labels=labels,
        origins=origins,
        rejected=rejected,
        groups=groups,
        group_name=columns.group if groups is not None else None,
    )


@dataclasses.dataclass
class _Columns:
    """The columns asked for; `group` becomes the group column found (or None)."""

    text: str
    label: str
    group: str | None
    default_group: str | None


def _read_rows(
    lines: _Lines,
    source: str,
    columns: _Columns,
    delimiter: str | None,
    bad_rows: BadRows,
) -> tuple[list[str], list[str], list[str], list[str] | None]:
    """Parses the header and rows, reporting bad rows to `bad_rows`."""
    text_column, label_column = columns.text, columns.label
    if delimiter is None:
        delimiter = _infer_delimiter(source, lines.peek())
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
    texts: list[str] = []
    labels: list[str] = []
    origins: list[str] = []
    groups: list[str] | None = None
    group_index = None
    header = None
    last_line = 0
    while True:
        try:
            row, reason = next(reader), None
        except StopIteration:
            break
        except csv.Error as error:
            row, reason = None, _csv_reason(error)
        start, end = last_line + 1, reader.line_num
        last_line = end
        raw, reason = lines.take_record(reason)
        if row == []:
            continue
        origin = f"{source}:{start}"
        if header is None:
            if reason:
                hint = lines.hint(source) if lines.not_utf8 else ""
                raise DataError(f"{origin}: in the header row, {reason}. {hint}".rstrip())
            header = [name.strip() for name in row]
            text_index = _column_index(source, header, _text_column(header, text_column))
            label_index = _column_index(source, header, label_column) if label_column else None
            group_index = _group_index(source, header, columns)
            groups = None if group_index is None else []
            continue
        if reason is None:
            if len(row) != len(header):
                reason = f"expected {len(header)} fields, received {len(row)}"
                if end > start:
                    reason += f" (the row runs from line {start} to {end}; is a quote left open?)"
            elif not row[text_index].strip():
                found = "only whitespace" if row[text_index] else "an empty field"
                reason = f"expected a text in column {text_column!r}, received {found}"
            elif label_index is not None and not row[label_index].strip():
                reason = f"expected a label in column {label_column!r}, received an empty field"
        if reason:
            hint = lines.hint(source) if reason.startswith("not valid UTF-8") else None
            bad_rows.add(origin, reason, raw, hint)
            continue
        texts.append(row[text_index].strip())
        labels.append(row[label_index].strip() if label_index is not None else "")
        origins.append(origin)
        if groups is not None:
            groups.append(row[group_index].strip())
    if not texts and not bad_rows.count:
        found = "an empty file" if header is None else "only a header"
        raise DataError(
            f"{source}: no examples. Expected a header row followed by at least one row. "
            f"Received: {found}."
        )
    return texts, labels, origins, groups


class _Lines:
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
            if self.line_number == 1 and data.startswith(_UTF8_BOM):
                data = data[len(_UTF8_BOM) :]  # Spreadsheet exports start with one.
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


def _infer_delimiter(source: str, first_line: bytes) -> str:
    """Picks the delimiter from the file name, else from the header line."""
    name = source.lower().removesuffix(".gz")
    if name.endswith((".tsv", ".tab")):
        return "\t"
    if name.endswith(".csv"):
        return ","
    return "\t" if b"\t" in first_line else ","


# When the default text column is absent, the one well-known alternative present is used,
# so GLUE's SST-2 (`sentence`) trains without --text-column.
DEFAULT_TEXT_COLUMN = "text"
TEXT_COLUMN_ALTERNATIVES = ("sentence", "review")


def _text_column(header: list[str], requested: str) -> str:
    if requested != DEFAULT_TEXT_COLUMN or requested in header:
        return requested
    present = [name for name in TEXT_COLUMN_ALTERNATIVES if name in header]
    return present[0] if len(present) == 1 else requested


def _column_index(source: str, header: list[str], column: str) -> int:
    """Finds `column` in the header, or says which columns there are."""
    matches = [i for i, name in enumerate(header) if name == column]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DataError(
            f"{source}: expected one column named {column!r} in the header; received "
            f"{len(matches)} in columns {header}."
        )
    raise DataError(
        f"{source}: expected a column named {column!r} in the header; received columns "
        f"{header}. Pass --text-column/--label-column to name them."
    )


def _group_index(source: str, header: list[str], columns: _Columns) -> int | None:
    """Finds the group column (asked for, or the default one if present); None if none."""
    if columns.group is None:
        default = columns.default_group
        if default is None or default not in header or default in (columns.text, columns.label):
            return None
        columns.group = columns.default_group
    elif columns.group not in header:
        raise DataError(
            f"{source}: expected a group column named {columns.group!r} (--group-column) in "
            f"the header; received columns {header}. Name one of them, or pass "
            "--group-column none for a random validation split."
        )
    return _column_index(source, header, columns.group)


def _csv_reason(error: csv.Error) -> str:
    """Turns the csv module's terse errors into a reason a user can act on."""
    message = str(error)
    if message.startswith("field larger than field limit"):
        return (
            f"expected fields under {csv.field_size_limit()} characters, received a longer "
            "one (is a quote left open?)"
        )
    if message.startswith("new-line character seen in unquoted field"):
        return "expected line breaks inside fields to be quoted, received a bare carriage return"
    return f"expected a well-formed row, received one the csv module rejects ({message})"
