"""`python -m apps.translation translate`: one JSON line per input sentence."""

from __future__ import annotations

import argparse
import sys

from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from shared.answers import translation_answer
from shared.cli import answer_each_input, latest_finished_run


def has_words(text: str) -> bool:
    """False for empty, whitespace-only or punctuation-only lines (nothing to translate)."""
    return any(ch.isalnum() for ch in text)


def translate(args: argparse.Namespace) -> int:
    """Translates every valid input; invalid ones get an `error` line, nothing is dropped.

    Says which run it uses on stderr (stdout holds only the JSON lines).
    """
    trained = TrainedTranslator.load(args.run_dir or latest_finished_run("translation"))
    print(f"using run {trained.run_dir.describe()}", file=sys.stderr)
    beam = trained.config.beam_width if args.beam_width is None else args.beam_width
    max_length = trained.config.max_source_length
    translator = Translator(trained)
    return answer_each_input(
        args,
        accept=has_words,
        rejection="nothing to translate: expected at least one letter or digit",
        run=lambda texts: translator.translate(texts, beam_width=beam),
        render=lambda translation: translation_answer(translation, beam),
        max_tokens=max_length,
        truncation_note=lambda n: (
            f"note: {n} input(s) had more than {max_length} subword tokens and were "
            f"truncated to their first {max_length}."
        ),
    )
