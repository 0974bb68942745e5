"""Fitting a compiled model into a run directory, resumably."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import keras

from shared.training.callbacks import early_stopping_reached, training_callbacks
from shared.training.cluster import all_workers_have, shard_across_workers, share_resume_state
from shared.training.config import TrainingConfig
from shared.training.losses import SmoothedSparseCategoricalCrossentropy
from shared.training.run_directory import RunDirectory, publish, write_json_atomic


def learning_rate_schedule(config: TrainingConfig, steps_per_epoch: int):
    """The config's learning rate: a float, or warm-up + cosine decay over all epochs.

    The schedule spans `epochs` even if early stopping ends sooner, so a resumed run
    continues on the same curve (the optimizer's step counter is checkpointed).
    """
    if config.lr_schedule == "constant":
        return config.learning_rate
    total_steps = max(1, config.epochs * steps_per_epoch)
    warmup_steps = int(config.warmup_fraction * total_steps)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup_steps else config.learning_rate,
        decay_steps=total_steps - warmup_steps,
        warmup_target=config.learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def make_optimizer(
    config: TrainingConfig, steps_per_epoch: int, ema_momentum: float = 0.0
) -> keras.optimizers.Optimizer:
    """Adam (AdamW with `weight_decay`), per-gradient norm clipping (RNN gradients can
    explode), and the config's learning-rate schedule.

    `ema_momentum` > 0 makes the optimizer keep an exponential moving average of the
    weights (Keras' `use_ema`); `fit_resumable(..., ema=True)` then validates and saves
    the averaged weights, while training continues on the raw ones.
    """
    return keras.optimizers.Adam(
        learning_rate=learning_rate_schedule(config, steps_per_epoch),
        weight_decay=config.weight_decay or None,
        clipnorm=config.clipnorm or None,
        use_ema=ema_momentum > 0,
        ema_momentum=ema_momentum or 0.99,  # Keras' default; unused without use_ema
    )


def compile_teacher_forced(
    model: keras.Model, optimizer: keras.optimizers.Optimizer, label_smoothing: float = 0.0
) -> None:
    """Compiles a teacher-forced decoder model whose data carries padding weights.

    The loss is averaged over real tokens only: the default divides by every position,
    padding included, so the loss would move with the batch's padding. The accuracy is
    weighted the same way, so padding counts in neither. `label_smoothing` > 0 smooths
    the targets (`SmoothedSparseCategoricalCrossentropy`; padding stays excluded).
    """
    if label_smoothing:
        loss = SmoothedSparseCategoricalCrossentropy(label_smoothing, from_logits=True)
    else:  # Keras' own loss: runs trained before smoothing existed load and compare as-is
        loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"
        )
    model.compile(optimizer=optimizer, loss=loss, weighted_metrics=["sparse_categorical_accuracy"])


def progress_verbosity() -> int:
    """A live progress bar on a terminal, one line per epoch in logs and CI."""
    return 1 if sys.stdout.isatty() else 2


def save_model_atomic(model: keras.Model, path: Path) -> None:
    """Saves a `.keras` file so that a kill mid-save never leaves a truncated model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".keras")
    os.close(fd)
    try:
        model.save(tmp)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def finish_run(run_dir: RunDirectory, model: keras.Model, report: str, metrics: dict) -> None:
    """Writes the report and metrics, then the model: its presence marks the run finished.

    A kill anywhere before the last step leaves a run that `train` resumes.
    """
    run_dir.report_path.write_text(report, encoding="utf-8")
    write_json_atomic(run_dir.metrics_path, metrics)
    save_model_atomic(model, run_dir.model_path)


def print_finished_run(run_dir: RunDirectory) -> None:
    """Shows a finished run's report and its metrics line again (a rerun of `train`)."""
    print(run_dir.report_path.read_text(encoding="utf-8"), end="")
    print(
        json.dumps(json.loads(run_dir.metrics_path.read_text(encoding="utf-8")), ensure_ascii=False)
    )


def fit_resumable(
    model: keras.Model,
    train_data,
    validation_data,
    run_dir: RunDirectory,
    *,
    epochs: int,
    patience: int,
    title: str = "",
    verbose: int | None = None,
    extra_callbacks: tuple[keras.callbacks.Callback, ...] = (),
    ema: bool = False,
) -> keras.Model:
    """Trains `model` (already compiled) and returns the weights with the best val_loss.

    If `run_dir` holds a backup from an interrupted run with the same settings, training
    continues after the last completed epoch, with the optimizer state it had.

    Args:
        model: a compiled, built Keras model.
        train_data: a `tf.data.Dataset` of `(inputs, labels[, sample_weights])`.
        validation_data: the same for validation (required: early stopping and the best
            checkpoint watch `val_loss`).
        run_dir: where checkpoints, history, TensorBoard logs and curves go.
        epochs: maximum number of epochs.
        patience: early-stopping patience in epochs.
        title: title for the learning-curve plot.
        verbose: Keras verbosity; defaults to a progress bar on terminals.
        extra_callbacks: added after the run's own (e.g. the benchmark's accuracy trace).
        ema: the optimizer keeps a moving average of the weights (`make_optimizer`'s
            `ema_momentum`): validation, the best checkpoint and so the returned model
            use the averaged weights.

    Returns:
        The model with the best validation loss seen over the whole (resumed) run.
    """
    # Multi-worker: every worker resumes the chief's epoch and reads its share of batches.
    strategy = model.distribute_strategy
    share_resume_state(run_dir, strategy)
    train_data = shard_across_workers(train_data, strategy)
    validation_data = shard_across_workers(validation_data, strategy)
    if early_stopping_reached(run_dir, patience):
        # Interrupted after early stopping but before the model was saved: nothing to train.
        print("early stopping had already ended this run; using its best checkpoint.")
    else:
        model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            shuffle=False,  # the tf.data pipeline shuffles, seeded
            callbacks=[*training_callbacks(run_dir, patience, title, ema), *extra_callbacks],
            verbose=progress_verbosity() if verbose is None else verbose,
        )
    if all_workers_have(run_dir.best_model_path, strategy):
        try:
            return keras.models.load_model(run_dir.best_model_path)
        except (OSError, ValueError) as error:  # torn write from a kill mid-save
            print(
                f"warning: could not read {run_dir.best_model_path} ({error}); "
                "keeping the last epoch's weights.",
                file=sys.stderr,
            )
    return model
