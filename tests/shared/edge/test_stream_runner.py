"""The edge runner's `stream` (LiteRT only) and `rnn-edge stream`: chunks of one text,
each answered for everything read so far, as `rnn-sentiment predict --stream` does."""

import json
import subprocess
import sys

import numpy as np
import pytest

from apps.sentiment import load
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.sentiment_stream import EdgeSentimentStream
from tests.helpers.chunks import STREAM_TEXT, random_text_chunks
from tests.helpers.edge import EDGE_CLI_WITHOUT_TENSORFLOW, run_edge_cli
from tests.helpers.paths import REPO_ROOT

ANSWER_KEYS = ["text", "label", "score", "probabilities"]


@pytest.fixture(scope="module")
def classifier(stream_phone_dir):
    return EdgeSentimentClassifier.from_directory(stream_phone_dir, "float32")


def test_stream_chunk_by_chunk_answers_the_whole_text(classifier):
    whole = classifier.classify([STREAM_TEXT])[0]
    rng = np.random.default_rng(1)
    for _ in range(3):
        state = None
        for chunk in random_text_chunks(STREAM_TEXT, rng):
            answer, state = classifier.stream(chunk, state)
        assert answer == whole
    assert set(state) == set(classifier.metadata["stream_state"])


def test_chunks_are_never_cut_to_max_length(classifier, tiny_streaming_run):
    """A chunk longer than max_length (48 here) is read whole, as the graph reads it."""
    long_chunk = " ".join([STREAM_TEXT] * 4)
    stream = EdgeSentimentStream(classifier)
    assert stream.token_ids(long_chunk).shape[1] == len(long_chunk.split()) > 48
    probabilities, state = stream.probabilities(long_chunk)
    assert state["pooled_count"][0, 0] == len(long_chunk.split())
    keras = load(tiny_streaming_run)
    _, keras_state = keras.stream(long_chunk)
    expected = keras._stream.step([""], keras_state)[0][0]
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)


def test_a_model_without_stream_step_is_refused_naming_its_file(sentiment_dir):
    whole_text_only = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    with pytest.raises(ValueError, match="'stream_step' signature") as error:
        whole_text_only.stream("great film")
    assert str(whole_text_only.model.path) in str(error.value)
    assert "train --streaming" in str(error.value)


def test_rnn_edge_stream_prints_one_line_per_chunk_without_tensorflow(stream_phone_dir, classifier):
    chunks = ["i expected to hate this film ,", "", "but the acting won me over"]
    result = run_edge_cli("stream", str(stream_phone_dir), "--variant", "float32", *chunks)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["text"] for line in lines] == chunks
    assert all(list(line) == ANSWER_KEYS for line in lines)
    assert lines[1]["probabilities"] == lines[0]["probabilities"]  # an empty chunk
    assert lines[-1] == {"text": chunks[-1], **classifier.classify([" ".join(chunks)])[0]}
    refused = run_edge_cli("stream", str(stream_phone_dir), "--variant", "nope")
    assert refused.returncode == 2 and "invalid choice" in refused.stderr


def test_rnn_edge_stream_refuses_a_whole_text_model(sentiment_dir):
    result = run_edge_cli("stream", str(sentiment_dir), "great film")
    assert result.returncode == 2
    assert "error: Expected a phone model with a 'stream_step' signature" in result.stderr
    assert result.stdout == ""


def test_rnn_edge_stream_reads_stdin_incrementally(stream_phone_dir):
    """Each line is answered before the next is written; a bad line gets an error line."""
    process = subprocess.Popen(
        [sys.executable, "-c", EDGE_CLI_WITHOUT_TENSORFLOW, "stream", str(stream_phone_dir)],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    try:
        answers = []
        for chunk in (b"i expected to hate it ,", b"\xff", b"but it won me over"):
            process.stdin.write(chunk + b"\n")
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        assert process.wait(timeout=60) == 1, process.stderr.read().decode()
    finally:
        process.kill()
    assert answers[1]["error"].startswith("stdin line 2: invalid UTF-8")
    assert [list(answers[i]) for i in (0, 2)] == [ANSWER_KEYS, ANSWER_KEYS]
