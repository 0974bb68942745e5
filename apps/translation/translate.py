"""`python -m apps.translation translate`: one JSON line per input sentence."""

from __future__ import annotations

import argparse
import sys

from apps.translation.artifacts import TrainedTranslator
from apps.translation.translator import Translator
from shared.cli import latest_finished_run, print_json_line, read_inputs


def has_words(text: str) -> bool:
    """False for empty, whitespace-only or punctuation-only lines (nothing to translate)."""
    return any(ch.isalnum() for ch in text)


def translate(args: argparse.Namespace) -> int:
    """Translates every valid input; invalid ones get an `error` line, nothing is dropped."""
    trained = TrainedTranslator.load(args.run_dir or latest_finished_run("translation"))
    inputs = list(read_inputs(args))
    if not inputs:
        raise ValueError("Expected sentences as arguments or one per line on stdin. Received none.")
    valid = [
        i for i, (_, text, problem) in enumerate(inputs) if problem is None and has_words(text)
    ]
    beam = trained.config.beam_width if args.beam_width is None else args.beam_width
    outputs, counts = Translator(trained).translate([inputs[i][1] for i in valid], beam_width=beam)
    results = dict(zip(valid, zip(outputs, counts, strict=True), strict=True))

    max_length = trained.config.max_source_length
    truncated = failures = 0
    for i, (origin, text, problem) in enumerate(inputs):
        if i not in results:
            failures += 1
            problem = problem or "nothing to translate: expected at least one letter or digit"
            print_json_line({"text": text, "error": f"{origin}: {problem}"})
            continue
        translation, count = results[i]
        truncated += int(count > max_length)
        print_json_line({"text": text, "translation": translation, "beam": beam})
    if truncated:
        print(
            f"note: {truncated} input(s) had more than {max_length} subword tokens and were "
            f"truncated to their first {max_length}.",
            file=sys.stderr,
        )
    return 1 if failures else 0
