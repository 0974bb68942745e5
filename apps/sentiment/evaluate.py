"""`python -m apps.sentiment evaluate`: a readable report, then one line of JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.baseline import run_baseline
from apps.sentiment.data import EMBEDDED, DataOptions, embedded_held_out, load_examples
from apps.sentiment.inference import SentimentPredictor
from apps.sentiment.report import evaluate_and_report
from shared.cli import latest_finished_run, print_json_line
from shared.datasets.examples import report_rejected_rows


def evaluate(args: argparse.Namespace) -> int:
    trained = TrainedSentimentModel.load(args.run_dir or latest_finished_run("sentiment"))
    if str(args.data) == EMBEDDED:
        data = embedded_held_out()
    else:
        data = load_examples(
            args.data, DataOptions(args.text_column, args.label_column, args.on_bad_rows)
        )
    label_ids = trained.labels.encode(data)
    source = str(args.data)
    name = Path(source).name.split(".")[0]
    output_dir = Path(args.output_dir) if args.output_dir else trained.run_dir.path / "evaluations"
    metrics, report = evaluate_and_report(
        SentimentPredictor(trained),
        run_baseline(trained),
        data.texts,
        label_ids,
        title=f"{source} ({len(data)} examples) with {trained.run_dir.path}",
        confusion_png=output_dir / f"{name}-confusion_matrix.png",
    )
    if data.rejected:
        metrics["skipped_rows"] = len(data.rejected)
    print(report, end="")
    # As train does: every skipped row is listed in a file, nothing is lost.
    report_rejected_rows(data.rejected, output_dir / f"{name}-rejected_rows.tsv")
    print_json_line(metrics)
    return 0
