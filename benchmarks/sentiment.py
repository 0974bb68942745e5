"""Sentiment accuracy and training cost: our preset vs the keras.io recipe vs TF-IDF + LR.

Per data set, on one fixed split: our model trained by the app's own `train` command
(the preset it picks for that data), the keras.io "Bidirectional LSTM on IMDB" recipe
(`reference_recipe`) and scikit-learn's TF-IDF + logistic regression. Both neural models
carry a `ValidationTrace`, so the table can say how long ours took to reach the recipe's
final accuracy, as a ratio of the recipe's own training time.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import time
from pathlib import Path

import numpy as np

from apps.sentiment.artifacts import vectorizer_from_run
from apps.sentiment.cli import build_parser
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import DataOptions, load_examples
from apps.sentiment.presets import resolve_sentiment_config
from apps.sentiment.train import train_command
from benchmarks.accuracy_trace import ValidationTrace
from benchmarks.context import BenchContext
from benchmarks.reference_recipe import KERAS_IO_RECIPE, train_reference
from benchmarks.report import Section
from benchmarks.sentiment_report import accuracy_plot, reach_seconds, section_from_results
from shared.datasets.labels import LabelSet
from shared.evaluation.text_baseline import fit_baseline
from shared.text.vectorizer import WordVectorizer
from shared.training.run_directory import RunDirectory
from shared.training.splits import split_examples


@dataclasses.dataclass(frozen=True)
class SentimentData:
    """One benchmark data set: a training file and either a dev file or a held-out split."""

    name: str
    train_file: str
    validation_file: str | None
    text_column: str
    description: str


DATASETS = (
    SentimentData(
        "sst2", "sst2/train.tsv.gz", "sst2/dev.tsv.gz", "sentence", "SST-2 train -> dev (872)"
    ),
    SentimentData(
        "imdb", "imdb/train.csv.gz", None, "text", "IMDB train, fixed 10% validation split"
    ),
)
QUICK_TRAIN_ROWS = 6000
# The presets' 1M-bucket bag of n-grams is 8M weights: a quick run keeps the branch, smaller.
QUICK_NGRAM_BUCKETS = 50_000


@dataclasses.dataclass
class Split:
    train_texts: list[str]
    train_labels: list[int]
    val_texts: list[str]
    val_labels: list[int]


def load_split(data: SentimentData, train_path: Path, val_path: Path | None, seed: int) -> Split:
    """The split the app's `train` uses: the dev file, or its own stratified hold-out."""
    options = DataOptions(text_column=data.text_column)
    examples = load_examples(train_path, options)
    labels = LabelSet.infer(examples)
    ids = labels.encode(examples)
    if val_path is not None:
        validation = load_examples(val_path, options)
        return Split(examples.texts, ids, validation.texts, labels.encode(validation))
    train_idx, val_idx = split_examples(
        examples, ids, labels, SentimentConfig.validation_split, seed
    )
    return Split(
        [examples.texts[i] for i in train_idx],
        [ids[i] for i in train_idx],
        [examples.texts[i] for i in val_idx],
        [ids[i] for i in val_idx],
    )


def head_of_file(path: Path, rows: int, out: Path) -> Path:
    """The header and first `rows` lines of a gzip table (quick runs train on a slice)."""
    with gzip.open(path, "rt", encoding="utf-8") as source:
        lines = list(itertools.islice(source, rows + 1))
    with gzip.open(out, "wt", encoding="utf-8") as target:
        target.writelines(lines)
    return out


def tokens_per_epoch(texts: list[str], max_length: int) -> int:
    """Real (non-padding) tokens one epoch feeds the model, after truncation."""
    # count_tokens only tokenises; the one-word vocabulary is never consulted.
    vectorizer = WordVectorizer(vocabulary=["x"], max_length=max_length)
    total = 0
    for start in range(0, len(texts), 2048):
        lengths = vectorizer.count_tokens(texts[start : start + 2048]).numpy()
        total += int(np.minimum(lengths, max_length).sum())
    return total


def validation_batches_from_run(run_dir: Path, config: SentimentConfig, split: Split):
    """A function building the trace's batches once `train` has written the vocabulary."""

    def build():
        vectorizer = vectorizer_from_run(RunDirectory(run_dir), config)
        batches = []
        for start in range(0, len(split.val_texts), 256):
            texts = split.val_texts[start : start + 256]
            ids = vectorizer.vectorize(texts, pad_to_max_length=False).numpy()
            batches.append((ids, np.asarray(split.val_labels[start : start + 256])))
        return batches

    return build


def train_ours(context: BenchContext, data: SentimentData, train_path, val_path, split: Split):
    """Runs `python -m apps.sentiment train` in-process with a trace; returns its numbers."""
    run_dir = context.work("sentiment", data.name, "ours")
    argv = ["train", "--data", str(train_path), "--text-column", data.text_column]
    argv += ["--run-dir", str(run_dir), "--overwrite", "--seed", str(context.seed)]
    if val_path is not None:
        argv += ["--validation-data", str(val_path)]
    if context.quick:
        argv += ["--epochs", "1", "--ngram-buckets", str(QUICK_NGRAM_BUCKETS)]
    args = build_parser().parse_args(argv)
    settings = resolve_sentiment_config(args)  # the preset `train` would pick
    config = settings.config
    steps_per_epoch = -(-len(split.train_texts) // config.batch_size)
    trace = ValidationTrace(
        validation_batches_from_run(run_dir, config, split),
        every_steps=max(1, steps_per_epoch // (4 if context.quick else 8)),
    )
    started = time.perf_counter()
    status = train_command(args, settings, callbacks=(trace,))
    command_seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"sentiment train exited with status {status} on {data.name}")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    saved = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    return {
        "run_dir": str(run_dir),
        "preset": saved.get("preset"),
        "config": saved,
        "accuracy": metrics["accuracy"],
        "baseline_accuracy_in_run": metrics["baseline"]["accuracy"],
        "comparison": metrics.get("comparison"),
        "train_seconds": round(trace.total_seconds, 2),
        "command_seconds": round(command_seconds, 1),
        "steps_per_epoch": steps_per_epoch,
        "tokens_per_epoch": tokens_per_epoch(split.train_texts, config.max_length),
        "trace": [dataclasses.asdict(p) for p in trace.points],
    }


def run_dataset(context: BenchContext, data: SentimentData) -> dict | str:
    """All three models on one data set, or the reason it was skipped."""
    train_path = context.data_file(data.train_file)
    val_path = context.data_file(data.validation_file) if data.validation_file else None
    if train_path is None or (data.validation_file and val_path is None):
        return f"{data.description}: skipped, {context.data_dir} has no {data.train_file}"
    if context.quick:
        train_path = head_of_file(
            train_path, QUICK_TRAIN_ROWS, context.work("sentiment") / f"{data.name}-head.gz"
        )
    split = load_split(data, train_path, val_path, context.seed)
    ours = train_ours(context, data, train_path, val_path, split)

    started = time.perf_counter()
    baseline = fit_baseline(split.train_texts, split.train_labels, seed=context.seed)
    baseline_seconds = time.perf_counter() - started
    baseline_accuracy = float(
        np.mean(baseline.predict(split.val_texts) == np.asarray(split.val_labels))
    )

    settings = dataclasses.replace(KERAS_IO_RECIPE, epochs=1) if context.quick else KERAS_IO_RECIPE
    steps = -(-len(split.train_texts) // settings.batch_size)
    reference = train_reference(
        split.train_texts,
        split.train_labels,
        split.val_texts,
        split.val_labels,
        settings=settings,
        trace_every_steps=max(1, steps // (4 if context.quick else 8)),
        seed=context.seed,
    )
    points = ours["trace"]
    reach = reach_seconds(ours["trace"], reference.accuracy)
    ours_tokens = ours["tokens_per_epoch"] * points[-1]["steps"] / ours["steps_per_epoch"]
    reference_steps = reference.trace.points[-1].steps
    reference_tokens = reference.tokens_per_epoch * reference_steps / steps
    return {
        "description": data.description,
        "train_examples": len(split.train_texts),
        "validation_examples": len(split.val_texts),
        "ours": ours,
        "baseline": {"accuracy": baseline_accuracy, "fit_seconds": round(baseline_seconds, 1)},
        "reference": {
            "accuracy": reference.accuracy,
            "train_seconds": reference.train_seconds,
            "tokens_per_epoch": reference.tokens_per_epoch,
            "trace": [dataclasses.asdict(p) for p in reference.trace.points],
        },
        "ours_seconds_to_reference_accuracy": reach,
        "ours_tokens_per_second": ours_tokens / ours["train_seconds"],
        "reference_tokens_per_second": reference_tokens / reference.train_seconds,
    }


def run(context: BenchContext, datasets: tuple[SentimentData, ...] = DATASETS) -> Section:
    """Trains and scores every model on every data set found; see the module docstring."""
    notes = []
    if context.quick:
        datasets = tuple(d for d in datasets if d.name == "sst2")
        notes.append(
            f"Quick run: SST-2 only, first {QUICK_TRAIN_ROWS:,} training rows, "
            f"{QUICK_NGRAM_BUCKETS:,} n-gram buckets, 1 epoch for "
            "both neural models. Accuracies are not comparable with the full run."
        )
    results = {}
    for data in datasets:
        outcome = run_dataset(context, data)
        if isinstance(outcome, str):
            notes.append(outcome)
        else:
            results[data.name] = outcome
    section = section_from_results(results, notes)
    if results:
        section.plots.append(accuracy_plot(context, results))
    return section
