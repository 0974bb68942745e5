"""The tiny stream-capable run and its phone export shared by the streaming tests."""

from __future__ import annotations

from pathlib import Path

from shared.edge.metadata import VARIANTS
from tests.helpers.cli import TINY_SENTIMENT_FLAGS, train_argv, write_csv


def train_tiny_streaming_run(main, directory: Path) -> Path:
    """`train --streaming` with the tiny settings on 600 generated reviews (~15 s): the
    sentiment CLI tests' data (0/1 labels), so their `streaming_run` is this run."""
    from apps.sentiment.corpus import generate_reviews  # noqa: PLC0415

    texts, labels = generate_reviews(600, seed=7)
    ids = ["1" if label == "positive" else "0" for label in labels]
    data = write_csv(directory / "reviews.csv", texts, ids)
    run_dir = directory / "tiny-streaming"
    assert main(train_argv(data, run_dir, *TINY_SENTIMENT_FLAGS, "--streaming")) == 0
    return run_dir


def export_stream_phone_models(run_dir: Path, out_dir: Path) -> Path:
    """Its `.tflite` models (every variant: parity is stated per variant) and metadata.json."""
    from apps.sentiment.artifacts import TrainedSentimentModel  # noqa: PLC0415
    from apps.sentiment.tflite import write_tflite_models  # noqa: PLC0415

    write_tflite_models(TrainedSentimentModel.load(run_dir), out_dir, VARIANTS)
    return out_dir
