"""A finished run's TF-IDF baseline for `evaluate`: read from the run folder, or refit.

Runs of earlier versions hold `baseline.joblib`, a pickle. Unpickling a file runs code
from it, so that file is never read: the baseline is fitted again on the run's training
split (the same data, split and seed `train` used, so the same baseline when the data is
unchanged) and saved in the code-free format. A damaged `baseline.npz` is an error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from apps.sentiment.artifacts import BASELINE_FILE, LEGACY_BASELINE_FILE, TrainedSentimentModel
from apps.sentiment.data import EMBEDDED, NO_GROUPS, DataOptions, load_examples
from shared.datasets.errors import DataError
from shared.evaluation.text_baseline import fit_baseline, load_baseline, save_baseline
from shared.training.splits import split_examples


def run_baseline(trained: TrainedSentimentModel):
    """The run's baseline pipeline, or None when it is missing and cannot be refit.

    Says on stderr when the baseline was refit or is missing, and why.

    Raises:
        RunFolderDamaged: `baseline.npz` exists but is truncated or corrupt.
    """
    path = trained.run_dir.file(BASELINE_FILE)
    if path.is_file():
        return load_baseline(path)
    legacy = trained.run_dir.file(LEGACY_BASELINE_FILE)
    why = (
        f"{legacy} is a pickle of an earlier version, which could run code when loaded, "
        "so it is not read"
        if legacy.is_file()
        else f"{path} is missing"
    )
    data, baseline = refit_baseline(trained)
    if baseline is None:
        print(
            f"note: no TF-IDF baseline: {why}, and the training data ({data}) cannot be "
            "read to refit it. The report shows the model alone.",
            file=sys.stderr,
        )
        return None
    save_baseline(baseline, path)
    print(
        f"note: {why}; the TF-IDF baseline was refit on the run's training split of "
        f"{data} and saved as {path}.",
        file=sys.stderr,
    )
    return baseline


def refit_baseline(trained: TrainedSentimentModel):
    """`(training data source, baseline fitted as train fits it)`; None when unreadable."""
    settings = json.loads(trained.run_dir.config_path.read_text(encoding="utf-8"))
    source = settings.get("data") or EMBEDDED
    if source != EMBEDDED and not Path(source).exists():
        return source, None
    # `group_column` is recorded exactly when train split by groups.
    options = DataOptions(
        settings.get("text_column", "text"),
        settings.get("label_column", "label"),
        settings.get("on_bad_rows", "error"),
        group_column=settings.get("group_column") or NO_GROUPS,
    )
    config = trained.config
    try:
        data = load_examples(source, options)
        label_ids = trained.labels.encode(data)
        if not settings.get("validation_data"):
            train_idx, _ = split_examples(
                data, label_ids, trained.labels, config.validation_split, config.seed
            )
            data, label_ids = data.subset(train_idx), [label_ids[i] for i in train_idx]
    except DataError:  # the file changed since training: no baseline rather than a wrong one
        return source, None
    return source, fit_baseline(data.texts, label_ids, seed=config.seed)
