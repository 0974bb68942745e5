"""What a finished sentiment run folder holds, and how to load it back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import keras

import shared.layers  # noqa: F401  (registers the custom layers for load_model)
from apps.sentiment.config import SentimentConfig
from shared.data.labels import LabelSet
from shared.text.vectorizer import WordVectorizer, load_vocabulary
from shared.training.run_directory import RunDirectory

VOCABULARY_FILE = "vocabulary.txt"
LABELS_FILE = "labels.json"
BASELINE_FILE = "baseline.joblib"
REPORT_FILE = "report.txt"
METRICS_FILE = "metrics.json"
REJECTED_ROWS_FILE = "rejected_rows.tsv"


def config_from_run(run_dir: RunDirectory) -> SentimentConfig:
    settings = json.loads(run_dir.config_path.read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(SentimentConfig)}
    return SentimentConfig(**{k: v for k, v in settings.items() if k in names})


def vectorizer_from_run(run_dir: RunDirectory, config: SentimentConfig) -> WordVectorizer:
    tokens = load_vocabulary(run_dir.file(VOCABULARY_FILE))
    return WordVectorizer(
        vocabulary=tokens[2:],
        max_length=config.max_length,
        max_tokens=config.max_tokens,
        min_count=config.min_count,
        truncate_from=config.truncate_from,
    )


@dataclasses.dataclass
class TrainedSentimentModel:
    """The pieces of a finished run that inference needs."""

    run_dir: RunDirectory
    config: SentimentConfig
    classifier: keras.Model
    vectorizer: WordVectorizer
    labels: LabelSet

    @classmethod
    def load(cls, path: Path) -> TrainedSentimentModel:
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
        return cls(
            run_dir=run_dir,
            config=config,
            classifier=keras.models.load_model(run_dir.model_path),
            vectorizer=vectorizer_from_run(run_dir, config),
            labels=LabelSet.load(run_dir.file(LABELS_FILE)),
        )
