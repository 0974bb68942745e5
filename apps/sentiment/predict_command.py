"""`python -m apps.sentiment predict`: one JSON line per input text."""

from __future__ import annotations

import argparse
import sys

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.inference import SentimentPredictor
from shared.answers import sentiment_answer
from shared.cli import latest_finished_run
from shared.command_inputs import answer_each_input


def predict(args: argparse.Namespace) -> int:
    """Predicts every valid input; invalid ones get an `error` line, nothing is dropped.

    Says which run it uses on stderr (stdout holds only the JSON lines). Exits 0 when
    every input was predicted, 1 when some were rejected. `--stream` reads the inputs
    as chunks of one text instead (`apps.sentiment.stream_command`).
    """
    if args.stream:
        from apps.sentiment.stream_command import predict_stream  # noqa: PLC0415

        return predict_stream(args)
    trained = TrainedSentimentModel.load(args.run_dir or latest_finished_run("sentiment"))
    print(f"using run {trained.run_dir.describe()}", file=sys.stderr)
    names = trained.labels.names
    max_length = trained.config.max_length
    side = "first" if trained.config.truncate_from == "end" else "last"
    return answer_each_input(
        args.texts,
        accept=lambda text: bool(text.strip()),
        rejection="empty text: expected at least one non-space character",
        run=SentimentPredictor(trained).predict,
        render=lambda probabilities: sentiment_answer(probabilities, names),
        max_tokens=max_length,
        truncation_note=lambda n: (
            f"note: {n} text(s) had more than {max_length} tokens and were truncated "
            f"to their {side} {max_length} tokens."
        ),
    )
