"""`python -m apps.sentiment pretrain`: the classifier's encoder as a sequence autoencoder.

Dai & Le (2015): the shared encoder reads a chunk of text, the shared bridge maps its final
states, and the shared teacher-forced decoder rebuilds the chunk from those states alone.
`train --init-from <this run>` then starts the classifier from the encoder (embedding
included) and the vocabulary, so unlabelled in-domain text (IMDB reviews for SST-2) helps.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import PRETRAINING_FILE, REJECTED_ROWS_FILE, VOCABULARY_FILE
from apps.sentiment.config import PretrainingConfig
from apps.sentiment.data import DataOptions, load_examples
from apps.sentiment.model import build_sequence_autoencoder
from shared.cli import RUNS_ROOT, print_json_line
from shared.datasets.errors import DataError
from shared.datasets.examples import report_rejected_rows
from shared.ids import PAD_ID, UNK_ID
from shared.text.vectorizer import WordVectorizer, load_vocabulary, save_vocabulary
from shared.training.config import with_old_names
from shared.training.distribution import describe_strategy, make_strategy
from shared.training.reproducibility import set_seeds
from shared.training.run_directory import (
    RunDirectory,
    config_fingerprint,
    unfinished_run_without,
    write_json_atomic,
)
from shared.training.session import claim_run_folder
from shared.training.trainer import (
    compile_teacher_forced,
    finish_run,
    fit_resumable,
    make_optimizer,
)

# Whole texts are vectorized once, then cut into chunks: no text is truncated.
NO_TRUNCATION = 1_000_000


def pretraining_chunks(token_ids, chunk_length: int, min_tokens: int) -> list[np.ndarray]:
    """Cuts each text's ids (padding dropped) into consecutive chunks; drops short tails."""
    chunks = []
    for ids in token_ids:
        ids = np.asarray(ids)
        ids = ids[ids != PAD_ID]
        for start in range(0, len(ids), chunk_length):
            chunk = ids[start : start + chunk_length]
            if len(chunk) >= min_tokens:
                chunks.append(chunk)
    return chunks


def reconstruction_arrays(chunks: list[np.ndarray], chunk_length: int, decoder_vocabulary: int):
    """`((token_ids, decoder_inputs), labels, weights)` for teacher-forced reconstruction.

    The encoder reads the full ids; the decoder reads `[START] x1 .. x(n-1)` and predicts
    `x1 .. xn`, with ids at or above `decoder_vocabulary` as [UNK] and `[START]` =
    `decoder_vocabulary` (one id past the labels). Padding has weight 0.
    """
    token_ids = np.full((len(chunks), chunk_length), PAD_ID, np.int32)
    for row, chunk in enumerate(chunks):
        token_ids[row, : len(chunk)] = chunk
    labels = np.where(token_ids < decoder_vocabulary, token_ids, UNK_ID).astype(np.int32)
    labels[token_ids == PAD_ID] = PAD_ID
    start = np.full((len(chunks), 1), decoder_vocabulary, np.int32)
    decoder_inputs = np.concatenate([start, labels[:, :-1]], axis=1)
    weights = (token_ids != PAD_ID).astype(np.float32)
    return (token_ids, decoder_inputs), labels, weights


def read_texts(sources: list[str], options: DataOptions):
    """Every text of every source (labels are read, as `train` reads them, and ignored;
    a class-folder source brings its unlabelled `unsup/` reviews as well)."""
    options = dataclasses.replace(options, read_unlabelled_folders=True)
    texts, rejected = [], []
    for source in sources:
        data = load_examples(source, options)
        texts.extend(data.texts)
        rejected.extend(data.rejected)
    return texts, rejected


def run_settings(config: PretrainingConfig, args: argparse.Namespace) -> dict:
    return {
        **config.to_dict(),
        "data": [str(source) for source in args.data],
        "text_column": args.text_column,
        "label_column": args.label_column,
        "on_bad_rows": args.on_bad_rows,
    }


def pretrain(args: argparse.Namespace, config: PretrainingConfig) -> int:
    """Pretrains (or resumes, or reports a finished run) and prints the summary."""
    # First: multi-worker must configure TensorFlow before anything else runs in it.
    strategy = make_strategy(config.strategy)
    settings = run_settings(config, args)

    def folder_for(values: dict):
        return args.run_dir or RUNS_ROOT / "sentiment-pretraining" / config_fingerprint(values)

    # A run interrupted before the encoder settings were renamed resumes as it began.
    legacy = unfinished_run_without(
        settings, (), folder_for, lambda values: with_old_names(PretrainingConfig, values)
    )
    run_dir, settings = legacy or (RunDirectory(folder_for(settings)), settings)
    options = DataOptions(args.text_column, args.label_column, args.on_bad_rows)
    texts, rejected = read_texts(args.data, options)

    run_dir, state = claim_run_folder(run_dir, settings, strategy, args.overwrite)
    if state == "finished":
        return 0
    report_rejected_rows(rejected, run_dir.file(REJECTED_ROWS_FILE))

    set_seeds(config.seed, config.deterministic)
    vectorizer = WordVectorizer(
        max_length=NO_TRUNCATION, max_tokens=config.max_tokens, min_count=config.min_count
    )
    vocabulary_path = run_dir.file(VOCABULARY_FILE)
    if vocabulary_path.is_file():  # resuming: the ids must be the ones the weights learned
        vectorizer.set_vocabulary(load_vocabulary(vocabulary_path)[2:])
    else:
        vectorizer.adapt(texts)
        save_vocabulary(vocabulary_path, vectorizer.get_vocabulary())
    token_ids = []
    for start in range(0, len(texts), 1024):
        batch = tf.constant(texts[start : start + 1024], dtype=tf.string)
        token_ids.extend(vectorizer.vectorize(batch, pad_to_max_length=False).numpy())
    chunks = pretraining_chunks(token_ids, config.chunk_length, config.min_chunk_tokens)
    np.random.default_rng(config.seed).shuffle(chunks)
    if config.max_chunks:
        chunks = chunks[: config.max_chunks]
    held_out = int(round(len(chunks) * config.validation_split))
    if held_out < 1 or len(chunks) - held_out < 1:
        raise DataError(
            f"Expected enough text for at least one training and one validation chunk of "
            f">= {config.min_chunk_tokens} tokens. Received {len(texts)} texts giving "
            f"{len(chunks)} chunk(s) (validation_split={config.validation_split})."
        )
    inputs, labels, weights = reconstruction_arrays(
        chunks, config.chunk_length, config.decoder_vocabulary
    )
    tokens = int(weights.sum())
    print(
        f"data: {len(texts)} texts -> {len(chunks)} chunks of <= {config.chunk_length} tokens "
        f"({tokens:,} tokens; {held_out} chunks held out); vocabulary "
        f"{vectorizer.vocabulary_size}, decoder predicts the {config.decoder_vocabulary} "
        "most frequent ids"
    )

    def dataset(rows: slice, shuffle: bool) -> tf.data.Dataset:
        data = tf.data.Dataset.from_tensor_slices(
            ((inputs[0][rows], inputs[1][rows]), labels[rows], weights[rows])
        )
        if shuffle:
            data = data.shuffle(min(len(chunks), 50_000), seed=config.seed)
        return data.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)

    train_ds = dataset(slice(held_out, None), True)
    validation_ds = dataset(slice(0, held_out), False)
    print(f"strategy: {describe_strategy(config.strategy, strategy)}")
    with strategy.scope():
        autoencoder = build_sequence_autoencoder(config, vectorizer.vocabulary_size)
        compile_teacher_forced(autoencoder, make_optimizer(config, steps_per_epoch=len(train_ds)))
        started = time.monotonic()
        autoencoder = fit_resumable(
            autoencoder,
            train_ds,
            validation_ds,
            run_dir,
            epochs=config.epochs,
            patience=config.patience,
            title="sequence autoencoder (pretraining)",
        )
    elapsed = time.monotonic() - started
    loss, accuracy = autoencoder.evaluate(validation_ds, verbose=0)
    metrics = {
        "texts": len(texts),
        "chunks": len(chunks),
        "tokens": tokens,
        "validation_loss": round(float(loss), 4),
        "validation_reconstruction_accuracy": round(float(accuracy), 4),
        "train_seconds_this_session": round(elapsed, 1),
        "strategy": config.strategy,
        "replicas": strategy.num_replicas_in_sync,
    }
    report = (
        f"sequence autoencoder: {len(chunks)} chunks, {tokens:,} tokens\n"
        f"held-out chunks ({held_out}): loss {loss:.4f}, "
        f"{accuracy:.1%} of tokens reconstructed\n"
        f"use it: rnn-sentiment train --data ... --init-from {run_dir.path}\n"
        f"strategy: {describe_strategy(config.strategy, strategy)}, "
        f"global batch {config.batch_size}\n"
    )
    write_json_atomic(run_dir.file(PRETRAINING_FILE), metrics)
    finish_run(run_dir, autoencoder, report, metrics)
    print(report, end="")
    print(f"learning curves: {run_dir.curves_path}")
    print_json_line(metrics)
    return 0
