"""Training: data -> vocabulary -> BiLSTM -> report, resumably.

`train(config, data, ...)` is the one entry point: the Python API calls it with a config
object, `python -m apps.sentiment train` through `train_command` with its parsed flags.

    from apps.sentiment import SentimentConfig, train
    result = train(SentimentConfig(epochs=3), "reviews.csv")
    result.run_dir, result.metrics["accuracy"]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

from apps.sentiment.artifacts import (
    BASELINE_FILE,
    LABELS_FILE,
    REJECTED_ROWS_FILE,
    VOCABULARY_FILE,
    TrainedSentimentModel,
)
from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import NO_GROUPS, DataOptions, load_examples
from apps.sentiment.inference import SentimentPredictor
from apps.sentiment.model import build_classifier
from apps.sentiment.report import evaluate_and_report
from apps.sentiment.run_settings import GROUP_SETTING, run_folder, run_settings
from apps.sentiment.warm_start import start_from_source, warm_start_source
from apps.sentiment.whole_documents import fit_whole_documents
from apps.sentiment.word_vectors import (
    EmbeddingSource,
    fit_dimensions,
    initial_embedding,
    start_embedding,
)
from shared.datasets.examples import LabelledTexts, report_rejected_rows
from shared.datasets.labels import LabelSet
from shared.evaluation.text_baseline import fit_baseline, save_baseline
from shared.package_api import callable_module
from shared.text.vectorizer import WordVectorizer, load_vocabulary, save_vocabulary
from shared.training.adversarial import AdversarialTrainer
from shared.training.distribution import describe_strategy, make_strategy
from shared.training.pipelines import text_classification_dataset
from shared.training.presets import ResolvedSettings
from shared.training.reproducibility import set_seeds
from shared.training.run_directory import TrainingResult
from shared.training.session import claim_run_folder, publish_run, record_session
from shared.training.splits import describe_split, split_examples
from shared.training.trainer import fit_resumable, make_optimizer


def train(
    config: SentimentConfig | None = None,
    data: str | Path | None = None,
    *,
    validation_data: str | Path | None = None,
    options: DataOptions | None = None,
    label_names: Sequence[str] | None = None,
    run_dir: str | Path | None = None,
    overwrite: bool = False,
    init_from: str | Path | None = None,
    preset: str | None = None,
    callbacks: Sequence = (),
    embeddings: str | Path | None = None,
    unlabelled: Sequence[str | Path] = (),
    embeddings_trainable: bool = True,
    examples: LabelledTexts | None = None,
) -> TrainingResult:
    """Trains a classifier (or resumes an interrupted run, or reports a finished one).

    Prints progress and the validation report, as `python -m apps.sentiment train` does.

    Args:
        config: the settings (default: `SentimentConfig()`); used as given, no preset.
        data: `"embedded"`/None (the generated corpus), a CSV/TSV file or a folder of
            class sub-folders.
        validation_data: validate on this source instead of holding out
            `config.validation_split` of `data`.
        options: how to read `data` and `validation_data` (columns, groups, bad rows;
            default: `DataOptions()`).
        label_names: names for sorted integer labels (`0/1` get negative/positive).
        run_dir: the run folder (default: `runs/sentiment/<data>-<settings hash>`).
        overwrite: replace a run with other settings in `run_dir` instead of refusing.
        init_from: a finished run (or `pretrain` run) to start from.
        preset: the preset name the config was resolved with (recorded in the run's
            settings only; the CLI passes it).
        callbacks: extra Keras callbacks for the fit.
        embeddings: a word-vector file (GloVe, word2vec text/binary, fastText .vec) to
            start the embedding from; its dimension replaces `config.embedding_dim`.
        unlabelled: sources of unlabelled text: word2vec vectors (`embedding_dim` values)
            are learned from them plus the training texts first, cached in the run folder.
        embeddings_trainable: fine-tune those vectors (True) or keep them frozen.
        examples: `data` as already read with `options` (the command line reads it once,
            to choose its preset); default: read here.

    Returns:
        The run folder, what it held before (`"new"`, `"resume"`, `"finished"`) and the
        validation metrics.

    Raises:
        DataError: unreadable data (file and line named).
        ValueError: out-of-range settings, or `run_dir` holds a run with other settings.
    """
    config = SentimentConfig() if config is None else config
    config.validate()
    # First: multi-worker must configure TensorFlow before anything else runs in it.
    strategy = make_strategy(config.strategy)
    # Class folders never read `unsup/` here: it is not a class (pretraining reads it).
    options = dataclasses.replace(options or DataOptions(), read_unlabelled_folders=False)
    if isinstance(label_names, str):
        label_names = label_names.split(",")
    label_names = tuple(label_names) if label_names else None
    source, config = warm_start_source(init_from, config)
    vectors = EmbeddingSource(embeddings, tuple(map(str, unlabelled or ())), embeddings_trainable)
    if vectors.used and init_from:
        raise ValueError(
            "Expected --init-from without --embeddings/--unlabelled (each sets the embedding)."
            f" Received --init-from {init_from} and {vectors.settings()}."
        )
    vectors, config = fit_dimensions(vectors, config)
    settings = run_settings(config, data, validation_data, options, label_names, init_from, preset)
    settings.update(vectors.settings())  # only when used: other runs keep their hash
    data = examples if examples is not None else load_examples(data, options)
    if validation_data:
        data = dataclasses.replace(data, groups=None, group_name=None)
    if data.groups is not None:
        settings[GROUP_SETTING] = data.group_name
    run_dir, settings, data = run_folder(settings, run_dir, data)

    labels = LabelSet.infer(data, label_names, allow_odd=options.allow_odd_labels)
    label_ids = labels.encode(data)
    if validation_data:
        validation = load_examples(
            validation_data, dataclasses.replace(options, group_column=NO_GROUPS)
        )
        train_data, train_ids = data, label_ids
        val_data, val_ids = validation, labels.encode(validation)
        val_title = f"validation ({len(val_data)} examples)"
        split_line = f"validation: {validation_data}"
    else:
        train_idx, val_idx = split_examples(
            data, label_ids, labels, config.validation_split, config.seed
        )
        train_data, train_ids = data.subset(train_idx), [label_ids[i] for i in train_idx]
        val_data, val_ids = data.subset(val_idx), [label_ids[i] for i in val_idx]
        split_line = f"validation: {describe_split(data, val_idx)}"
        grouped = f", grouped by {data.group_name}" if data.groups is not None else ""
        val_title = f"validation ({len(val_data)} examples{grouped})"

    run_dir, state = claim_run_folder(run_dir, settings, strategy, overwrite)
    if state == "finished":
        return TrainingResult.of_finished(run_dir, state)
    report_rejected_rows(data.rejected, run_dir.file(REJECTED_ROWS_FILE))
    print(
        f"data: {len(train_data)} training / {len(val_data)} validation examples, "
        f"classes {list(labels.names)}"
    )
    print(split_line)

    set_seeds(config.seed, config.deterministic)
    vectorizer = WordVectorizer(
        max_length=config.max_length,
        max_tokens=config.max_tokens,
        min_count=config.min_count,
        truncate_from=config.truncate_from,
    )
    vocabulary_path = run_dir.file(VOCABULARY_FILE)
    if vocabulary_path.is_file():  # resuming: the ids must be the ones the weights learned
        vectorizer.set_vocabulary(load_vocabulary(vocabulary_path)[2:])
    elif source is not None:  # warm start: the source's ids, so its embeddings still apply
        vectorizer.set_vocabulary(source.vectorizer.get_vocabulary()[2:])
        save_vocabulary(vocabulary_path, vectorizer.get_vocabulary())
    else:
        vectorizer.adapt(train_data.texts)
        save_vocabulary(vocabulary_path, vectorizer.get_vocabulary())
    labels.save(run_dir.file(LABELS_FILE))
    print(f"vocabulary: {vectorizer.vocabulary_size} tokens ([PAD], [UNK] included)")
    embedding_record = {}
    if vectors.used:
        initial, embedding_record = initial_embedding(
            run_dir, vectors, vectorizer.get_vocabulary(), train_data.texts, options, config.seed
        )

    def dataset(texts, ids, shuffle):
        return text_classification_dataset(
            texts,
            ids,
            vectorizer,
            config.batch_size,
            shuffle=shuffle,
            seed=config.seed,
            bucket_by_length=config.length_bucketing,
        )

    train_ds = dataset(train_data.texts, train_ids, True)
    val_ds = dataset(val_data.texts, val_ids, False)
    print(f"strategy: {describe_strategy(config.strategy, strategy)}")
    with strategy.scope():
        classifier = build_classifier(config, vectorizer.vocabulary_size, len(labels))
        if vectors.used:
            start_embedding(classifier, initial.matrix, vectors.trainable)
        if source is not None:
            start_from_source(source, classifier, labels, init_from)
        started = time.monotonic()
        document_metrics = {}
        if config.document_window:
            classifier, document_metrics = fit_whole_documents(
                classifier,
                config,
                vectorizer,
                (train_data.texts, train_ids),
                (val_data.texts, val_ids),
                run_dir,
                callbacks,
            )
        else:
            # Adversarial training wraps the classifier for fitting only: what is saved
            # and exported afterwards is the plain classifier.
            model = classifier
            if config.adversarial_epsilon:
                model = AdversarialTrainer(classifier, config.adversarial_epsilon)
            objective = {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}
            model.compile(
                optimizer=make_optimizer(config, steps_per_epoch=len(train_ds)), **objective
            )
            best = fit_resumable(
                model,
                train_ds,
                val_ds,
                run_dir,
                epochs=config.epochs,
                patience=config.patience,
                title="sentiment BiLSTM",
                extra_callbacks=tuple(callbacks),
            )
            classifier = best
            if isinstance(best, AdversarialTrainer):
                classifier = best.classifier
                # Compiled as a plain run's is, its optimizer state included.
                classifier.compile(optimizer=best.optimizer, **objective)
    elapsed = time.monotonic() - started
    print(f"training finished in {elapsed:.1f} s (this session; resumed runs add earlier time)")

    baseline = fit_baseline(train_data.texts, train_ids, seed=config.seed)
    save_baseline(baseline, run_dir.file(BASELINE_FILE))
    trained = TrainedSentimentModel(run_dir, config, classifier, vectorizer, labels)
    metrics, report = evaluate_and_report(
        SentimentPredictor(trained),
        baseline,
        val_data.texts,
        val_ids,
        title=val_title,
        confusion_png=run_dir.file("confusion_matrix.png"),
    )
    report += record_session(metrics, config, strategy, elapsed)
    if document_metrics:
        metrics.update(document_metrics)
        report += (
            f"whole texts in windows of {config.document_window} words: validation accuracy "
            f"{document_metrics['whole_document_accuracy']:.4f} (the report above reads "
            f"texts cut to max_length={config.max_length})\n"
        )
    if embedding_record:
        metrics.update(embedding_record)
        report += (
            f"embeddings: {embedding_record['embeddings_found']:,} vocabulary words "
            f"({embedding_record['embeddings_coverage']:.1%}) from "
            f"{embedding_record['embeddings_file']}, "
            + ("fine-tuned" if vectors.trainable else "frozen")
            + (
                f"; vectors learned in {embedding_record['word_vectors_seconds']:.0f} s"
                if "word_vectors_seconds" in embedding_record
                else ""
            )
            + "\n"
        )
    tensorboard = f"TensorBoard: tensorboard --logdir {run_dir.tensorboard_dir}"
    return publish_run(run_dir, classifier, report, metrics, state, extra_lines=(tensorboard,))


def train_command(
    args: argparse.Namespace, settings: ResolvedSettings, callbacks: Sequence = ()
) -> int:
    """`python -m apps.sentiment train`: `train` with the parsed flags and the settings
    they resolve to (`resolve_sentiment_config`); exit status 0."""
    train(
        settings.config,
        args.data,
        validation_data=args.validation_data,
        options=DataOptions.from_args(args),
        label_names=args.label_names.split(",") if args.label_names else None,
        run_dir=args.run_dir,
        overwrite=args.overwrite,
        init_from=getattr(args, "init_from", None),
        preset=settings.preset,
        callbacks=callbacks,
        embeddings=getattr(args, "embeddings", None),
        unlabelled=getattr(args, "unlabelled", None) or (),
        embeddings_trainable=getattr(args, "embeddings_trainable", True),
        examples=settings.data,
    )
    return 0


# `from apps.sentiment import train` gives this module once it is imported (a package
# attribute named like a submodule is that submodule): calling it calls `train`.
callable_module(__name__, "train")
