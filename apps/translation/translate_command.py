"""`python -m apps.translation translate`: one JSON line per input sentence."""

from __future__ import annotations

import argparse
import sys

from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from shared.answers import translation_answer
from shared.cli import latest_finished_run
from shared.command_inputs import answer_each_input


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
    n_best = getattr(args, "n_best", None)
    if n_best is not None and n_best > beam:
        raise ValueError(
            f"Expected --n-best <= the beam width ({beam}). Received: --n-best {n_best}; "
            f"pass --beam-width {n_best} (or more) to get {n_best} hypotheses."
        )
    max_length = trained.config.max_source_length
    translator = Translator(trained)

    def run(texts):
        if n_best is None:
            return translator.translate(texts, beam_width=beam)
        return translator.translate_n_best(texts, n_best, beam)

    def render(output):
        if n_best is None:
            return translation_answer(output, beam)
        return translation_answer(output[0][0] if output else "", beam, output)

    return answer_each_input(
        args.texts,
        accept=has_words,
        rejection="nothing to translate: expected at least one letter or digit",
        run=run,
        render=render,
        max_tokens=max_length,
        truncation_note=lambda n: (
            f"note: {n} input(s) had more than {max_length} subword tokens and were "
            f"truncated to their first {max_length}."
        ),
    )
