"""`rnn-sentiment predict --stream`: chunks of one text in, the running answer out."""

import json
import subprocess
import sys

import numpy as np
import pytest

from apps.sentiment import load
from apps.sentiment.cli import main
from apps.sentiment.stream_command import latest_stream_capable_run
from tests.helpers.chunks import STREAM_TEXT as TEXT
from tests.helpers.chunks import random_text_chunks


def _stream_lines(run_dir, chunks, capsys) -> tuple[int, list[dict]]:
    code = main(["predict", "--stream", "--run-dir", str(run_dir), *chunks])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_each_chunk_prints_the_running_answer(streaming_run, capsys):
    whole = load(streaming_run).predict(TEXT)
    rng = np.random.default_rng(1)
    for _ in range(3):
        chunks = random_text_chunks(TEXT, rng)
        code, lines = _stream_lines(streaming_run, chunks, capsys)
        assert code == 0
        assert [line["text"] for line in lines] == chunks
        assert set(lines[-1]) == {"text", "label", "score", "probabilities"}
        for name, p in whole["probabilities"].items():
            assert lines[-1]["probabilities"][name] == pytest.approx(p, abs=2e-4)


def test_a_run_that_cannot_stream_is_named_with_what_was_expected(trained_run, capsys):
    assert main(["predict", "--stream", "--run-dir", str(trained_run), "great"]) == 2
    error = capsys.readouterr().err
    assert "Expected a stream-capable run" in error and "Received:" in error
    assert "streaming=False" in error and "--streaming" in error


def test_the_latest_stream_capable_run_is_chosen(tmp_path):
    for name, streaming in (("old-stream", True), ("newer-plain", False)):
        run = tmp_path / "sentiment" / name
        run.mkdir(parents=True)
        (run / "config.json").write_text(json.dumps({"streaming": streaming} if streaming else {}))
        (run / "model.keras").write_bytes(b"")
    assert latest_stream_capable_run(tmp_path).name == "old-stream"
    (tmp_path / "sentiment" / "old-stream" / "model.keras").unlink()
    with pytest.raises(FileNotFoundError, match="stream-capable model .*train --streaming"):
        latest_stream_capable_run(tmp_path)


def test_stdin_is_read_incrementally(streaming_run):
    """Each line is answered before the next is written: a live stream, not a batch."""
    process = subprocess.Popen(
        [sys.executable, "-m", "apps.sentiment", "predict", "--stream"]
        + ["--run-dir", str(streaming_run)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        answers = []
        for chunk in ("i expected to hate it ,", "", "but it won me over"):
            process.stdin.write(chunk.encode() + b"\n")
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        assert process.wait(timeout=60) == 0, process.stderr.read().decode()
    finally:
        process.kill()
    assert [a["text"] for a in answers] == ["i expected to hate it ,", "", "but it won me over"]
    # An empty chunk changes nothing.
    assert answers[1]["probabilities"] == answers[0]["probabilities"]
