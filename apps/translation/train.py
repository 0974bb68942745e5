"""Training: pairs -> subword vocabularies -> seq2seq -> BLEU, resumably.

`train(config, data, ...)` is the one entry point: the Python API calls it with a config
object, `python -m apps.translation train` through `train_command` with its parsed flags.

    from apps.translation import TranslationConfig, train
    result = train(TranslationConfig(epochs=5), "spa-eng.tsv")
    result.run_dir, result.metrics["bleu"]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from apps.translation.artifacts import (
    REJECTED_ROWS_FILE,
    SOURCE_VOCABULARY_FILE,
    TARGET_VOCABULARY_FILE,
    TEST_PAIRS_FILE,
    TrainedTranslator,
    read_tokens,
    write_tokens,
)
from apps.translation.config import TranslationConfig
from apps.translation.data import EMBEDDED, load_pairs
from apps.translation.model import build_translator
from apps.translation.presets import few_pairs_note
from apps.translation.report import evaluate_translations
from apps.translation.translator import Translator
from shared.cli import default_run_dir
from shared.datasets.examples import report_rejected_rows
from shared.datasets.pairs import SentencePairs, split_by_source
from shared.ids import END_ID, START_ID
from shared.package_api import callable_module
from shared.text.wordpiece import SubwordTokenizer
from shared.training.averaging import KeepEpochWeights, average_last_epochs
from shared.training.distribution import describe_strategy, make_strategy
from shared.training.pipelines import seq2seq_dataset
from shared.training.presets import ResolvedSettings
from shared.training.reproducibility import set_seeds
from shared.training.run_directory import (
    RunDirectory,
    TrainingResult,
    unfinished_run_without,
)
from shared.training.session import claim_run_folder, publish_run, record_session
from shared.training.trainer import compile_teacher_forced, fit_resumable, make_optimizer

# The run setting saying how held-out pairs were split (absent: by source only, as runs
# made before targets were grouped).
SPLIT_SETTING = "split_by"
# Settings added with label smoothing, weight averaging and tied embeddings (issue 18).
FEATURE_SETTINGS = ("label_smoothing", "ema_momentum", "tie_embeddings", "average_last")
DEFAULTS = TranslationConfig().to_dict()


def write_pairs(path, pairs: SentencePairs, source_language: str, target_language: str):
    """The held-out pairs as a TSV with a language header (readable by `evaluate --data`)."""
    # Plain lines, as the pair files are: fields never hold tabs or newlines (the reader
    # guarantees it) and quotes are text, never quoting.
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(f"{source_language}\t{target_language}\n")
        for source, target in zip(pairs.sources, pairs.targets, strict=True):
            f.write(f"{source}\t{target}\n")


def learn_or_load(tokenizer: SubwordTokenizer, path, texts, size: int) -> None:
    if path.is_file():  # resuming: ids must be the ones the weights learned
        tokenizer.set_vocabulary(read_tokens(path))
    else:
        tokenizer.learn_vocabulary(texts, size)
        write_tokens(path, tokenizer.vocabulary)


def train(
    config: TranslationConfig | None = None,
    data: str | Path | None = None,
    *,
    on_bad_rows: str = "error",
    run_dir: str | Path | None = None,
    overwrite: bool = False,
    preset: str | None = None,
) -> TrainingResult:
    """Trains a translator (or resumes an interrupted run, or reports a finished one).

    Prints progress and the held-out report, as `python -m apps.translation train` does.

    Args:
        config: the settings (default: `TranslationConfig()`); used as given, no preset.
        data: `"embedded"`/None (generated Spanish-English pairs) or a pair file.
        on_bad_rows: `"error"` (stop, listing them) or `"skip"`.
        run_dir: the run folder (default: `runs/translation/<data>-<settings hash>`).
        overwrite: replace a run with other settings in `run_dir` instead of refusing.
        preset: the preset name the config was resolved with (recorded in the run's
            settings only; the CLI passes it).

    Returns:
        The run folder, what it held before (`"new"`, `"resume"`, `"finished"`) and the
        held-out metrics (BLEU, chrF, greedy and beam).

    Raises:
        DataError: unreadable data (file and line named).
        ValueError: out-of-range settings, or `run_dir` holds a run with other settings.
    """
    config = TranslationConfig() if config is None else config
    config.validate()
    # First: multi-worker must configure TensorFlow before anything else runs in it.
    strategy = make_strategy(config.strategy)
    settings = {
        **config.to_dict(),
        "preset": preset,
        "data": str(data or EMBEDDED),
        "on_bad_rows": on_bad_rows,
        # Held-out pairs share neither a source nor a target sentence with training.
        SPLIT_SETTING: "source+target",
    }
    explicit_run_dir = run_dir
    run_dir = RunDirectory(run_dir or default_run_dir("translation", settings, settings["data"]))
    legacy = None
    # Settings added later change the run's fingerprint; at their defaults they change
    # nothing, so a run interrupted before they existed resumes (with or without the
    # target grouping, which came before them).
    unchanged = tuple(k for k in FEATURE_SETTINGS if settings[k] == DEFAULTS[k])
    for new_keys in (unchanged, (*unchanged, SPLIT_SETTING)):
        legacy = legacy or unfinished_run_without(
            settings,
            new_keys,
            lambda old: explicit_run_dir or default_run_dir("translation", old, old["data"]),
        )
    if legacy is not None:  # interrupted under older code: finish it as it began
        run_dir, settings = legacy
        if SPLIT_SETTING not in settings:
            print(f"{run_dir.path} was started with a split by source only; it keeps it")
    group_targets = SPLIT_SETTING in settings
    pairs = load_pairs(data, config, on_bad_rows)
    if pairs.filtered:
        print(f"dropped {pairs.filtered} pair(s) longer than --max-words={config.max_words}")

    rest_idx, test_idx = split_by_source(pairs, config.test_split, config.seed, group_targets)
    rest = pairs.subset(rest_idx)
    train_idx, val_idx = split_by_source(
        rest, config.validation_split, config.seed + 1, group_targets
    )
    train_pairs, val_pairs, test_pairs = (
        rest.subset(train_idx),
        rest.subset(val_idx),
        pairs.subset(test_idx),
    )

    run_dir, state = claim_run_folder(run_dir, settings, strategy, overwrite)
    if state == "finished":
        return TrainingResult.of_finished(run_dir, state)
    print(
        f"data: {len(train_pairs)} training / {len(val_pairs)} validation / {len(test_pairs)} "
        f"test pairs ({config.source_language} -> {config.target_language}); "
        + (
            "no source or target sentence of a test or validation pair occurs in training "
            "(split by shared source or target)"
            if group_targets
            else "no test source sentence occurs in training (split by source)"
        )
    )
    report_rejected_rows(pairs.rejected, run_dir.file(REJECTED_ROWS_FILE))
    data_note = few_pairs_note(preset, len(train_pairs))
    print(data_note, end="")
    write_pairs(
        run_dir.file(TEST_PAIRS_FILE), test_pairs, config.source_language, config.target_language
    )

    set_seeds(config.seed, config.deterministic)
    source_tokenizer = SubwordTokenizer(lowercase=True, max_length=config.max_source_length)
    target_tokenizer = SubwordTokenizer(lowercase=False, max_length=config.max_target_length)
    learn_or_load(
        source_tokenizer,
        run_dir.file(SOURCE_VOCABULARY_FILE),
        train_pairs.sources,
        config.source_vocabulary_size,
    )
    learn_or_load(
        target_tokenizer,
        run_dir.file(TARGET_VOCABULARY_FILE),
        train_pairs.targets,
        config.target_vocabulary_size,
    )
    print(
        f"vocabularies: {source_tokenizer.vocabulary_size} source / "
        f"{target_tokenizer.vocabulary_size} target WordPiece tokens"
    )

    def dataset(split: SentencePairs, shuffle: bool):
        return seq2seq_dataset(
            split.sources,
            split.targets,
            source_tokenizer,
            target_tokenizer,
            config.batch_size,
            max_source_length=config.max_source_length,
            max_target_length=config.max_target_length,
            start_id=START_ID,
            end_id=END_ID,
            shuffle=shuffle,
            seed=config.seed,
        )

    print(f"strategy: {describe_strategy(config.strategy, strategy)}")
    with strategy.scope():
        model = build_translator(
            config, source_tokenizer.vocabulary_size, target_tokenizer.vocabulary_size
        )
        train_ds = dataset(train_pairs, True)
        optimizer = make_optimizer(
            config, steps_per_epoch=len(train_ds), ema_momentum=config.ema_momentum
        )
        compile_teacher_forced(model, optimizer, label_smoothing=config.label_smoothing)
        started = time.monotonic()
        model = fit_resumable(
            model,
            train_ds,
            dataset(val_pairs, False),
            run_dir,
            epochs=config.epochs,
            patience=config.patience,
            title="seq2seq translator",
            ema=config.ema_momentum > 0,
            extra_callbacks=(
                (KeepEpochWeights(run_dir, config.average_last),) if config.average_last else ()
            ),
        )
        averaged = None
        if config.average_last:
            averaged = average_last_epochs(model, run_dir, config.average_last)
            print(
                f"checkpoint averaging: the model is the mean of epochs {averaged} "
                "(instead of the best-validation checkpoint)"
            )
    elapsed = time.monotonic() - started
    print(f"training finished in {elapsed:.1f} s (this session; resumed runs add earlier time)")

    trained = TrainedTranslator(run_dir, config, model, source_tokenizer, target_tokenizer)
    metrics, report = evaluate_translations(
        Translator(trained),
        test_pairs.sources,
        test_pairs.targets,
        title=f"held-out test split ({len(test_pairs)} pairs, unseen source sentences)",
    )
    report += data_note + record_session(metrics, config, strategy, elapsed)
    if averaged is not None:
        metrics["averaged_epochs"] = averaged
    return publish_run(run_dir, model, report, metrics, state)


def train_command(args: argparse.Namespace, settings: ResolvedSettings) -> int:
    """`python -m apps.translation train`: `train` with the parsed flags and the settings
    they resolve to (`resolve_translation_config`); exit status 0."""
    train(
        settings.config,
        args.data,
        on_bad_rows=args.on_bad_rows,
        run_dir=args.run_dir,
        overwrite=args.overwrite,
        preset=settings.preset,
    )
    return 0


# `from apps.translation import train` gives this module once it is imported (a package
# attribute named like a submodule is that submodule): calling it calls `train`.
callable_module(__name__, "train")
