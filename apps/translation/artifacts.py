"""What a finished translation run folder holds, and how to load it back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras

import shared.layers  # noqa: F401  (registers the custom layers for load_model)
import shared.training.losses  # noqa: F401  (a label-smoothed run's compiled loss)
from apps.translation.config import TranslationConfig
from shared.text.wordpiece import SubwordTokenizer
from shared.training.damage import load_keras_model
from shared.training.run_directory import RunDirectory, open_finished_run, write_atomic

SOURCE_VOCABULARY_FILE = "source_vocabulary.txt"
TARGET_VOCABULARY_FILE = "target_vocabulary.txt"
TEST_PAIRS_FILE = "test_pairs.tsv"
REJECTED_ROWS_FILE = "rejected_rows.tsv"


def read_tokens(path: Path) -> list[str]:
    """One token per line, line N holding id N."""
    return Path(path).read_text(encoding="utf-8").split("\n")[:-1]


def write_tokens(path: Path, tokens: list[str]) -> None:
    """Atomically: a resumed run reloads these ids and must never see half a file."""
    write_atomic(Path(path), "".join(t + "\n" for t in tokens).encode("utf-8"))


def tokenizers_from_run(run_dir: RunDirectory, config: TranslationConfig):
    """`(source, target)` tokenizers with the run's vocabularies."""
    source = SubwordTokenizer(
        read_tokens(run_dir.file(SOURCE_VOCABULARY_FILE)),
        lowercase=True,
        max_length=config.max_source_length,
    )
    target = SubwordTokenizer(
        read_tokens(run_dir.file(TARGET_VOCABULARY_FILE)),
        lowercase=False,
        max_length=config.max_target_length,
    )
    return source, target


@dataclasses.dataclass
class TrainedTranslator:
    """The pieces of a finished run that inference needs."""

    run_dir: RunDirectory
    config: TranslationConfig
    model: keras.Model
    source_tokenizer: SubwordTokenizer
    target_tokenizer: SubwordTokenizer

    @classmethod
    def load(cls, path: Path) -> TrainedTranslator:
        run_dir, config = open_finished_run(path, TranslationConfig)
        source, target = tokenizers_from_run(run_dir, config)
        return cls(run_dir, config, load_keras_model(run_dir.model_path), source, target)
