"""`rnn-sentiment predict --stream`: one text read chunk by chunk, one JSON line per chunk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.streaming import SentimentStream
from shared.answers import sentiment_answer
from shared.cli import RUNS_ROOT, latest_finished_run
from shared.command_inputs import answer_each_chunk
from shared.training.damage import read_json


def can_stream(run_dir: Path) -> bool:
    """Whether a finished run was trained with `--streaming` (read from its config.json)."""
    config = read_json(run_dir / "config.json")
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
    state = None

    def step(chunk: str) -> dict:
        nonlocal state
        probabilities, state = stream.step([chunk], state)
        return sentiment_answer(probabilities[0], names)

    return answer_each_chunk(args.texts, step)
