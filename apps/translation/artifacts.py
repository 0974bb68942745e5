"""What a finished translation run folder holds, and how to load it back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import keras

import shared.layers  # noqa: F401  (registers the custom layers for load_model)
from apps.translation.config import TranslationConfig
from shared.text.subword import SubwordTokenizer
from shared.training.run_directory import RunDirectory

SOURCE_VOCABULARY_FILE = "source_vocabulary.txt"
TARGET_VOCABULARY_FILE = "target_vocabulary.txt"
TEST_PAIRS_FILE = "test_pairs.tsv"
REPORT_FILE = "report.txt"
METRICS_FILE = "metrics.json"


def read_tokens(path: Path) -> list[str]:
    """One token per line, line N holding id N."""
    return Path(path).read_text(encoding="utf-8").split("\n")[:-1]


def write_tokens(path: Path, tokens: list[str]) -> None:
    Path(path).write_text("".join(t + "\n" for t in tokens), encoding="utf-8")


def config_from_run(run_dir: RunDirectory) -> TranslationConfig:
    settings = json.loads(run_dir.config_path.read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(TranslationConfig)}
    return TranslationConfig(**{k: v for k, v in settings.items() if k in names})


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
        run_dir = RunDirectory(path)
        if not run_dir.is_finished:
            raise FileNotFoundError(
                f"Expected a finished run in {run_dir.path} (with model.keras). Received: "
                + (
                    "an unfinished run; rerun `train` to complete it."
                    if run_dir.path.is_dir()
                    else "no such folder."
                )
            )
        config = config_from_run(run_dir)
        source, target = tokenizers_from_run(run_dir, config)
        return cls(run_dir, config, keras.models.load_model(run_dir.model_path), source, target)
