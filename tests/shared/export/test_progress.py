"""Export progress: one line per stage on stderr, with the seconds since the export began."""

from __future__ import annotations

import io
import re
import time

from shared.export.progress import reporting, stage

LINE = re.compile(r"^export sentiment \[ *(\d+\.\d) s\] (.+)$")


def test_stages_print_one_line_each_only_inside_reporting():
    stream = io.StringIO()
    stage("before: nobody listens")
    with reporting("export demo", stream):
        stage("first %s", "stage")
        time.sleep(0.15)
        stage("second")
    stage("after: nobody listens")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (re.fullmatch(r"export demo \[ *(\d+\.\d) s\] (.+)", line) for line in lines)
    assert first.group(2) == "first stage" and second.group(2) == "second"
    assert float(first.group(1)) < 0.1
    assert 0.1 <= float(second.group(1)) < 5


def test_export_command_reports_every_stage_in_order(tiny_sentiment_run, tmp_path, capsys):
    from apps.sentiment.cli import main  # noqa: PLC0415

    argv = ["export", str(tiny_sentiment_run), "--saved-models", str(tmp_path), "--no-xla"]
    assert main(argv) == 0
    stderr = capsys.readouterr().err
    stages = [(float(m.group(1)), m.group(2)) for m in map(LINE.match, stderr.splitlines()) if m]
    messages = [message for _, message in stages]
    expected_prefixes = [
        f"loading run {tiny_sentiment_run}",
        "writing the SavedModel (tracing serving_default, classify_token_ids, classification)",
        "writing {n} warmup requests",
        "TFLite: tracing the phone signatures",
        "TFLite: saving the signatures serving_default for the converter",
        "TFLite float32 (1/3): converting serving_default",
        "TFLite float32 (1/3): verifying against TensorFlow on",
        "TFLite float16 (2/3): converting serving_default",
        "TFLite float16 (2/3): verifying against TensorFlow on",
        "TFLite dynamic_range (3/3): converting serving_default",
        "TFLite dynamic_range (3/3): verifying against TensorFlow on",
        "TFLite browser: converting the unfused LSTMs in dynamic range (LiteRT.js)",
        "TFLite: saving the signatures serving_default for the converter",
        "TFLite browser: verifying against TensorFlow",
        "TFLite float32 (1/4): embedding the metadata fingerprint",
        "TFLite float16 (2/4): embedding the metadata fingerprint",
        "TFLite dynamic_range (3/4): embedding the metadata fingerprint",
        "TFLite browser (4/4): embedding the metadata fingerprint",
        "TFLite float32: adding standard TFLite Model Metadata (MediaPipe Tasks)",
        "TFLite float16: adding standard TFLite Model Metadata (MediaPipe Tasks)",
        "TFLite dynamic_range: adding standard TFLite Model Metadata (MediaPipe Tasks)",
        "writing metadata",
        "writing the server config",
        f"done: version 1 in {tmp_path / 'sentiment' / '1'}",
    ]
    assert len(messages) == len(expected_prefixes), messages
    for message, prefix in zip(messages, expected_prefixes, strict=True):
        pattern = re.escape(prefix).replace(re.escape("{n}"), r"\d+")
        assert re.match(pattern, message), (message, prefix)
    seconds = [elapsed for elapsed, _ in stages]
    assert seconds == sorted(seconds) and seconds[0] < 1.0 < seconds[-1]
