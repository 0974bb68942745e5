"""`rnn-sentiment predict --stream`: one text read chunk by chunk, one JSON line per chunk."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.streaming import SentimentStream
from shared.answers import sentiment_answer
from shared.cli import RUNS_ROOT, latest_finished_run, print_json_line
from shared.command_inputs import read_inputs


def can_stream(run_dir: Path) -> bool:
    """Whether a finished run was trained with `--streaming` (read from its config.json)."""
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    return bool(config.get("streaming"))


def latest_stream_capable_run(runs_root: Path = RUNS_ROOT) -> Path:
    """The most recently finished sentiment run that can stream."""
    kind = ("stream-capable model", " --streaming")
    return latest_finished_run("sentiment", runs_root, accept=can_stream, kind=kind)


def predict_stream(args: argparse.Namespace) -> int:
    """Reads chunks (stdin lines, or the arguments) as they come and answers each one.

    Every chunk continues the same text; its line holds the answer for everything read
    so far: `{"text": <the chunk>, "label", "score", "probabilities"}`. A chunk that is
    not UTF-8 gets an `error` line and is skipped (the state is kept); the exit status
    is then 1.
    """
    run_dir = args.run_dir or latest_stream_capable_run()
    stream = SentimentStream(TrainedSentimentModel.load(run_dir))  # refuses other runs
    print(f"using run {stream.trained.run_dir.describe()} (streaming)", file=sys.stderr)
    names = stream.trained.labels.names
    state, failures = None, 0
    for origin, chunk, problem in read_inputs(args.texts):
        if problem is not None:
            failures += 1
            print_json_line({"text": chunk, "error": f"{origin}: {problem}"})
            continue
        probabilities, state = stream.step([chunk], state)
        print_json_line({"text": chunk, **sentiment_answer(probabilities[0], names)})
    return 1 if failures else 0
