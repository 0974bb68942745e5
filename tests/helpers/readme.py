"""README.md read as the README tests read it: its commands, inline code and prose.

The ```bash blocks are split into commands (lines ending in `\\` joined, `#` comments
dropped, pipes and `;`/`&&` split); `rnn-*` commands quoted inline in the prose are
fragments (no positional arguments required).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from tests.helpers.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
# The README's elision ("--sections inference ..."): not an argument.
ELLIPSIS = "..."
# Not in the repository: data beside it, build and run outputs, the venv, absolute paths.
NOT_IN_REPO = ("../", "/", "runs/", "saved_models/", "bench_runs/", "data/", ".venv/", "~")
SOURCE_SUFFIXES = (".py", ".md", ".toml", ".lock")
PATH_TOKEN = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?")
PYTHON_M = re.compile(r"(?<![\w/.-])python(?:3(?:\.\d+)?)?\s+-m\b")
NOTE_START = re.compile(r"^\s*(?:>\s*)?(?:\*\*|_)?note\b", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """One command of the README: where it is and what it says."""

    line: int  # README line number where it starts
    text: str  # as written: continuation lines joined, comment dropped
    argv: tuple[str, ...]  # shell words, for one command of a pipeline
    inline: bool = False  # quoted in the prose rather than in a ```bash block

    @property
    def where(self) -> str:
        kind = "inline code" if self.inline else "bash block"
        return f"README.md:{self.line} ({kind}): `{self.text}`"


def fenced_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(language, first content line number, lines) for every ``` block, indented or not."""
    blocks, language, start, body = [], None, 0, []
    for number, line in enumerate(text.splitlines(), 1):
        fence = re.match(r"^\s*```(\w*)\s*$", line)
        if fence and language is None:
            language, start, body = fence.group(1), number + 1, []
        elif fence and not fence.group(1):
            blocks.append((language, start, body))
            language = None
        elif language is not None:
            body.append(line)
    return blocks


def shell_words(line: str) -> list[str]:
    """Shell words of one logical line, `#` comments dropped, `|`, `;`, `&&` kept apart."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|;&")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def split_pipeline(words: list[str]) -> list[list[str]]:
    commands, current = [], []
    for word in words:
        if word and set(word) <= set("|;&"):
            commands.append(current)
            current = []
        else:
            current.append(word)
    commands.append(current)
    return [c for c in commands if c]


def strip_comment(line: str) -> str:
    """The line without its trailing comment (for messages; quotes respected)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def bash_commands(text: str) -> list[Command]:
    """Every command of every ```bash block."""
    commands = []
    for language, start, body in fenced_blocks(text):
        if language != "bash":
            continue
        logical, first = "", None
        for number, line in enumerate(body, start):
            first = number if first is None else first
            if line.rstrip().endswith("\\"):
                logical += line.rstrip()[:-1] + " "
                continue
            logical = strip_comment(logical + line).strip()
            for argv in split_pipeline(shell_words(logical)):
                commands.append(Command(first, " ".join(logical.split()), tuple(argv)))
            logical, first = "", None
    return commands


def prose(text: str) -> str:
    """The README with fenced blocks blanked (line numbers kept)."""
    lines, inside = text.splitlines(), False
    for index, line in enumerate(lines):
        fence = line.strip().startswith("```")
        if fence or inside:
            lines[index] = ""
        if fence:
            inside = not inside
    return "\n".join(lines)


def inline_spans(text: str) -> list[tuple[int, str]]:
    """(line number, text) of every `code span` in the prose, whitespace normalised."""
    body = prose(text)
    return [
        (body.count("\n", 0, match.start()) + 1, " ".join(match.group(1).split()))
        for match in re.finditer(r"`([^`]+)`", body)
    ]


def inline_commands(text: str) -> list[Command]:
    """`rnn-* ...` and `make TARGET ...` quoted in the prose (bare script names excluded)."""
    commands = []
    for line, span in inline_spans(text):
        try:
            argv = shell_words(span)
        except ValueError:
            continue
        if len(argv) < 2:
            continue
        if argv[0].startswith("rnn-") or (argv[0] == "make" and not argv[1].startswith("-")):
            commands.append(Command(line, span, tuple(argv), inline=True))
    return commands


README_TEXT = README.read_text(encoding="utf-8")
BASH = bash_commands(README_TEXT)
INLINE = inline_commands(README_TEXT)


def of_program(commands: list[Command], predicate) -> list[Command]:
    return [c for c in commands if c.argv and predicate(c.argv[0])]


def ids(commands: list[Command]) -> list[str]:
    return [f"L{c.line}:{' '.join(c.argv)[:60]}" for c in commands]
