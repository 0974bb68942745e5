"""What a finished sentiment run folder holds, and how to load it back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras

import shared.layers  # noqa: F401  (registers the custom layers for load_model)
from apps.sentiment.config import PretrainingConfig, SentimentConfig
from shared.datasets.labels import LabelSet
from shared.text.vectorizer import WordVectorizer, load_vocabulary
from shared.training.damage import load_keras_model
from shared.training.run_directory import RunDirectory, open_finished_run

VOCABULARY_FILE = "vocabulary.txt"
LABELS_FILE = "labels.json"
BASELINE_FILE = "baseline.npz"
# Earlier versions pickled the baseline; never unpickled (see apps/sentiment/baseline.py).
LEGACY_BASELINE_FILE = "baseline.joblib"
REJECTED_ROWS_FILE = "rejected_rows.tsv"
# Written only by `pretrain`: how `--init-from` tells a pretrained encoder from a classifier.
PRETRAINING_FILE = "pretraining.json"


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
        run_dir, config = open_finished_run(path, SentimentConfig)
        return cls(
            run_dir=run_dir,
            config=config,
            classifier=load_keras_model(run_dir.model_path),
            vectorizer=vectorizer_from_run(run_dir, config),
            labels=LabelSet.load(run_dir.file(LABELS_FILE)),
        )


@dataclasses.dataclass
class PretrainedEncoder:
    """A finished `pretrain` run: the sequence autoencoder and its vocabulary.

    It offers what a warm start reads from a finished classifier run (`classifier`,
    `vectorizer`, `labels`, `config`); the classifier copies its `encoder` layer by name.
    """

    run_dir: RunDirectory
    config: PretrainingConfig
    classifier: keras.Model  # the autoencoder: only its `encoder` fits the classifier
    vectorizer: WordVectorizer
    labels: LabelSet | None = None

    @staticmethod
    def is_pretraining_run(path: Path) -> bool:
        return (Path(path) / PRETRAINING_FILE).is_file()

    @classmethod
    def load(cls, path: Path) -> PretrainedEncoder:
        run_dir, config = open_finished_run(path, PretrainingConfig)
        tokens = load_vocabulary(run_dir.file(VOCABULARY_FILE))
        return cls(
            run_dir=run_dir,
            config=config,
            classifier=load_keras_model(run_dir.model_path),
            vectorizer=WordVectorizer(
                vocabulary=tokens[2:], max_tokens=config.max_tokens, min_count=config.min_count
            ),
        )
