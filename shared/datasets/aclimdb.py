"""Reading labelled texts from one folder per class, as in aclImdb (`train/pos/0_9.txt`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from shared.datasets.bad_rows import BadRows
from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts

# aclImdb's `train/unsup` holds unlabelled reviews; it is not a class.
IGNORED_FOLDERS = frozenset({"unsup"})
_LISTED_ENTRIES = 8
# aclImdb's urls_*.txt hold IMDb pages such as http://www.imdb.com/title/tt0453418/...
_TITLE_ID = re.compile(r"\btt\d+")
MOVIE_GROUP = "movie"
_REENCODE_HINT = (
    "Re-encode those files as UTF-8 from their real encoding, "
    "e.g. `iconv -f latin1 -t utf-8 bad.txt > good.txt`."
)


def read_class_folders(
    path: str | os.PathLike,
    on_bad_rows: str = "error",
    ignored_folders: frozenset[str] = IGNORED_FOLDERS,
    read_groups: bool = True,
) -> LabelledTexts:
    """Reads one example per `*.txt` file, labelled with the name of its folder.

    `path` is either a split folder holding one sub-folder per class (`aclImdb/train`,
    `aclImdb/test`: `pos/`, `neg/`), or an aclImdb root holding `train/`, which is then
    read. `unsup/`, hidden folders and loose files (`urls_pos.txt`, `labeledBow.feat`)
    are ignored. Classes and files come in sorted name order, so the result does not
    depend on the file system. Texts have surrounding whitespace stripped, as in
    `read_labelled_table`.

    Groups: when `urls_<class>.txt` lies beside a class folder (aclImdb's `urls_pos.txt`
    beside `pos/`), line N holds the IMDb page of the film that review id N (file
    `<id>_<rating>.txt`) is about, and its title id (`tt0453418`) becomes the example's
    group, named `"movie"`. Reviews without one get the group `""`.

    Args:
        path: the split folder or the aclImdb root.
        on_bad_rows: `"error"` to raise one error listing the bad files (empty, not
            UTF-8, holding NUL bytes), `"skip"` to return them in `rejected`.
        ignored_folders: sub-folders that are not classes (`unsup/`; pretraining, which
            ignores labels, passes an empty set to read the unlabelled reviews too).
        read_groups: whether to read the films from `urls_<class>.txt` files.

    Returns:
        The examples; each origin is the path of the example's file.

    Raises:
        DataError: when `path` is not a folder, holds no class folders, has a class
            folder without `.txt` files, or (in `"error"` mode) has bad files.
    """
    root = Path(path)
    if not root.is_dir():
        found = "a file" if root.exists() else "nothing"
        raise DataError(
            f"Expected a folder of class folders (such as aclImdb/train) at {os.fspath(path)}. "
            f"Received: {found}."
        )
    if (root / "train").is_dir() and (root / "test").is_dir():
        # Guessing here could score a model on its own training data.
        raise DataError(
            f"{root}: expected a split folder with one sub-folder per class. Received an "
            f"aclImdb root with train/ and test/: pass {root / 'train'} to train or "
            f"{root / 'test'} to evaluate."
        )
    split = root / "train" if (root / "train").is_dir() else root
    class_folders = sorted(
        entry.path
        for entry in os.scandir(split)
        if entry.is_dir() and entry.name not in ignored_folders and not entry.name.startswith(".")
    )
    if not class_folders:
        raise DataError(
            f"{split}: expected one sub-folder per class holding .txt files (such as pos/ and "
            f"neg/), or an aclImdb root holding train/. Received: {_describe(split)}. If this "
            "is itself a class folder, pass its parent."
        )
    bad_rows = BadRows(str(split), on_bad_rows)
    texts: list[str] = []
    labels: list[str] = []
    origins: list[str] = []
    groups: list[str] = []
    for folder in class_folders:
        # scandir's entries know whether they are files without one stat call each, which
        # matters for aclImdb's 25,000 files per split.
        files = sorted(
            entry.path
            for entry in os.scandir(folder)
            if entry.name.endswith(".txt") and entry.is_file()
        )
        if not files:
            raise DataError(
                f"{folder}: expected a class folder holding one .txt file per example. "
                f"Received: {_describe(Path(folder))}."
            )
        label = os.path.basename(folder)
        films = _films_by_review_id(Path(split) / f"urls_{label}.txt") if read_groups else {}
        for file in files:
            text, reason, raw = _read_text(file)
            if reason:
                hint = _REENCODE_HINT if reason.startswith("not valid UTF-8") else None
                bad_rows.add(file, reason, raw, hint)
                continue
            texts.append(text)
            labels.append(label)
            origins.append(file)
            review_id = os.path.basename(file).split("_", 1)[0]
            groups.append(films.get(int(review_id), "") if review_id.isdigit() else "")
    rejected = bad_rows.finish(len(texts))
    grouped = any(groups)
    return LabelledTexts(
        texts=texts,
        labels=labels,
        origins=origins,
        rejected=rejected,
        groups=groups if grouped else None,
        group_name=MOVIE_GROUP if grouped else None,
    )


def _films_by_review_id(urls_file: Path) -> dict[int, str]:
    """Review id (line number from 0) -> IMDb title id, from an aclImdb `urls_*.txt`."""
    if not urls_file.is_file():
        return {}
    films = {}
    with open(urls_file, encoding="utf-8", errors="replace") as lines:
        for review_id, line in enumerate(lines):
            match = _TITLE_ID.search(line)
            if match:
                films[review_id] = match.group(0)
    return films


def _read_text(file: str) -> tuple[str, str | None, str]:
    """Returns a file's stripped text, what is wrong with it (or None), and its raw text."""
    data = Path(file).read_bytes()
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raw = data.decode("utf-8", errors="replace")
        return (
            "",
            (
                f"not valid UTF-8: expected UTF-8 text, received byte 0x{data[error.start]:02x} "
                f"at offset {error.start}"
            ),
            raw,
        )
    if "\0" in raw:
        return "", f"expected text, received a NUL byte at offset {data.index(0)}", raw
    text = raw.removeprefix("\ufeff").strip()  # A BOM is an encoding mark, not text.
    if not text:
        found = "only whitespace" if raw else "an empty file"
        return "", f"expected a text, received {found}", raw
    return text, None, raw


def _describe(folder: Path) -> str:
    """Lists a few of a folder's entries, folders marked with a slash."""
    names = sorted(e.name + ("/" if e.is_dir() else "") for e in os.scandir(folder))
    if not names:
        return "an empty folder"
    listed = names[:_LISTED_ENTRIES]
    more = f" and {len(names) - len(listed)} more" if len(names) > len(listed) else ""
    return f"{listed}{more}"
