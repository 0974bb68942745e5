"""Command line of the translation app: train, evaluate, translate, download."""

from __future__ import annotations

import argparse
from pathlib import Path

from apps.translation.config import TranslationConfig
from apps.translation.presets import PRESETS
from shared.cli import (
    MAX_BEAM_WIDTH,
    add_download_command,
    add_export_command,
    add_trained_run_argument,
    add_training_arguments,
    add_verbose_argument,
    beam_width,
    positive_int,
    require_input_path,
    require_run,
    run_app,
)

DESCRIPTION = """\
Translate sentences (Spanish -> English by default) with an attention-free seq2seq model:
a bidirectional LSTM reads the source, its final states start an LSTM decoder, and
greedy or beam search writes the translation. Subword (WordPiece) vocabularies are
learned from the training pairs; tokenisation runs inside the TensorFlow graph.

Typical session (after `make install` and `source .venv/bin/activate`):
  rnn-translate train                          # embedded generated corpus
  rnn-translate train --data ../shared/data/translation/spa-eng.tsv.gz
  rnn-translate evaluate --data runs/translation/<run>/test_pairs.tsv
  rnn-translate translate "¿Dónde está el libro?" "No tengo un perro."
  echo "Hoy comemos pan." | rnn-translate translate --beam-width 1

train holds out --test-split of the pairs by unique source sentence and reports BLEU and
chrF (sacrebleu) on them; the held-out pairs are saved as test_pairs.tsv in the run.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnn-translate",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bad_rows = {
        "choices": ("error", "skip"),
        "default": "error",
        "help": "error: stop and list every malformed row (default); skip: leave them out.",
    }

    train = commands.add_parser(
        "train",
        help="train a model and report BLEU on held-out pairs",
        description="Train the seq2seq model with teacher forcing; write a run folder "
        "(model.keras, source/target vocabularies, config.json, history.csv, "
        "learning_curves.png, TensorBoard logs, test_pairs.tsv, report.txt, metrics.json).",
    )
    train.add_argument(
        "--data",
        default=None,
        metavar="PATH",
        help="'embedded' (default: generated Spanish-English pairs), a TSV with a language "
        "header (english<TAB>spanish, as ../shared/data/translation/*.tsv.gz), or a "
        "headerless Anki/Tatoeba file (English<TAB>other[<TAB>attribution]).",
    )
    train.add_argument("--on-bad-rows", **bad_rows)
    add_training_arguments(train, TranslationConfig, PRESETS)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a trained model on a pair file (BLEU, chrF)",
        description="Translate every pair greedily and with the run's beam; print BLEU and "
        "chrF (sacrebleu), examples, speed, and end with one line of JSON.",
    )
    evaluate.add_argument(
        "--data",
        required=True,
        metavar="PATH",
        help="Pair file (same formats as train; e.g. the run's test_pairs.tsv), or "
        "'embedded' for 2,000 freshly generated pairs whose sources the corpus lacks.",
    )
    evaluate.add_argument("--on-bad-rows", **bad_rows)
    add_trained_run_argument(evaluate)
    evaluate.add_argument(
        "--limit", type=positive_int, default=None, help="Score only the first N pairs."
    )

    translate = commands.add_parser(
        "translate",
        help="translate sentences given as arguments or lines on stdin",
        description='Print one JSON line per input: {"text": ..., "translation": ..., '
        '"beam": ...}. Empty or punctuation-only lines and invalid UTF-8 get an '
        '{"text": ..., "error": ...} line and exit status 1; the rest are translated.',
    )
    translate.add_argument("texts", nargs="*", metavar="TEXT", help="Sentences (default: stdin).")
    add_trained_run_argument(translate)
    translate.add_argument(
        "--beam-width",
        type=beam_width,
        default=None,
        help=f"1 for greedy, at most {MAX_BEAM_WIDTH}; default: the run's beam width.",
    )
    translate.add_argument(
        "--n-best",
        type=positive_int,
        default=None,
        metavar="K",
        help="Also print the K best beam hypotheses with their scores, best first: "
        '"n_best": [{"translation": ..., "score": ...}, ...] (K <= the beam width; score '
        "is the length-normalised log-probability).",
    )

    export = add_export_command(commands, "translation")
    export.add_argument(
        "--beam-width",
        type=beam_width,
        default=None,
        help="Beam width of serving_default, fixed in the graph (default: the run's).",
    )

    download = add_download_command(
        commands,
        "fetch Tatoeba/Anki sentence pairs (needs internet)",
        "Download manythings.org's <code>-eng.zip (Tatoeba pairs, CC BY 2.0 FR) and unpack "
        "it; train with --data <dest>/<code>-eng/<code>.txt.",
    )
    download.add_argument("--language", default="spa", help="ISO 639-3 code, e.g. spa, fra.")
    for command in commands.choices.values():
        add_verbose_argument(command)
    return parser


def check_arguments(args: argparse.Namespace) -> None:
    """The mistakes a user can make in paths, reported before TensorFlow loads (~4 s)."""
    require_input_path(getattr(args, "data", None), "--data", "a pair file or 'embedded'")
    if getattr(args, "config", None) is not None and not Path(args.config).is_file():
        raise ValueError(f"Expected a config file at {args.config}. Received: no such file.")
    if args.command in ("evaluate", "translate", "export"):
        require_run(args.run_dir, "translation")
    n_best, beam_width = getattr(args, "n_best", None), getattr(args, "beam_width", None)
    if n_best is not None and beam_width is not None and n_best > beam_width:
        raise ValueError(
            f"Expected --n-best <= --beam-width ({beam_width}). Received: --n-best {n_best}."
        )


# The commands, run after the arguments were checked. Each imports its module when it
# runs, so `--help` answers without starting TensorFlow.


def _train(args: argparse.Namespace) -> int:
    from apps.translation.presets import resolve_translation_config
    from apps.translation.train import train_command

    return train_command(args, resolve_translation_config(args))


def _export(args: argparse.Namespace) -> int:
    from apps.translation.export import build_export, latency_comparison
    from shared.export.exporter import run_export_command

    return run_export_command(
        args, build_export, "translation", latency_comparison, beam_width=args.beam_width
    )


def _download(args: argparse.Namespace) -> int:
    from shared.datasets.pairs import download_anki_pairs

    path = download_anki_pairs(args.language, args.dest, url=args.url)
    print(f"pairs in {path}; train with --data {path}")
    return 0


COMMANDS = {
    "train": _train,
    "evaluate": "apps.translation.evaluate:evaluate",
    "translate": "apps.translation.translate_command:translate",
    "export": _export,
    "download": _download,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_app("apps.translation", args, argv, check_arguments, COMMANDS)
