"""Markdown tables, sections and the BENCHMARKS.md file they are written into.

BENCHMARKS.md mixes generated blocks (one per section, between marker comments) with the
hand-written experiment log. Running one section replaces only its own block, so the log
and the other sections' last measurements stay.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

HEADER = "# Benchmarks\n\n"
EXPERIMENTS_HEADING = "## Experiment log"


def ratio(numerator: float, denominator: float) -> str:
    """`"2.31x"`, `"0.0038x"` (two significant digits below 0.1, never a bare `0.00x`);
    `"n/a"` when either side is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return "n/a"
    value = numerator / denominator
    return f"{value:.2f}x" if value == 0 or abs(value) >= 0.1 else f"{value:.2g}x"


def cell(value: Any) -> str:
    """A table cell: floats rounded for reading, None as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


@dataclasses.dataclass
class Table:
    """One markdown table; `rows` hold raw values, formatted by `cell`."""

    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""

    def to_markdown(self) -> str:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Expected {len(self.columns)} cells per row ({self.columns}). "
                    f"Received {len(row)}: {row}"
                )
        lines = []
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


@dataclasses.dataclass
class Section:
    """A section's output: what BENCHMARKS.md shows and the raw numbers behind it.

    Attributes:
        key: marker name (`sentiment`, `translation`, `inference`).
        title: the section heading.
        tables: in display order.
        plots: PNG paths (relative to the repository root, as BENCHMARKS.md sits there).
        notes: bullet points under the tables (what was skipped and why, caveats).
        results: raw numbers, written to `<work_dir>/<key>.json`.
        command: the command line that produced it.
    """

    key: str
    title: str
    tables: list[Table] = dataclasses.field(default_factory=list)
    plots: list[Path] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    results: dict = dataclasses.field(default_factory=dict)
    command: str = ""

    def to_markdown(self, measured_on: str, base_dir: Path | None = None) -> str:
        """The section as markdown; plot links are relative to `base_dir` (the file's)."""
        parts = [
            f"## {self.title}\n",
            f"_Measured {measured_on}_"
            + (f" with `{self.command}`." if self.command else ".")
            + "\n",
        ]
        parts += [table.to_markdown() for table in self.tables]
        for plot in self.plots:
            link = Path(os.path.relpath(Path(plot).resolve(), (base_dir or Path()).resolve()))
            parts.append(f"![{Path(plot).stem}]({link.as_posix()})\n")
        if self.notes:
            parts.append("\n".join(f"- {note}" for note in self.notes) + "\n")
        return "\n".join(parts)


def _markers(key: str) -> tuple[str, str]:
    return f"<!-- bench:{key}:begin -->", f"<!-- bench:{key}:end -->"


def update_benchmarks_file(path: Path, section: Section, measured_on: str) -> None:
    """Writes `section`'s block into `path`, replacing its previous block if any.

    New blocks go before the experiment log; everything outside the markers is kept.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    begin, end = _markers(section.key)
    block = f"{begin}\n{section.to_markdown(measured_on, path.parent)}{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    elif EXPERIMENTS_HEADING in text:
        head, tail = text.split(EXPERIMENTS_HEADING, 1)
        text = f"{head.rstrip()}\n\n{block}\n\n{EXPERIMENTS_HEADING}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{block}\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def save_results(work_dir: Path, section: Section) -> Path:
    """Raw numbers of a section as JSON beside its runs (for plots and later comparisons)."""
    out = Path(work_dir) / f"{section.key}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(section.results, indent=2, ensure_ascii=False), encoding="utf-8")
    return out
