"""`python -m apps.translation evaluate`: BLEU/chrF report, then one line of JSON."""

from __future__ import annotations

import argparse

from apps.translation.artifacts import TrainedTranslator
from apps.translation.data import EMBEDDED, embedded_held_out, load_pairs
from apps.translation.report import evaluate_translations
from apps.translation.translator import Translator
from shared.cli import latest_finished_run, print_json_line


def evaluate(args: argparse.Namespace) -> int:
    """Scores a trained run on every pair of `--data` (no length filter)."""
    trained = TrainedTranslator.load(args.run_dir or latest_finished_run("translation"))
    config = trained.config
    if str(args.data) == EMBEDDED:
        pairs = embedded_held_out()
    else:
        pairs = load_pairs(args.data, config, args.on_bad_rows, length_filter=False)
    if args.limit is not None:
        pairs = pairs.subset(range(min(args.limit, len(pairs))))
    metrics, report = evaluate_translations(
        Translator(trained),
        pairs.sources,
        pairs.targets,
        title=f"{args.data} ({len(pairs)} pairs) with {trained.run_dir.path}",
    )
    if pairs.rejected:
        metrics["skipped_rows"] = len(pairs.rejected)
        first = pairs.rejected[0]
        report += f"skipped {len(pairs.rejected)} bad row(s), e.g. {first.origin}: {first.reason}\n"
    print(report, end="")
    print_json_line(metrics)
    return 0
