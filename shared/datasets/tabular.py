"""Reading labelled texts from CSV or TSV files, plain or gzip-compressed."""

from __future__ import annotations

import csv
import dataclasses
import os

from shared.datasets.bad_rows import BadRows
from shared.datasets.decoded_lines import DecodedLines, read_decoded_file
from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts

# A review can be long (hundreds of KB); the csv module's default cap (128 KiB) would
# reject it. Texts are truncated later, by the model's vectorizer. Beyond this size a
# field is almost surely an unclosed quote swallowing the rest of the file.
MAX_FIELD_CHARS = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))

# A column of this name groups the examples by default (IMDB files: the film's id).
DEFAULT_GROUP_COLUMN = "movie"


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
    columns = _Columns(text_column, label_column, group_column, default_group_column)
    texts, labels, origins, groups = read_decoded_file(
        path,
        "a CSV or TSV file",
        lambda lines: _read_rows(lines, source, columns, delimiter, bad_rows),
    )
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
    lines: DecodedLines,
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
