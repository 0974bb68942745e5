"""Word vectors for the classifier's embedding: from a file (`train --embeddings FILE`) or
learned from unlabelled in-domain text first (`train --unlabelled U`, `word-vectors`).

Learned vectors are cached in the run folder (`word_vectors.bin` + `word_vectors.json`),
so a resumed run reuses them instead of learning them again.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from apps.sentiment.data import NO_GROUPS, DataOptions
from shared.cli import print_json_line
from shared.embeddings.embedding_matrix import EmbeddingInit, embedding_matrix
from shared.embeddings.learned_vectors import WordVectorConfig, learn_word_vectors
from shared.embeddings.vector_files import inspect_vector_file
from shared.training.run_directory import RunDirectory, write_json_atomic

LEARNED_VECTORS_FILE = "word_vectors.bin"
LEARNED_VECTORS_STATS = "word_vectors.json"


@dataclasses.dataclass(frozen=True)
class EmbeddingSource:
    """Where the embedding starts from: a vector file, or vectors learned from unlabelled
    text first. Empty (the default): a random embedding, as before."""

    file: str | Path | None = None
    unlabelled: tuple[str, ...] = ()
    trainable: bool = True
    learning: WordVectorConfig = WordVectorConfig()

    def __post_init__(self):
        if self.file and self.unlabelled:
            raise ValueError(
                "Expected --embeddings FILE or --unlabelled DATA, not both: --unlabelled "
                f"learns the vectors itself. Received --embeddings {self.file} and "
                f"--unlabelled {list(self.unlabelled)}."
            )

    @property
    def used(self) -> bool:
        return bool(self.file or self.unlabelled)

    def settings(self) -> dict:
        """The run settings it adds (none when unused, so other runs keep their hash)."""
        if self.file:
            return {"embeddings": str(self.file), "embeddings_trainable": self.trainable}
        if self.unlabelled:
            return {
                "unlabelled": [str(source) for source in self.unlabelled],
                "word_vectors": self.learning.to_dict(),
                "embeddings_trainable": self.trainable,
            }
        return {}


def fit_dimensions(source: EmbeddingSource, config):
    """`(source, config)` with one embedding size: a file's dimension replaces
    `embedding_dim` (said when it changes; the command line refuses a typed
    `--embedding-dim` that differs); vectors learned with `--unlabelled` take `embedding_dim`.
    """
    if source.unlabelled:
        learning = dataclasses.replace(source.learning, dim=config.embedding_dim)
        return dataclasses.replace(source, learning=learning), config
    if not source.file:
        return source, config
    dim = inspect_vector_file(source.file).dim
    if dim != config.embedding_dim:
        print(f"embeddings: embedding_dim {config.embedding_dim} -> {dim} (the vectors' size)")
        config = dataclasses.replace(config, embedding_dim=dim)
    return source, config


def read_unlabelled(sources, options: DataOptions) -> tuple[list[str], list]:
    """The texts of `sources` (labels, if any, are not read: a table needs only its text
    column; a class-folder source brings its unlabelled `unsup/` reviews as well)."""
    from apps.sentiment.pretrain import read_texts

    options = dataclasses.replace(options, label_column=None, group_column=NO_GROUPS)
    return read_texts([str(source) for source in sources], options)


def learned_vectors(
    run_dir: RunDirectory, source: EmbeddingSource, training_texts, options: DataOptions
) -> tuple[Path, dict]:
    """The vectors `--unlabelled` learns (from those sources plus the labelled training
    texts, labels unused), or the run folder's cached copy when resuming."""
    path = run_dir.file(LEARNED_VECTORS_FILE)
    stats_path = run_dir.file(LEARNED_VECTORS_STATS)
    if path.is_file() and stats_path.is_file():
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
        print(
            f"word vectors: reusing {path} (learned earlier in {stats['seconds']:.0f} s "
            f"from {stats['texts']:,} texts)"
        )
        return path, stats
    texts, _ = read_unlabelled(source.unlabelled, options)
    print(
        f"word vectors: learning from {len(texts):,} unlabelled texts "
        f"({', '.join(map(str, source.unlabelled))}) + {len(training_texts):,} training texts"
    )
    stats = learn_word_vectors([*texts, *training_texts], path, **source.learning.to_dict())
    write_json_atomic(stats_path, stats)  # written last: its presence marks a whole cache
    print(f"word vectors: {stats['words']:,} words learned in {stats['seconds']:.0f} s")
    return path, stats


def initial_embedding(
    run_dir: RunDirectory,
    source: EmbeddingSource,
    tokens: list[str],
    train_texts,
    options,
    seed: int,
) -> tuple[EmbeddingInit, dict]:
    """The embedding matrix for `tokens` and what to record about it (file, coverage)."""
    record: dict = {}
    path = source.file
    if source.unlabelled:
        path, stats = learned_vectors(run_dir, source, train_texts, options)
        record["word_vectors_seconds"] = stats["seconds"]
    init = embedding_matrix(path, tokens, seed=seed)
    print(f"embeddings: {init.summary()}; " + ("fine-tuned" if source.trainable else "frozen"))
    record.update(
        {
            "embeddings_file": str(path),
            "embeddings_found": init.found,
            "embeddings_coverage": round(init.coverage, 4),
            "embeddings_trainable": source.trainable,
        }
    )
    return init, record


def start_embedding(classifier, matrix, trainable: bool) -> None:
    """Sets the classifier's embedding to `matrix`, frozen unless `trainable`.

    Call it before `compile`: a frozen layer then has no optimizer slots and is never
    updated. A resumed run's checkpoint still overrides the values (not the freezing).
    """
    encoder = classifier.get_layer("encoder")
    encoder.embedding.set_weights([matrix])
    encoder.embedding_trainable = trainable  # in the encoder's config: reloads stay frozen


def word_vectors_command(args: argparse.Namespace, config: WordVectorConfig) -> int:
    """`rnn-sentiment word-vectors`: learn vectors from the texts of `--data` into `--out`."""
    options = DataOptions(args.text_column, args.label_column, args.on_bad_rows)
    texts, rejected = read_unlabelled(args.data, options)
    if rejected:
        print(f"skipped {len(rejected)} malformed row(s)")
    stats = learn_word_vectors(texts, args.out, **config.to_dict())
    info = inspect_vector_file(args.out)
    print(
        f"word vectors: {stats['words']:,} words x {info.dim} dims from {stats['tokens']:,} "
        f"tokens in {stats['seconds']:.0f} s -> {args.out}\n"
        f"use them: rnn-sentiment train --data ... --embeddings {args.out}"
    )
    print_json_line({k: v for k, v in stats.items() if k != "settings"} | {"out": str(args.out)})
    return 0
