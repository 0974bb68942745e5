"""A bounded load test on loopback: concurrent clients for a fixed time, no errors.

Throughput and latency are printed (run with `-s` to see them), not asserted: they
depend on the machine.
"""

from __future__ import annotations

import asyncio
import json

from apps.serve import loadtest


def test_concurrent_clients_for_a_fixed_time_get_no_errors(server):
    url = f"{server.url}/v1/models/sentiment:predict"
    summary = asyncio.run(loadtest.run_load_test(url, concurrency=4, seconds=3.0))
    print("\nload test:", json.dumps(summary))
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["requests"] > 0 and summary["statuses"] == {"200": summary["requests"]}
    assert 0 < summary["p50_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    assert summary["throughput_rps"] > 0


def test_the_command_prints_one_json_line(server, capsys):
    url = f"{server.url}/v1/models/translation:predict"
    body = json.dumps({"signature_name": "translate_greedy", "instances": ["el gato come"]})
    argv = ["--url", url, "--concurrency", "2", "--seconds", "1", "--body", body]
    assert loadtest.main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    print("\nload test (translation, greedy):", json.dumps(summary))
    assert summary["errors"] == 0 and summary["concurrency"] == 2


def test_errors_are_counted_not_hidden(server, capsys):
    url = f"{server.url}/v1/models/nope:predict"
    assert loadtest.main(["--url", url, "--concurrency", "1", "--seconds", "0.3"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["errors"] == summary["requests"] > 0
    assert "Servable not found" in summary["error_samples"][0]


def test_idle_connections_held_alongside_do_not_cause_errors(server):
    """More idle and half-sent connections than one client may keep waiting (32 by
    default): the server closes the excess (the tool reopens them) and every request of
    the real clients is answered."""
    url = f"{server.url}/v1/models/sentiment:predict"
    summary = asyncio.run(
        loadtest.run_load_test(url, concurrency=2, seconds=2.0, idle_connections=48)
    )
    print("\nload test with idle connections:", json.dumps(summary))
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["requests"] > 0 and summary["idle_connections"] == 48
    assert summary["idle_opened"] >= 48 and summary["idle_closed_by_server"] >= 48 - 32
