"""Every command in README.md, checked as written (issue 16).

The README's ```bash blocks are split into commands (lines ending in `\\` joined, `#`
comments dropped, pipes and `;`/`&&` split), and each one is checked without training:

- `rnn-*`: the real argparse parser of that console script accepts the command line, and
  every `--flag` is spelled exactly as the parser defines it (argparse would otherwise
  accept a prefix such as `--epoch`). `rnn-*` commands quoted inline in the prose are
  checked the same way for their subcommand and flags (they are fragments, so positional
  arguments are not required there).
- `make X VAR=...`: `make -n` succeeds with the variables as written, every variable is used
  by the Makefile, and the `rnn-*` command lines the recipe would run are parsed as above
  (so the flags inside `RUN_ARGS="..."` and `BENCH_ARGS="..."` are checked too).
- paths that point into the repository (commands, inline code, links, the Layout tree)
  exist; data in ../shared/data, outputs (runs/, saved_models/, bench_runs/) and user files
  are not looked for.
- `python -m ...` appears only in a paragraph marked as a note (the README runs everything
  through the rnn-* scripts); `.venv/bin/python -m` written out in full is allowed.
- `--help` of every rnn-* script and of every subcommand the README uses runs for real in
  the venv and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import subprocess
import tomllib
from unittest import mock

import pytest

import apps.sentiment.cli as sentiment_cli
import apps.serve.__main__ as serve_main
import apps.translation.cli as translation_cli
import benchmarks.__main__ as bench_main
import shared.edge.__main__ as edge_main
from tests.helpers.paths import REPO_ROOT
from tests.helpers.readme import (
    BASH,
    ELLIPSIS,
    INLINE,
    Command,
    bash_commands,
    ids,
    of_program,
)

MAKEFILE = REPO_ROOT / "Makefile"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
# Each console script's own parse step, exactly as its `main` calls it.
PARSE = {
    "rnn-sentiment": lambda argv: sentiment_cli.build_parser().parse_args(argv),
    "rnn-translate": lambda argv: translation_cli.build_parser().parse_args(argv),
    "rnn-serve": serve_main.parse_args,
    "rnn-edge": edge_main.parse_args,
    "rnn-bench": lambda argv: bench_main.build_parser().parse_args(argv),
}


class _Captured(Exception):
    pass


def top_parser(script: str) -> argparse.ArgumentParser:
    """The parser object the script's parse step builds (caught as it starts parsing)."""
    captured = []

    def capture(self, *args, **kwargs):
        captured.append(self)
        raise _Captured

    with mock.patch.object(argparse.ArgumentParser, "parse_args", capture):
        with contextlib.suppress(_Captured):
            PARSE[script]([])
    return captured[0]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def check_names(script: str, argv: list[str], where: str) -> None:
    """The script exists, its subcommand exists, and every flag is spelled exactly."""
    assert script in PARSE, f"{where}\n  {script!r} is not a console script ({sorted(PARSE)})"
    parser = top_parser(script)
    allowed = option_strings(parser)
    commands = subcommands(parser)
    if commands and argv and not argv[0].startswith("-"):
        assert argv[0] in commands, (
            f"{where}\n  {script} has no subcommand {argv[0]!r} (it has {sorted(commands)})"
        )
        allowed |= option_strings(commands[argv[0]])
    for word in argv:
        if word == "--":
            break
        if word.startswith("-") and len(word) > 1 and not word[1:2].isdigit():
            flag = word.split("=", 1)[0]
            assert flag in allowed, (
                f"{where}\n  {script} {argv[0] if commands else ''} has no flag {flag!r} "
                f"(it has {sorted(allowed)})"
            )


def check_parses(script: str, argv: list[str], where: str) -> None:
    """The script's real parser accepts the whole command line (help counts as accepted)."""
    check_names(script, argv, where)
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            PARSE[script](argv)
        except SystemExit as exit_:
            assert exit_.code in (0, None), (
                f"{where}\n  {script} rejected {argv}:\n{errors.getvalue()}"
            )


def without_ellipsis(argv) -> list[str]:
    """Elided arguments dropped; an elided make value (`DATA=...`) becomes a placeholder."""
    return [
        word.removesuffix(ELLIPSIS) + "PLACEHOLDER" if word.endswith("=" + ELLIPSIS) else word
        for word in argv
        if word != ELLIPSIS
    ]


def make_dry_run(argv: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return subprocess.run(
        ["make", "-n", *argv[1:]],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def check_make(command: Command) -> None:
    where = command.where
    argv = without_ellipsis(command.argv)
    makefile = MAKEFILE.read_text(encoding="utf-8")
    targets = [word for word in argv[1:] if "=" not in word]
    assert targets, f"{where}\n  names no make target"
    for word in argv[1:]:
        if "=" in word:
            variable = word.split("=", 1)[0]
            assert re.search(rf"\$[({{]{re.escape(variable)}[)}}]", makefile), (
                f"{where}\n  the Makefile never uses {variable} (passed as {word!r})"
            )
    result = make_dry_run(argv)
    assert result.returncode == 0, (
        f"{where}\n  `make -n {' '.join(argv[1:])}` failed:\n{result.stderr}"
    )
    # The rnn-* lines the recipe would run: RUN_ARGS/BENCH_ARGS flags reach a real parser.
    for line in result.stdout.splitlines():
        found = re.match(r"^\s*(?:\S*/)?(rnn-[a-z]+)\b(.*)$", line)
        if found:
            check_parses(
                found.group(1),
                without_ellipsis(shlex.split(found.group(2))),
                f"{where}\n  (recipe line: {line.strip()})",
            )


RNN_BASH = of_program(BASH, lambda program: program.startswith("rnn-"))
RNN_INLINE = of_program(INLINE, lambda program: program.startswith("rnn-"))
MAKE_ALL = of_program(BASH + INLINE, lambda program: program == "make")


def test_extraction_found_the_documented_commands():
    """Guards the extractor: a parsing slip must not leave the checks with nothing to do."""
    texts = {" ".join(c.argv) for c in BASH}
    assert "rnn-sentiment predict" in texts  # the right side of `echo ... | rnn-sentiment`
    assert "echo I expected to hate it, but it won me over" in texts
    assert any(
        c.argv[:2] == ("rnn-sentiment", "pretrain") and c.argv.count("--data") == 2 for c in BASH
    ), "continuation lines (`\\`) were not joined"
    assert not any("#" in word for c in BASH for word in c.argv if word.startswith("#"))
    programs = {c.argv[0] for c in BASH}
    assert {"rnn-sentiment", "rnn-translate", "rnn-edge", "make"} <= programs
    assert len(RNN_BASH) >= 10 and len(MAKE_ALL) >= 10
    # One stray backtick shifts every later inline span; the unbalanced ones then fail to
    # parse and are skipped silently (a README edit once dropped 21 -> 4 inline commands).
    assert len(RNN_INLINE) >= 15 and len(MAKE_ALL) >= 25


def test_console_scripts_match_pyproject():
    """PARSE covers exactly the scripts `make install` puts on PATH."""
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert set(scripts) == set(PARSE)


@pytest.mark.parametrize("command", RNN_BASH, ids=ids(RNN_BASH))
def test_rnn_command_is_accepted_by_its_parser(command: Command):
    check_parses(command.argv[0], list(command.argv[1:]), command.where)


@pytest.mark.parametrize("command", RNN_INLINE, ids=ids(RNN_INLINE))
def test_inline_rnn_command_names_real_subcommand_and_flags(command: Command):
    check_names(command.argv[0], without_ellipsis(command.argv[1:]), command.where)


@pytest.mark.parametrize("command", MAKE_ALL, ids=ids(MAKE_ALL))
def test_make_command_dry_runs(command: Command):
    check_make(command)


def test_checks_reject_broken_commands():
    """The checks above fail, naming the README line, on the mistakes they exist to catch."""
    broken = """\
```bash
rnn-sentiment train --epoch 5       # a prefix argparse would silently accept
rnn-sentiment trian
echo "x" | rnn-translate translate --beam 2
rnn-bench --quik
rnn-sentiment evaluate --run-dir runs/x   # --data is required
make train-sentiment DATSET=x
make train-sentimental
make train-sentiment RUN_ARGS="--epochs-count 5"
```
"""
    commands = bash_commands(broken)
    assert [c.line for c in commands] == [2, 3, 4, 4, 5, 6, 7, 8, 9]
    for command in commands:
        if command.argv[0] == "echo":
            continue
        check = check_make if command.argv[0] == "make" else None
        with pytest.raises(AssertionError, match=re.escape(f"README.md:{command.line}")):
            if check:
                check(command)
            else:
                check_parses(command.argv[0], list(command.argv[1:]), command.where)


def help_commands() -> list[tuple[str, ...]]:
    """`SCRIPT --help` for every script, `SCRIPT SUB --help` for every subcommand used."""
    wanted = set()
    for command in RNN_BASH + RNN_INLINE:
        script, rest = command.argv[0], command.argv[1:]
        wanted.add((script, "--help"))
        if rest and not rest[0].startswith("-") and subcommands(top_parser(script)):
            wanted.add((script, rest[0], "--help"))
    wanted |= {(script, "--help") for script in PARSE}
    return sorted(wanted)


@pytest.mark.parametrize("argv", help_commands(), ids=" ".join)
def test_help_runs_in_the_venv(argv: tuple[str, ...]):
    script = VENV_BIN / argv[0]
    assert script.is_file(), f"{script} missing: run `make install`"
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env["VIRTUAL_ENV"] = str(VENV_BIN.parent)
    result = subprocess.run(
        list(argv), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, (
        f"`{' '.join(argv)}` exited {result.returncode}:\n{result.stderr}"
    )
    assert result.stdout.startswith(f"usage: {argv[0]}"), result.stdout[:200]
