"""The dev set each sentiment run is scored on: SST-2 dev, or an IMDB run's own split."""

from __future__ import annotations

import json
from pathlib import Path

from apps.sentiment.data import NO_GROUPS, DataOptions, load_examples
from benchmarks.context import BenchContext
from benchmarks.inference.settings import MissingInput
from shared.training.splits import split_examples

QUICK_EVALUATION_CAP = 300  # dev examples scored in quick mode
SST2_DEV = "sst2/dev.tsv.gz"
IMDB_TRAIN = "imdb/train.csv.gz"


def dev_examples(context: BenchContext, name: str, trained) -> dict:
    """The dev texts of run `name`, their class ids and a description (capped when quick).

    Raises:
        MissingInput: no dev set is known for `name`, or its file is missing.
        DataError: the file cannot be read, or its labels are not the run's classes.
    """
    lowered = name.lower()
    run_validation = None
    if lowered.startswith("sst2"):
        path = require_data(context, SST2_DEV)
        data = load_examples(path, DataOptions(text_column="sentence"))
        description = "SST-2 dev"
    elif lowered.startswith("imdb"):
        settings = json.loads(trained.run_dir.config_path.read_text(encoding="utf-8"))
        if settings.get("validation_data"):
            raise MissingInput(
                f"the run validated on {settings['validation_data']}, not on a split of its "
                "training data, so there is no split to reproduce"
            )
        path = run_training_file(settings) or require_data(context, IMDB_TRAIN)
        options = DataOptions(
            settings.get("text_column", "text"),
            settings.get("label_column", "label"),
            settings.get("on_bad_rows", "error"),
            # The run's split: grouped when it recorded a group column, else random.
            group_column=settings.get("group_column") or NO_GROUPS,
        )
        data = load_examples(path, options)
        config = trained.config
        _, validation = split_examples(
            data, trained.labels.encode(data), trained.labels, config.validation_split, config.seed
        )
        data = data.subset(validation)
        description = (
            f"validation split of {path.name} ({config.validation_split:.0%}, seed {config.seed})"
        )
        metrics_path = trained.run_dir.metrics_path
        if metrics_path.is_file():  # what training measured on the same split
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
            run_validation = {"examples": metrics.get("n"), "accuracy": metrics.get("accuracy")}
    else:
        raise MissingInput(
            f"no dev set is known for run name `{name}` (expected a name starting with "
            "`sst2` or `imdb`)"
        )
    label_ids = trained.labels.encode(data)
    cap = QUICK_EVALUATION_CAP if context.quick else None
    return {
        "texts": data.texts[:cap],
        "label_ids": label_ids[:cap],
        "available": len(data.texts),
        "description": description,
        "run_validation": run_validation,
    }


def run_training_file(settings: dict) -> Path | None:
    """The file the run trained on, when it is still there (quick benchmark runs train on
    a slice of IMDB: their split is reproduced from that slice, not from the whole file)."""
    data = settings.get("data")
    return Path(data) if data and Path(data).is_file() else None


def require_data(context: BenchContext, relative: str) -> Path:
    path = context.data_file(relative)
    if path is None:
        raise MissingInput(f"{context.data_dir / relative} is missing")
    return path
