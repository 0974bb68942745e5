"""Reading translation sentence pairs, and splitting them so that test inputs are unseen."""

from __future__ import annotations

import dataclasses
import os
import random
import unicodedata
import urllib.parse
from pathlib import Path, PurePosixPath

from shared.datasets.bad_rows import BadRows
from shared.datasets.decoded_lines import DecodedLines, read_decoded_file
from shared.datasets.download import download_and_extract
from shared.datasets.errors import DataError
from shared.datasets.examples import ParallelLists, RejectedRow
from shared.datasets.grouping import connected_roots
from shared.datasets.languages import LANGUAGE_CODES, language_name

ANKI_URL_TEMPLATE = "https://www.manythings.org/anki/{code}-eng.zip"
# The 2018 snapshot the TensorFlow tutorials use; it holds `spa-eng/spa.txt`, two columns.
TENSORFLOW_SPA_ENG_URL = "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip"


@dataclasses.dataclass(frozen=True)
class SentencePairs(ParallelLists):
    """Source and target sentences, in file order.

    Attributes:
        sources: the sentences to translate, surrounding whitespace stripped (no other
            normalisation: no-break spaces and the like are left to the tokenizer).
        targets: their translations, stripped the same way.
        origins: `path:line` for each pair, for error messages.
        rejected: rows that were skipped as bad (only when the loader was told to skip).
        filtered: how many good pairs were dropped for being longer than asked.
    """

    sources: list[str]
    targets: list[str]
    origins: list[str]
    rejected: list[RejectedRow] = dataclasses.field(default_factory=list)
    filtered: int = 0

    PARALLEL = ("sources", "targets", "origins")

    def __post_init__(self):
        self.require_equal_lengths()

    def subset(self, indices) -> SentencePairs:
        """Returns the pairs at `indices` (in that order); rejected and filtered stay behind."""
        return SentencePairs(**self.taken(indices))


def read_sentence_pairs(
    path: str | os.PathLike,
    source_language: str = "spanish",
    target_language: str = "english",
    on_bad_rows: str = "error",
    max_source_words: int | None = None,
    max_target_words: int | None = None,
) -> SentencePairs:
    """Reads sentence pairs from a tab-separated file, plain or gzip-compressed.

    Two layouts are recognised from the first line:

    - a header naming the languages (`english\\tspanish`, case-insensitive; ISO codes
      such as `eng`/`es` work too), whose columns are then picked by name;
    - no header, as manythings.org/Tatoeba Anki files (`spa.txt`): English, then the
      other language, then optionally an attribution, which is ignored. The other
      language is whichever of `source_language`/`target_language` is not English.

    Fields are never quoted (Tatoeba sentences hold `"`) and are split on tabs only. Gzip
    is detected from the first bytes. Blank lines are ignored; line numbers are physical.

    Args:
        path: the file to read.
        source_language: the language to translate from, e.g. `"spanish"` or `"spa"`.
        target_language: the language to translate to.
        on_bad_rows: `"error"` to raise one error listing the bad rows, `"skip"` to
            return them in `rejected`. Header problems always raise.
        max_source_words: drop (and count in `filtered`) pairs whose source has more
            whitespace-separated words than this; None keeps all.
        max_target_words: the same for the target.

    Returns:
        The pairs in file order, with the count of length-filtered ones in `filtered`.

    Raises:
        DataError: when the file is missing or unreadable, has no pairs (left), lacks a
            language column, or (in `"error"` mode) has bad rows.
    """
    source_language = language_name(source_language)
    target_language = language_name(target_language)
    if source_language == target_language:
        raise ValueError(
            "Expected different source and target languages. Received: "
            f"{source_language!r} for both."
        )
    for name, limit in (
        ("max_source_words", max_source_words),
        ("max_target_words", max_target_words),
    ):
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(
                f"Expected {name} to be a positive integer or None. Received: {limit!r}."
            )
    source = os.fspath(path)

    def read(lines: DecodedLines) -> _PairReader:
        bad_rows = BadRows(source, on_bad_rows)
        reader = _PairReader(source, source_language, target_language, bad_rows)
        reader.read(lines)
        return reader

    reader = read_decoded_file(path, "a sentence-pair file", read)
    bad_rows = reader.bad_rows
    if not reader.sources and not bad_rows.count:
        found = "an empty file" if reader.columns is None else "only a header"
        raise DataError(f"{source}: expected at least one sentence pair. Received: {found}.")
    # Length filtering comes after, so the bad-row summary counts every well-formed row.
    rejected = bad_rows.finish(len(reader.sources))
    pairs = SentencePairs(reader.sources, reader.targets, reader.origins)
    keep = [
        i
        for i in range(len(pairs))
        if _within(pairs.sources[i], max_source_words)
        and _within(pairs.targets[i], max_target_words)
    ]
    if not keep:
        raise DataError(
            f"{source}: expected some pairs within {max_source_words} source and "
            f"{max_target_words} target words. Received: all {len(pairs)} pairs are longer."
        )
    kept = pairs.subset(keep) if len(keep) < len(pairs) else pairs
    return dataclasses.replace(kept, rejected=rejected, filtered=len(pairs) - len(keep))


def _within(sentence: str, max_words: int | None) -> bool:
    return max_words is None or len(sentence.split()) <= max_words


class _PairReader:
    """Parses decoded lines into pairs, reporting bad rows to a `BadRows`."""

    def __init__(self, source: str, source_language: str, target_language: str, bad_rows: BadRows):
        self.path = source
        self.languages = (source_language, target_language)
        self.bad_rows = bad_rows
        self.columns: tuple[int, int] | None = None  # (source column, target column)
        self.field_counts: tuple[int, ...] = ()
        self.sources: list[str] = []
        self.targets: list[str] = []
        self.origins: list[str] = []

    def read(self, lines: DecodedLines) -> None:
        for _ in lines:
            raw, problem = lines.take_record(None)
            if not raw:
                continue
            origin = f"{self.path}:{lines.line_number}"
            fields = [field.strip() for field in raw.split("\t")]
            if self.columns is None and self._read_layout(fields, problem):
                continue  # A header, not a pair.
            reason = problem or self._check(fields)
            if reason:
                hint = lines.hint(self.path) if reason.startswith("not valid UTF-8") else None
                self.bad_rows.add(origin, reason, raw, hint)
                continue
            self.sources.append(fields[self.columns[0]])
            self.targets.append(fields[self.columns[1]])
            self.origins.append(origin)

    def _read_layout(self, fields: list[str], problem: str | None) -> bool:
        """Picks the columns from the first line; returns whether it is a header."""
        names = [language_name(field) for field in fields]
        known = set(LANGUAGE_CODES) | set(self.languages)
        if problem is None and any(name in known for name in names):
            self.field_counts = (len(fields),)
            missing = [language for language in self.languages if names.count(language) != 1]
            if missing:
                raise DataError(
                    f"{self.path}: expected a header with one column for each of "
                    f"{list(self.languages)} (case-insensitive). Received: header {fields}."
                )
            self.columns = names.index(self.languages[0]), names.index(self.languages[1])
            return True
        if problem is None and _looks_like_header(fields):
            raise DataError(
                f"{self.path}: expected a header naming the languages {list(self.languages)} "
                "(case-insensitive; ISO codes such as eng/spa work too), or no header (an "
                "Anki file: English, then the other language). Received a first line that "
                f"is a header naming other languages: {fields}. Rename its columns, pass "
                "--source-language/"
                "--target-language to match them, or, if this line is a sentence pair, "
                f"add the header line '{self.languages[0]}<TAB>{self.languages[1]}' above it."
            )
        if "english" not in self.languages:
            raise DataError(
                f"{self.path}: expected a header naming the languages, or an Anki file "
                "(English, then the other language) with English as the source or target. "
                f"Received: no header, and languages {list(self.languages)}."
            )
        self.field_counts = (2, 3)  # English, other language, optional attribution.
        self.columns = (0, 1) if self.languages[0] == "english" else (1, 0)
        return False

    def _check(self, fields: list[str]) -> str | None:
        """Says what is wrong with a row's fields, or None."""
        if len(fields) not in self.field_counts:
            expected = " or ".join(str(count) for count in self.field_counts)
            return f"expected {expected} tab-separated fields, received {len(fields)}"
        for language, column in zip(self.languages, self.columns, strict=True):
            field = fields[column]
            expected = f"expected a sentence in column {column + 1} ({language}), received"
            if not field:
                return f"{expected} an empty field"
            if all(unicodedata.category(char)[0] in "PZC" for char in field):
                return f"{expected} only punctuation {field!r}"
        return None


def _looks_like_header(fields: list[str]) -> bool:
    """A first line of column names: one word per field (letters first, then letters,
    digits, `_` or `-`), nothing else. Sentence pairs hold spaces or punctuation (Anki
    files: `Go.<TAB>Ve.<TAB>CC-BY 2.0 ...`), so a header naming unknown languages
    (`klingon<TAB>vulcan`) fails loudly instead of becoming a training pair."""
    return len(fields) >= 2 and all(
        field[:1].isalpha() and all(c.isalnum() or c in "_-" for c in field) for field in fields
    )


def source_key(sentence: str) -> str:
    """Folds case, drops punctuation and collapses whitespace, so variants group together."""
    kept = "".join(char for char in sentence.casefold() if unicodedata.category(char)[0] != "P")
    return " ".join(kept.split())


def split_by_source(
    pairs: SentencePairs, test_fraction: float, seed: int, group_targets: bool = True
) -> tuple[list[int], list[int]]:
    """Splits pair indices into train and test so that no sentence is on both sides.

    Pairs are grouped by `source_key` (case-folded, punctuation dropped, whitespace
    collapsed: how the data README's held-out set was made), so `¿Qué?` and `¿qué?` fall
    together. With `group_targets`, pairs that share a target key are joined too
    (union-find over both sides), so an English sentence with several Spanish sources
    (`Go.`: `Ve.`, `Vete.`, `Váyase.`) never sits on both sides: a test reference the model
    was trained to produce would flatter the score. Whole groups are dealt to the test side
    in a seeded random order while they fit, which keeps the test size within one group of
    `test_fraction` of the pairs.

    Args:
        pairs: the pairs to split.
        test_fraction: the share of pairs to hold out, in (0, 1).
        seed: seeds the order in which groups are dealt; the same seed, the same split.
        group_targets: also keep pairs sharing a target sentence together. False gives
            the source-only split of runs made before targets were grouped.

    Returns:
        `(train_indices, test_indices)`, each sorted in file order, neither empty.

    Raises:
        DataError: when there are fewer than two distinct sources (or, grouping targets,
            fewer than two separate groups).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"Expected test_fraction in (0, 1). Received: {test_fraction!r}.")
    groups: dict[str, list[int]] = {}
    for index, sentence in enumerate(pairs.sources):
        groups.setdefault(source_key(sentence), []).append(index)
    if len(groups) < 2:
        where = pairs.origins[0].rsplit(":", 1)[0] if pairs.origins else "the pairs"
        raise DataError(
            f"{where}: expected at least 2 distinct source sentences to split into train and "
            f"test. Received: {len(groups)} among {len(pairs)} pairs."
        )
    order = list(groups.values())  # First-appearance order, so only the seed matters.
    if group_targets:
        order = _join_shared_targets(pairs, order)
        if len(order) < 2:
            where = pairs.origins[0].rsplit(":", 1)[0] if pairs.origins else "the pairs"
            raise DataError(
                f"{where}: expected at least 2 groups of pairs sharing no source or target "
                f"sentence, to split into train and test. Received: 1 among {len(pairs)} "
                "pairs."
            )
    random.Random(seed).shuffle(order)
    wanted = min(max(1, round(test_fraction * len(pairs))), len(pairs) - 1)
    train: list[int] = []
    test: list[int] = []
    for group in order:
        (test if len(test) + len(group) <= wanted else train).extend(group)
    if not test:  # Every group was larger than the whole test share.
        test, train = order[0], [i for group in order[1:] for i in group]
    return sorted(train), sorted(test)


def _join_shared_targets(pairs: SentencePairs, groups: list[list[int]]) -> list[list[int]]:
    """Merges source groups whose pairs share a target key (union-find); keeps the order
    of first appearance."""
    roots = connected_roots(
        [source_key(pairs.targets[index]) for index in group] for group in groups
    )
    joined: dict[int, list[int]] = {}
    for number, group in enumerate(groups):
        joined.setdefault(roots[number], []).extend(group)
    return [sorted(group) for group in joined.values()]


def download_anki_pairs(
    language_code: str = "spa",
    destination_dir: str | os.PathLike = "data",
    url: str | None = None,
    progress: bool = True,
) -> Path:
    """Downloads and extracts a manythings.org Anki archive, e.g. `spa-eng.zip`.

    Args:
        language_code: the archive's three-letter code, as in `spa-eng.zip`.
        destination_dir: the folder for the archive and the extracted folder.
        url: where to download from instead of `ANKI_URL_TEMPLATE` (e.g. a mirror such as
            `TENSORFLOW_SPA_ENG_URL`, or a `file://` URL).
        progress: whether to write progress lines to stderr.

    Returns:
        The path of the pair file, e.g. `<destination_dir>/spa-eng/spa.txt`, ready for
        `read_sentence_pairs`.

    Raises:
        DataError: when the download fails or the archive holds no `<code>.txt`.
    """
    if url is None:
        url, folder_name = ANKI_URL_TEMPLATE.format(code=language_code), f"{language_code}-eng"
    else:
        folder_name = None  # A mirror may name its folder differently; read it from the zip.
    folder = download_and_extract(url, destination_dir, progress=progress, folder_name=folder_name)
    path = folder / f"{language_code}.txt"
    if not path.is_file():
        found = sorted(entry.name for entry in folder.iterdir())
        archive = PurePosixPath(urllib.parse.urlparse(url).path).name
        raise DataError(f"Expected {archive} to hold {path.name}. Received: {found}.")
    return path
