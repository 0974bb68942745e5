"""`python -m apps.sentiment predict`: one JSON line per input text."""

from __future__ import annotations

import argparse
import sys

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.predictor import SentimentPredictor
from shared.cli import latest_finished_run, print_json_line, read_inputs


def predict(args: argparse.Namespace) -> int:
    """Predicts every valid input; invalid ones get an `error` line, nothing is dropped.

    Exits 0 when every input was predicted, 1 when some were rejected.
    """
    trained = TrainedSentimentModel.load(args.run_dir or latest_finished_run("sentiment"))
    inputs = list(read_inputs(args))
    if not inputs:
        raise ValueError("Expected texts as arguments or one per line on stdin. Received none.")
    valid = [
        (i, text) for i, (_, text, problem) in enumerate(inputs) if problem is None and text.strip()
    ]
    probabilities, counts = SentimentPredictor(trained).predict([text for _, text in valid])
    results = {i: (p, c) for (i, _), p, c in zip(valid, probabilities, counts, strict=True)}

    names = trained.labels.names
    max_length = trained.config.max_length
    truncated = failures = 0
    for i, (origin, text, problem) in enumerate(inputs):
        if i not in results:
            failures += 1
            problem = problem or "empty text: expected at least one non-space character"
            print_json_line({"text": text, "error": f"{origin}: {problem}"})
            continue
        p, count = results[i]
        truncated += int(count > max_length)
        best = int(p.argmax())
        print_json_line(
            {
                "text": text,
                "label": names[best],
                "probability": round(float(p[best]), 4),
                "probabilities": {n: round(float(v), 4) for n, v in zip(names, p, strict=True)},
            }
        )
    if truncated:
        side = "first" if trained.config.truncate_from == "end" else "last"
        print(
            f"note: {truncated} text(s) had more than {max_length} tokens and were truncated "
            f"to their {side} {max_length} tokens.",
            file=sys.stderr,
        )
    return 1 if failures else 0
