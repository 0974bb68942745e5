"""Where sentiment examples come from: the embedded corpus, a table file, or class folders."""

from __future__ import annotations

import dataclasses
import functools
import random
from pathlib import Path

from apps.sentiment.corpus import DEFAULT_SEED, generate_reviews
from apps.sentiment.corpus.everyday import (
    generate_everyday_reviews,
    generate_lexicon_drills,
    neutral_sentences,
)
from shared.datasets.aclimdb import IGNORED_FOLDERS, MOVIE_GROUP, read_class_folders
from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts
from shared.datasets.tabular import DEFAULT_GROUP_COLUMN, read_labelled_table
from shared.datasets.treebank_text import untokenize_treebank

EMBEDDED = "embedded"
NO_GROUPS = "none"  # --group-column none: a random validation split
# Evaluating on "embedded" draws reviews with another seed; exact repeats of training
# texts are removed, so the score is on text the model has not seen.
HELD_OUT_SEED_OFFSET = 1
HELD_OUT_SIZE = 2000
# The embedded corpus: word-order constructions, everyday reviews in four domains, and
# drills that use every lexicon word several times (see the `apps.sentiment.corpus` package).
GRAMMAR_REVIEWS = 12000
EVERYDAY_REVIEWS = 24000
LEXICON_DRILLS = 12000


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """How to read a data source (the CLI's `--text-column`, `--label-column`, ...)."""

    text_column: str = "text"
    label_column: str = "label"
    on_bad_rows: str = "error"
    # Groups kept on one side of the validation split: None reads a `movie` column when
    # the file has one (and aclImdb's urls_*.txt); a name requires that column; `"none"`
    # reads no groups (a random split).
    group_column: str | None = None
    # Class folders: also read `unsup/` (pretraining ignores labels; training must not,
    # as `unsup/` is not a class).
    read_unlabelled_folders: bool = False
    # Train on labels that look like typos (`maybe` among 0/1) as classes of their own
    # (`--allow-odd-labels`); by default training refuses them (`LabelSet.infer`).
    allow_odd_labels: bool = False

    @classmethod
    def from_args(cls, args) -> DataOptions:
        """The options a command's flags give (flags a command lacks keep their default)."""
        return cls(
            args.text_column,
            args.label_column,
            args.on_bad_rows,
            group_column=getattr(args, "group_column", None),
            allow_odd_labels=getattr(args, "allow_odd_labels", False),
        )


@functools.cache
def _neutral_context() -> tuple[str, ...]:
    """Label-free Tatoeba sentences, filtered once per process (the corpus and its
    held-out draw both use them)."""
    from shared.corpora.tatoeba import tatoeba_spanish_english

    # Sorted so the neutral pool does not depend on the slice's row order.
    return tuple(neutral_sentences(sorted({e for _, e in tatoeba_spanish_english()})))


def embedded_corpus(seed: int = DEFAULT_SEED, scale: float = 1.0) -> tuple[list[str], list[str]]:
    """The default training corpus: `(texts, labels)`, deterministic for a seed.

    `scale` multiplies every part's size (the held-out set draws a smaller one).
    """
    context = _neutral_context()
    parts = (
        generate_reviews(round(GRAMMAR_REVIEWS * scale), seed),
        generate_everyday_reviews(round(EVERYDAY_REVIEWS * scale), seed + 1, context),
        generate_lexicon_drills(round(LEXICON_DRILLS * scale), seed + 2),
    )
    texts = [text for part in parts for text in part[0]]
    labels = [label for part in parts for label in part[1]]
    return texts, labels


def embedded_held_out() -> LabelledTexts:
    """Generated reviews the default corpus does not contain (for `evaluate --data embedded`)."""
    seen = set(embedded_corpus()[0])
    texts, labels = embedded_corpus(DEFAULT_SEED + 100 * HELD_OUT_SEED_OFFSET, scale=0.1)
    kept = [(t, y) for t, y in zip(texts, labels, strict=True) if t not in seen]
    random.Random(DEFAULT_SEED).shuffle(kept)  # every part of the corpus, not the first only
    kept = kept[:HELD_OUT_SIZE]
    return LabelledTexts(
        [t for t, _ in kept],
        [y for _, y in kept],
        [f"{EMBEDDED}-held-out:{i + 1}" for i in range(len(kept))],
    )


def load_examples(source: str | Path | None, options: DataOptions = DataOptions()) -> LabelledTexts:
    """Reads labelled texts from `source`.

    Args:
        source: `None` or `"embedded"` for the built-in generated corpus; a folder in the
            aclImdb layout (`pos/`, `neg/`, ... one folder per class); or a CSV/TSV file
            (plain or gzip) with a header.
        options: column names and what to do with bad rows.

    Raises:
        DataError: the source is missing or unusable; the message names file and line.
    """
    if source is None or str(source) == EMBEDDED:
        texts, labels = embedded_corpus()
        return LabelledTexts(texts, labels, [f"{EMBEDDED}:{i + 1}" for i in range(len(texts))])
    path = Path(source)
    no_groups = options.group_column == NO_GROUPS
    if path.is_dir():
        if options.group_column not in (None, NO_GROUPS, MOVIE_GROUP):
            raise DataError(
                f"{path}: a folder of class folders is grouped by the films in its "
                f"urls_<class>.txt files, not by a column. Received --group-column "
                f"{options.group_column!r}; leave it out, or pass 'none' for a random split."
            )
        ignored = frozenset() if options.read_unlabelled_folders else IGNORED_FOLDERS
        data = read_class_folders(
            path, options.on_bad_rows, ignored_folders=ignored, read_groups=not no_groups
        )
        return as_people_write(path, data)
    if path.is_file():
        data = read_labelled_table(
            path,
            text_column=options.text_column,
            label_column=options.label_column,
            on_bad_rows=options.on_bad_rows,
            group_column=None if no_groups else options.group_column,
            default_group_column=None if no_groups else DEFAULT_GROUP_COLUMN,
        )
        return as_people_write(path, data)
    raise DataError(
        f"Expected --data to be a CSV/TSV file, a folder of class sub-folders, or "
        f"'{EMBEDDED}'. Received: {source} (no such file or folder)."
    )


def as_people_write(source, data: LabelledTexts) -> LabelledTexts:
    """`data` with treebank-split contractions re-attached ("does n't" -> "doesn't"), so
    a model trained or scored on SST-2-style text reads the words users type; says so when
    it changed anything."""
    texts, changed = untokenize_treebank(data.texts)
    if changed:
        print(
            f"{source}: {changed:,} of {len(texts):,} texts had treebank-split "
            'contractions or quotes ("does n\'t", "film \'s", ``): re-attached as users '
            'write them ("doesn\'t", "film\'s", ")'
        )
    return dataclasses.replace(data, texts=texts)


def load_training_examples(source: str | Path | None, options: DataOptions) -> LabelledTexts:
    """`train`'s data: `load_examples`, where class folders never read `unsup/` (it is
    not a class; pretraining reads it)."""
    return load_examples(source, dataclasses.replace(options, read_unlabelled_folders=False))
