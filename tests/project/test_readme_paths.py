"""Every repository path README.md names exists, and it runs modules only through rnn-*.

Paths that point into the repository (commands, inline code, links, the Layout tree) must
exist; data in ../shared/data, outputs (runs/, saved_models/, bench_runs/) and user files
are not looked for. `python -m ...` appears only in a paragraph marked as a note;
`.venv/bin/python -m` written out in full is allowed.
"""

from __future__ import annotations

import re

from tests.helpers.paths import REPO_ROOT
from tests.helpers.readme import (
    NOT_IN_REPO,
    NOTE_START,
    PATH_TOKEN,
    PYTHON_M,
    README_TEXT,
    SOURCE_SUFFIXES,
    bash_commands,
    fenced_blocks,
    inline_spans,
    prose,
)


def source_dirs() -> set[str]:
    """Top-level folders of the repository that hold its files (not outputs or the venv)."""
    return {
        p.name
        for p in REPO_ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.name.endswith(".egg-info")
    } - {prefix.rstrip("/") for prefix in NOT_IN_REPO}


def repo_path(token: str) -> str | None:
    """The repository path a README token names, or None if it names none."""
    token = token.split("#", 1)[0].rstrip(".,;:)")
    if not PATH_TOKEN.fullmatch(token) or "/" not in token or token.startswith(NOT_IN_REPO):
        return None
    if token.split("/", 1)[0] in source_dirs() or token.endswith(SOURCE_SUFFIXES):
        return token
    return None


def layout_paths(text: str) -> list[tuple[int, str]]:
    """Entries of the tree under "## Layout": top-level folders and their children."""
    heading = text.find("\n## Layout")
    assert heading >= 0, "README has no '## Layout' section"
    offset = text.count("\n", 0, heading) + 1
    trees = [
        (first, body) for lang, first, body in fenced_blocks(text) if not lang and first > offset
    ]
    assert trees, "no tree block under '## Layout'"
    start, body = trees[0]
    paths, parent = [], ""
    for number, line in enumerate(body, start):
        entry = re.match(r"^( {0,2})(\S+)", line)
        if not entry:
            continue  # a description's continuation line
        name = entry.group(2)
        if not entry.group(1):
            parent = name if name.endswith("/") else ""
            paths.append((number, name))
        elif parent:
            paths.append((number, parent + name))
    return paths


def readme_paths(text: str) -> list[tuple[int, str, str]]:
    """(line, path, where) for every repository path the README names."""
    found = []
    for command in bash_commands(text):
        for word in command.argv:
            for part in word.split("=", 1)[-1:]:
                if (path := repo_path(part)) is not None:
                    found.append((command.line, path, "command"))
    for line, span in inline_spans(text):
        for word in span.split():
            if (path := repo_path(word)) is not None:
                found.append((line, path, "inline code"))
    body = prose(text)
    for match in re.finditer(r"\]\(([^)\s]+)\)", body):
        target = match.group(1).split("#", 1)[0]
        if target and "://" not in target:
            found.append((body.count("\n", 0, match.start()) + 1, target, "link"))
    for line, path in layout_paths(text):
        if not path.startswith(NOT_IN_REPO):
            found.append((line, path, "Layout tree"))
    return found


def test_repository_paths_exist():
    paths = readme_paths(README_TEXT)
    assert len(paths) >= 20, f"too few repository paths found: {paths}"
    missing = [
        f"README.md:{line} ({kind}): {path}"
        for line, path, kind in paths
        if not (REPO_ROOT / path).exists()
    ]
    assert not missing, "README names paths that do not exist:\n" + "\n".join(missing)


def test_link_anchors_exist():
    """`[...](FILE.md#anchor)` points at a heading of FILE.md (GitHub's slugs)."""

    def slug(heading: str) -> str:
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    body = prose(README_TEXT)
    bad = []
    for match in re.finditer(r"\]\(([^)\s#]+\.md)#([^)\s]+)\)", body):
        target = REPO_ROOT / match.group(1)
        if not target.is_file():
            continue  # reported by test_repository_paths_exist
        headings = re.findall(r"^#+\s+(.*)$", target.read_text(encoding="utf-8"), re.MULTILINE)
        if match.group(2) not in {slug(h) for h in headings}:
            line = body.count("\n", 0, match.start()) + 1
            bad.append(f"README.md:{line}: {match.group(1)}#{match.group(2)}")
    assert not bad, "links to headings that do not exist:\n" + "\n".join(bad)


def python_m_outside_notes(text: str) -> list[str]:
    """Lines using `python -m` outside a paragraph that starts with "Note"."""
    bad, paragraph_start = [], ""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("```"):
            paragraph_start = ""
            continue
        paragraph_start = paragraph_start or line
        if PYTHON_M.search(line) and not NOTE_START.match(paragraph_start):
            bad.append(f"README.md:{number}: {line.strip()}")
    return bad


def test_no_python_m_outside_notes():
    bad = python_m_outside_notes(README_TEXT)
    assert not bad, "README runs modules with `python -m`; use the rnn-* scripts:\n" + "\n".join(
        bad
    )


def test_python_m_rule_itself():
    assert python_m_outside_notes("run `python -m apps.sentiment train`\n") != []
    assert python_m_outside_notes("```bash\npython3 -m pytest\n```\n") != []
    assert python_m_outside_notes("or `.venv/bin/python -m pytest -q`\n") == []
    assert python_m_outside_notes("**Note:** the old\nway, `python -m apps.sentiment`\n") == []
    assert python_m_outside_notes("rnn-serve\n") == []
