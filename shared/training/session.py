"""A training command's session around the fit: claiming the run folder, and publishing
the finished run with its report (the same lines for every app)."""

from __future__ import annotations

import keras

from shared.cli import print_json_line
from shared.training.cluster import run_directory_for_this_worker
from shared.training.config import TrainingConfig
from shared.training.distribution import describe_strategy
from shared.training.run_directory import RunDirectory, TrainingResult
from shared.training.trainer import finish_run, print_finished_run


def claim_run_folder(
    run_dir: RunDirectory, settings: dict, strategy, overwrite: bool
) -> tuple[RunDirectory, str]:
    """This worker's copy of `run_dir`, claimed for `settings`; says which, and its state.

    Returns:
        `(run folder, state)`: `"new"`, `"resume"`, or `"finished"` (its report and
        metrics line are then printed again, as a rerun of `train` shows them).
    """
    run_dir = run_directory_for_this_worker(run_dir, strategy, overwrite)
    state = run_dir.prepare(settings, overwrite=overwrite)
    print(f"run directory: {run_dir.path} ({state})")
    if state == "finished":
        print_finished_run(run_dir)
    return run_dir, state


def record_session(metrics: dict, config: TrainingConfig, strategy, seconds: float) -> str:
    """Adds this session's training time, strategy and replicas to `metrics`; returns the
    report's strategy line."""
    metrics["train_seconds_this_session"] = round(seconds, 1)
    metrics["strategy"], metrics["replicas"] = config.strategy, strategy.num_replicas_in_sync
    return (
        f"strategy: {describe_strategy(config.strategy, strategy)}, "
        f"global batch {config.batch_size}\n"
    )


def publish_run(
    run_dir: RunDirectory,
    model: keras.Model,
    report: str,
    metrics: dict,
    state: str,
    extra_lines: tuple[str, ...] = (),
) -> TrainingResult:
    """Writes the finished run (the model last), then prints the report, where its
    curves (and `extra_lines`) and model are, and the metrics as one JSON line."""
    finish_run(run_dir, model, report, metrics)
    print(report, end="")
    print(f"learning curves: {run_dir.curves_path}")
    for line in extra_lines:
        print(line)
    print(f"model: {run_dir.path}")
    print_json_line(metrics)
    return TrainingResult(run_dir.path, state, metrics)
