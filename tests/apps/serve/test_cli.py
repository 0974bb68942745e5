"""`python -m apps.serve` flags: defaults, each flag reaching the config and the scheduler,
port validation and failing fast on a port that cannot be bound."""

from __future__ import annotations

import dataclasses
import socket
import time
from pathlib import Path

import pytest

from apps.serve.__main__ import config_from_args, main, parse_args
from apps.serve.config import ServeConfig

# flag, value on the command line, config field, expected value
FLAGS = [
    ("--model-root", "/tmp/elsewhere", "model_root", Path("/tmp/elsewhere")),
    ("--host", "0.0.0.0", "host", "0.0.0.0"),
    ("--port", "8601", "port", 8601),
    ("--max-batch-size", "16", "max_batch_size", 16),
    ("--batch-timeout-ms", "7.5", "batch_timeout_ms", 7.5),
    ("--num-batch-threads", "3", "num_batch_threads", 3),
    ("--max-enqueued-batches", "9", "max_enqueued_batches", 9),
    ("--limit-concurrency", "64", "limit_concurrency", 64),
    ("--header-timeout-seconds", "2.5", "header_timeout_s", 2.5),
    ("--body-timeout-seconds", "4.5", "body_timeout_s", 4.5),
    ("--max-waiting-connections-per-client", "3", "max_waiting_per_client", 3),
    ("--poll-seconds", "0.5", "poll_seconds", 0.5),
    ("--version-settle-seconds", "0.5", "version_settle_s", 0.5),
    ("--warmup-before-available", "all", "warmup_before_available", "all"),
    ("--load-retry-interval-seconds", "5", "load_retry_interval_s", 5.0),
    ("--max-load-retries", "2", "max_load_retries", 2),
    ("--max-body-bytes", "1000", "max_body_bytes", 1000),
    ("--max-instances", "10", "max_instances", 10),
    ("--max-text-chars", "99", "max_text_chars", 99),
]


def test_no_flags_give_the_config_defaults():
    config = config_from_args(parse_args([]))
    assert config == ServeConfig()
    assert (config.host, config.port) == ("127.0.0.1", 8501)
    assert config.max_enqueued_batches == 100  # as saved_models/batching_parameters.txt
    assert parse_args([]).access_log is False


def test_every_config_field_has_a_flag():
    assert {f.name for f in dataclasses.fields(ServeConfig)} == {field for _, _, field, _ in FLAGS}


@pytest.mark.parametrize(("flag", "value", "field", "expected"), FLAGS)
def test_each_flag_reaches_the_config(flag, value, field, expected):
    config = config_from_args(parse_args([flag, value]))
    assert getattr(config, field) == expected
    others = {f.name for f in dataclasses.fields(ServeConfig)} - {field}
    assert all(getattr(config, name) == getattr(ServeConfig(), name) for name in others)


def test_batch_and_reload_flags_reach_the_scheduler_and_the_manager():
    from apps.serve.app import build_app  # noqa: PLC0415  (imports TensorFlow)

    argv = ["--max-batch-size", "8", "--batch-timeout-ms", "5", "--num-batch-threads", "3"]
    argv += ["--max-enqueued-batches", "7", "--load-retry-interval-seconds", "4"]
    argv += ["--max-load-retries", "1"]
    app = build_app(config_from_args(parse_args(argv)))
    scheduler, manager = app.state.scheduler, app.state.manager
    try:
        assert scheduler.max_batch_size == 8
        assert scheduler.batch_timeout_s == pytest.approx(0.005)
        assert scheduler.executor._max_workers == 3
        assert scheduler.max_enqueued_batches == 7
        assert (manager.load_retry_interval_s, manager.max_load_retries) == (4.0, 1)
    finally:
        scheduler.close()
        manager.close()


@pytest.mark.parametrize("port", ["-1", "65536", "70000"])
def test_a_port_out_of_range_is_refused_clearly(port, capsys):
    with pytest.raises(ValueError, match=r"Expected port between 0 and 65535"):
        config_from_args(parse_args(["--port", port]))
    assert main(["--port", port]) == 2
    assert f"Received: {port}" in capsys.readouterr().err


def test_a_port_in_use_fails_before_any_model_is_loaded(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        code = main(["--model-root", str(tmp_path / "none"), "--port", str(port)])
    assert code == 2
    assert time.monotonic() - started < 5
    error = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in error


def test_a_host_that_cannot_be_bound_fails_fast(capsys):
    assert main(["--host", "host.invalid", "--port", "0"]) == 2
    assert "cannot listen on host.invalid:0" in capsys.readouterr().err


def test_the_cold_start_tool_refuses_a_missing_model_root(tmp_path, capsys):
    from apps.serve import coldstart  # noqa: PLC0415

    assert coldstart.main(["--model-root", str(tmp_path / "nope")]) == 2
    assert "Expected a model root folder. Received: " in capsys.readouterr().err
