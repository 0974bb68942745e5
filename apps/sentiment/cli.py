"""Command line of the sentiment app: train, evaluate, predict, download."""

from __future__ import annotations

import argparse
from pathlib import Path

from apps.sentiment.config import PretrainingConfig, SentimentConfig
from apps.sentiment.presets import PRESETS
from shared.cli import (
    add_download_command,
    add_export_command,
    add_trained_run_argument,
    add_training_arguments,
    add_verbose_argument,
    require_input_path,
    require_run,
    run_app,
)
from shared.embeddings.learned_vectors import WordVectorConfig
from shared.training.config import add_config_arguments

DESCRIPTION = """\
Classify text by sentiment with a bidirectional LSTM (positive/negative, or N classes).

Typical session (after `make install` and `source .venv/bin/activate`):
  rnn-sentiment train                        # embedded corpus, ~5 min
  rnn-sentiment train --data ../shared/data/imdb/train.csv.gz
  rnn-sentiment pretrain --data reviews.csv --run-dir runs/encoder  # unlabelled text
  rnn-sentiment train --data sst2.tsv --init-from runs/encoder
  rnn-sentiment evaluate --data ../shared/data/sst2/dev.tsv.gz --text-column sentence
  rnn-sentiment predict "not bad at all" "anything but a masterpiece"
  echo "I expected to hate it, but it won me over" | rnn-sentiment predict
  printf 'I expected to hate it,\nbut it won me over\n' | rnn-sentiment predict --stream

Runs are written to runs/sentiment/<data>-<settings hash>/; rerunning the same train
command resumes an interrupted run. evaluate and predict use the latest finished run
unless --run-dir says otherwise.
"""

DATA_HELP = (
    "Training data: 'embedded' (default, a generated corpus of tricky reviews), a CSV/TSV "
    "file with a header (plain or .gz), or a folder with one sub-folder of .txt files per "
    "class (aclImdb layout: train/pos, train/neg)."
)


def add_data_arguments(
    parser: argparse.ArgumentParser, data_help: str, repeatable: bool = False
) -> None:
    # repeatable: one or more sources, all read (pretraining).
    data = {"action": "append", "required": True} if repeatable else {"default": None}
    parser.add_argument("--data", metavar="PATH", help=data_help, **data)
    parser.add_argument("--text-column", default="text", help="Header of the text column.")
    parser.add_argument("--label-column", default="label", help="Header of the label column.")
    parser.add_argument(
        "--on-bad-rows",
        choices=("error", "skip"),
        default="error",
        help="error: stop and list every malformed row (default). skip: leave them out "
        "and write them to rejected_rows.tsv in the run folder.",
    )


def add_embedding_arguments(train: argparse.ArgumentParser) -> None:
    """`train`'s word-vector flags: a vector file, or unlabelled text to learn them from."""
    group = train.add_argument_group("word vectors (the embedding's starting point)")
    group.add_argument(
        "--embeddings",
        default=None,
        metavar="FILE",
        help="Start the embedding from pretrained vectors: GloVe text, word2vec text or "
        "binary, fastText .vec (plain or .gz; the format is read from the content). "
        "Vocabulary words the file lacks start random; the coverage is printed. Sets "
        "--embedding-dim to the file's dimension.",
    )
    group.add_argument(
        "--unlabelled",
        action="append",
        default=None,
        metavar="PATH",
        help="Learn word2vec vectors (gensim) from this unlabelled text plus the training "
        "texts first, then start the embedding from them (cached in the run folder). "
        "Repeat for several sources.",
    )
    group.add_argument(
        "--embeddings-trainable",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Fine-tune the vectors with the classifier (default), or keep them frozen.",
    )
    group.add_argument(
        "--freeze-embeddings",
        dest="embeddings_trainable",
        action="store_false",
        help="Same as --no-embeddings-trainable.",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnn-sentiment",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train a model and print its validation report",
        description="Train the BiLSTM and the TF-IDF baseline on the same split; write a "
        "run folder (model.keras, vocabulary.txt, labels.json, config.json, history.csv, "
        "learning_curves.png, report.txt, metrics.json, TensorBoard logs).",
    )
    add_data_arguments(train, DATA_HELP)
    train.add_argument(
        "--group-column",
        default=None,
        metavar="NAME",
        help="Header of a column grouping the examples (e.g. the film of each review): the "
        "validation split keeps every group on one side. Default: 'movie' when the file "
        "has that column (aclImdb folders: the films in urls_pos.txt/urls_neg.txt); "
        "'none' splits at random (by unique text).",
    )
    train.add_argument(
        "--validation-data",
        default=None,
        metavar="PATH",
        help="Validate on this file instead of holding out --validation-split of --data.",
    )
    train.add_argument(
        "--label-names",
        default=None,
        metavar="A,B",
        help="Names for sorted integer labels, e.g. 'negative,positive' for 0/1 "
        "(0/1 get exactly those names by default).",
    )
    train.add_argument(
        "--allow-odd-labels",
        action="store_true",
        help="Train on labels that look like typos as classes of their own: a word among "
        "integer labels ('maybe' among 0/1), a case variant of another label, or a label "
        "on under 1%% of the rows (at most 10). Without it, training stops and lists them "
        "with their rows.",
    )
    train.add_argument(
        "--init-from",
        type=Path,
        default=None,
        metavar="RUN_DIR",
        help="Start from a finished run's weights and vocabulary (fine-tuning; e.g. an "
        "IMDB model for SST-2). Its model shape settings replace these; a different "
        "number of classes gets a new output layer.",
    )
    add_embedding_arguments(train)
    add_training_arguments(train, SentimentConfig, PRESETS)

    word_vectors = commands.add_parser(
        "word-vectors",
        help="learn word vectors from unlabelled text (gensim word2vec/fastText)",
        description="Tokenise the texts exactly as the classifier does, learn word2vec or "
        "fastText vectors with gensim and write them in word2vec format (binary when --out "
        "ends in .bin, else text); then `train --embeddings <out>` starts from them.",
    )
    add_data_arguments(
        word_vectors,
        "Text to learn from: the formats train reads (labels ignored; an aclImdb train/ "
        "folder includes its unsup/ reviews). Repeat for several sources.",
        repeatable=True,
    )
    word_vectors.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="Where to write the vectors."
    )
    add_config_arguments(word_vectors, WordVectorConfig)

    pretrain = commands.add_parser(
        "pretrain",
        help="pretrain the encoder on unlabelled text (sequence autoencoder)",
        description="Dai & Le (2015): the BiLSTM encoder learns to summarise chunks of text "
        "that a decoder must rebuild from its final states alone. Then `train --init-from "
        "<this run>` starts the classifier from that encoder and its vocabulary (labels in "
        "--data are ignored: in-domain text is what counts, e.g. IMDB reviews for SST-2).",
    )
    add_data_arguments(
        pretrain,
        "Text to learn from: the formats train reads (labels ignored; an aclImdb train/ "
        "folder includes its unsup/ reviews). Repeat for several sources.",
        repeatable=True,
    )
    add_training_arguments(
        pretrain,
        PretrainingConfig,
        run_dir_help="Where to write the run (default: runs/sentiment-pretraining/<settings "
        "hash>).",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="score a trained model on labelled data",
        description="Print accuracy, precision, recall, F1 and the confusion matrix of the "
        "model and its TF-IDF baseline, save a confusion-matrix PNG, and end with one line "
        "of JSON holding the metrics.",
    )
    add_data_arguments(
        evaluate,
        "Labelled data to score (same formats as train; required, so a model is never "
        "scored on its own training data by default). 'embedded' scores a fresh held-out "
        "sample of the generated corpus.",
    )
    evaluate._option_string_actions["--data"].required = True
    add_trained_run_argument(evaluate)
    evaluate.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="Where the confusion-matrix PNG goes (default: the run's evaluations/ folder).",
    )

    predict = commands.add_parser(
        "predict",
        help="label texts given as arguments or lines on stdin",
        description="Print one JSON line per text: "
        '{"text": ..., "label": ..., "score": ..., "probabilities": {...}}. '
        'Empty texts and invalid UTF-8 get an {"text": ..., "error": ...} line '
        "and the exit status is 1; the other texts are still predicted.",
    )
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="Texts (default: stdin lines).")
    predict.add_argument(
        "--stream",
        action="store_true",
        help="Read the inputs as chunks of ONE text, as they come (each stdin line a chunk; "
        "split at spaces), and print the running answer after each chunk. Needs a run "
        "trained with --streaming (default: the latest such run); no max-length cut.",
    )
    add_trained_run_argument(predict)

    export = add_export_command(commands, "sentiment")
    export.add_argument(
        "--no-fused-lstm",
        action="store_true",
        help="Phone models with the LSTMs as plain WHILE loops: 3-4x slower on the phone, "
        "and no variable tensors (the fused ones zero theirs within every call).",
    )
    export.add_argument(
        "--phone-size",
        choices=("auto", "compact", "full"),  # apps.sentiment.phone_compression.PHONE_SIZES
        default="auto",
        help="Phone models: compact (a copy with a low-rank word embedding and a smaller bag "
        "of n-grams fitted to the trained weights; ~1.6 MB instead of ~10 MB in dynamic "
        "range), full (the trained classifier as is), or auto (compact when "
        "the word and n-gram tables exceed 1.5M weights, as with the real-data presets). The "
        "SavedModel always keeps the full model; export.json records the agreement.",
    )

    add_download_command(
        commands,
        "fetch the public IMDB reviews (needs internet)",
        "Download and unpack aclImdb_v1.tar.gz (84 MB); train with --data "
        "<dest>/aclImdb/train and evaluate with --data <dest>/aclImdb/test.",
    )
    for command in commands.choices.values():
        add_verbose_argument(command)
    return parser


DATA_EXPECTED = "a CSV/TSV file, a folder of class sub-folders, or 'embedded'"


def check_arguments(args: argparse.Namespace) -> None:
    """The mistakes a user can make in paths, reported before TensorFlow loads (~4 s)."""
    data = getattr(args, "data", None)
    for source in data if isinstance(data, list) else [data]:  # pretrain repeats --data
        require_input_path(source, "--data", DATA_EXPECTED)
    if getattr(args, "validation_data", None) is not None:
        require_input_path(args.validation_data, "--validation-data", DATA_EXPECTED)
    if getattr(args, "embeddings", None) is not None:
        from shared.embeddings.vector_files import inspect_vector_file  # numpy only, no TensorFlow

        dim = inspect_vector_file(args.embeddings).dim  # a bad file fails now, not later
        if args.embedding_dim is not None and args.embedding_dim != dim:
            raise ValueError(
                f"Expected --embedding-dim to match the {dim} values per word of "
                f"{args.embeddings}. Received --embedding-dim {args.embedding_dim}; leave it "
                f"out to use {dim}."
            )
        if args.unlabelled or args.init_from:
            raise ValueError(
                "Expected --embeddings without --unlabelled or --init-from (each sets the "
                f"embedding). Received --embeddings {args.embeddings} and "
                + ("--unlabelled" if args.unlabelled else f"--init-from {args.init_from}")
            )
    if getattr(args, "embeddings_trainable", True) is False and not (
        args.embeddings or args.unlabelled
    ):
        raise ValueError(
            "Expected --embeddings FILE or --unlabelled DATA with --freeze-embeddings "
            "(/--no-embeddings-trainable): there are no vectors to freeze. Received neither."
        )
    for source in getattr(args, "unlabelled", None) or []:
        require_input_path(source, "--unlabelled", DATA_EXPECTED)
    if getattr(args, "unlabelled", None) and getattr(args, "init_from", None):
        raise ValueError(
            "Expected --unlabelled without --init-from (each sets the embedding). "
            f"Received both (--init-from {args.init_from})."
        )
    if getattr(args, "config", None) is not None and not Path(args.config).is_file():
        raise ValueError(f"Expected a config file at {args.config}. Received: no such file.")
    if getattr(args, "init_from", None) is not None and not Path(args.init_from).is_dir():
        raise FileNotFoundError(
            f"Expected --init-from to be a finished run folder. Received: {args.init_from} "
            "(no such folder)."
        )
    if args.command in ("evaluate", "predict", "export"):
        require_run(args.run_dir, "sentiment")


# The commands, run after the arguments were checked. Each imports its module when it
# runs, so `--help` answers instantly, without starting TensorFlow.


def _train(args: argparse.Namespace) -> int:
    from apps.sentiment.presets import resolve_sentiment_config
    from apps.sentiment.train import train_command

    return train_command(args, resolve_sentiment_config(args))


def _word_vectors(args: argparse.Namespace) -> int:
    from apps.sentiment.word_vectors import word_vectors_command
    from shared.training.config import resolve_config

    return word_vectors_command(args, resolve_config(WordVectorConfig, args, {}))


def _pretrain(args: argparse.Namespace) -> int:
    from apps.sentiment.pretrain import pretrain
    from shared.training.config import resolve_config

    return pretrain(args, resolve_config(PretrainingConfig, args, {}))


def _export(args: argparse.Namespace) -> int:
    from apps.sentiment.export import build_export, latency_comparison
    from shared.export.exporter import run_export_command

    return run_export_command(
        args,
        build_export,
        "sentiment",
        latency_comparison,
        fuse_lstm=not args.no_fused_lstm,
        phone_size=args.phone_size,
    )


def _download(args: argparse.Namespace) -> int:
    from shared.datasets.download import IMDB_FOLDER, IMDB_SHA256, IMDB_URL, download_and_extract

    # A mirror (--url) may repackage the archive, so only the official one is checked.
    folder = download_and_extract(
        args.url or IMDB_URL,
        args.dest,
        sha256=None if args.url else IMDB_SHA256,
        folder_name=IMDB_FOLDER,
    )
    print(f"IMDB reviews in {folder}; train with --data {folder / 'train'}")
    return 0


COMMANDS = {
    "train": _train,
    "word-vectors": _word_vectors,
    "pretrain": _pretrain,
    "evaluate": "apps.sentiment.evaluate:evaluate",
    "predict": "apps.sentiment.predict_command:predict",
    "export": _export,
    "download": _download,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_app("apps.sentiment", args, argv, check_arguments, COMMANDS)
