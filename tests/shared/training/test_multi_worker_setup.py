"""Multi-worker set-up without a cluster: TF_CONFIG checks, --workers, the local launcher.

The training itself, with real worker processes, is in test_multi_worker.py here (slow).
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from shared.training.cluster import local_tf_configs, read_tf_config
from shared.training.launcher import launch_local_workers, without_workers_flag
from tests.helpers.paths import REPO_ROOT

TWO_WORKERS = {"worker": ["127.0.0.1:2001", "127.0.0.1:2002"]}


def config(cluster=TWO_WORKERS, task_type="worker", index=0):
    return json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})


@pytest.mark.parametrize(
    ("tf_config", "expected"),
    [
        (None, "Received: none"),
        ("   ", "Received: none"),
        ("{cluster: 1}", "it is not JSON"),
        ('{"task": {"type": "worker", "index": 0}}', 'it needs a "cluster" object'),
        (config(cluster={}), 'must list at least one "worker"'),
        (config(cluster={"worker": "h:1"}), 'must list "host:port" strings'),
        (config(cluster={"worker": ["localhost"]}), 'must list "host:port" strings'),
        (config(cluster={**TWO_WORKERS, "ps": ["h:3"]}), "not ['ps']"),
        (config(cluster={"chief": ["a:1", "b:2"]}), "at most one address"),
        (json.dumps({"cluster": TWO_WORKERS}), 'it needs a "task" object'),
        (config(task_type="chief"), "must be one of the cluster's ['worker']"),
        (config(index=2), "must be in 0..1 (2 worker address(es)). Received: 2"),
        (config(index=-1), "must be in 0..1"),
        (config(index="0"), "must be a whole number"),
    ],
)
def test_tf_config_mistakes_get_one_line_errors(tf_config, expected):
    environ = {} if tf_config is None else {"TF_CONFIG": tf_config}
    with pytest.raises(ValueError) as error:
        read_tf_config(environ)
    message = str(error.value)
    assert expected in message
    assert message.startswith("Expected") and "\n" not in message


def test_the_chief_is_the_chief_task_or_else_worker_0():
    assert read_tf_config({"TF_CONFIG": config(index=0)}).is_chief
    assert not read_tf_config({"TF_CONFIG": config(index=1)}).is_chief
    with_chief = {"chief": ["c:1"], **TWO_WORKERS}
    chief = read_tf_config({"TF_CONFIG": config(with_chief, "chief", 0)})
    worker = read_tf_config({"TF_CONFIG": config(with_chief, "worker", 0)})
    assert chief.is_chief and not worker.is_chief and chief.size == worker.size == 3


def test_local_configs_describe_one_cluster_with_one_task_each():
    configs = [json.loads(c) for c in local_tf_configs([5001, 5002, 5003])]
    assert {json.dumps(c["cluster"]) for c in configs} == {
        json.dumps({"worker": ["127.0.0.1:5001", "127.0.0.1:5002", "127.0.0.1:5003"]})
    }
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    for c in configs:
        read_tf_config({"TF_CONFIG": json.dumps(c)})  # valid


def test_the_workers_flag_is_removed_from_the_workers_command_line():
    argv = ["train", "--workers", "2", "--epochs", "3", "--workers=4", "--data", "x.csv"]
    assert without_workers_flag(argv) == ["train", "--epochs", "3", "--data", "x.csv"]


def write_reviews(path):
    path.write_text("text,label\ngood film,positive\nbad film,negative\n", encoding="utf-8")


@pytest.mark.parametrize("app", ["sentiment train", "sentiment pretrain", "translation train"])
@pytest.mark.parametrize(
    ("tf_config", "expected"),
    [
        (None, "error: Expected the TF_CONFIG environment variable"),
        (config(index=5), '"task"."index" must be in 0..1'),
    ],
)
def test_multi_worker_commands_refuse_a_missing_or_bad_tf_config(
    app, tf_config, expected, tmp_path, monkeypatch, capsys
):
    import apps.sentiment.cli
    import apps.translation.cli

    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    name, command = app.split()
    main = {"sentiment": apps.sentiment.cli.main, "translation": apps.translation.cli.main}[name]
    data = tmp_path / "reviews.csv"
    write_reviews(data)
    data_flags = ["--data", str(data)] if app == "sentiment pretrain" else []
    argv = [command, *data_flags, "--strategy", "multi-worker", "--run-dir", str(tmp_path / "r")]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert expected in lines[-1] and lines[-1].startswith("error: ")
    assert not (tmp_path / "r").exists()  # refused before anything was written


def test_workers_need_the_multi_worker_strategy(capsys):
    from apps.sentiment.cli import main

    assert main(["train", "--workers", "2", "--strategy", "mirrored"]) == 2
    assert "Expected --workers with --strategy multi-worker" in capsys.readouterr().err


# -- the launcher, with stand-in workers (no TensorFlow) -----------------------------------
FAKE_WORKER = """
import json, os, sys, time
task = json.loads(os.environ["TF_CONFIG"])
index = task["task"]["index"]
with open(os.path.join(os.environ["FAKE_PIDS"], f"{index}.pid"), "w") as f:
    f.write(str(os.getpid()))
print("argv", sys.argv[1:])
print("cluster", task["cluster"]["worker"], flush=True)
if sys.argv[1] == "fail" and index == 1:
    sys.exit(3)
if sys.argv[1] in ("fail", "sleep"):
    time.sleep(120)
"""


@pytest.fixture
def fake_workers(tmp_path, monkeypatch):
    package = tmp_path / "pkg" / "fakeworker"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "__main__.py").write_text(FAKE_WORKER, encoding="utf-8")
    pids = tmp_path / "pids"
    pids.mkdir()
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path / 'pkg'}{os.pathsep}{REPO_ROOT}")
    monkeypatch.setenv("FAKE_PIDS", str(pids))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_launcher_starts_each_worker_with_its_own_tf_config(fake_workers, capsys):
    assert launch_local_workers("fakeworker", ["ok", "--workers", "2", "--epochs", "1"], 2) == 0
    out = capsys.readouterr().out
    assert out.startswith("strategy: multi-worker, 2 local worker process(es) on 127.0.0.1")
    for index in (0, 1):
        assert f"[worker {index}] argv ['ok', '--epochs', '1', '--strategy', 'multi-worker']" in out
    clusters = {line.split("cluster ", 1)[1] for line in out.splitlines() if "cluster " in line}
    assert len(clusters) == 1  # the same two addresses for both
    addresses = eval(clusters.pop())  # noqa: S307 (our own printed list)
    assert len(set(addresses)) == 2 and all(a.startswith("127.0.0.1:") for a in addresses)


def test_a_failing_worker_stops_the_others_and_the_launcher_fails(fake_workers, capsys):
    started = time.monotonic()
    assert launch_local_workers("fakeworker", ["fail"], 2) == 3
    assert time.monotonic() - started < 60  # worker 0 would sleep 120 s
    assert "worker 1 exited with status 3; stopping the others" in capsys.readouterr().err
    assert not alive(int((fake_workers / "0.pid").read_text()))


@pytest.mark.parametrize("inherited_sigint", [signal.SIG_DFL, signal.SIG_IGN], ids=["tty", "nohup"])
def test_ctrl_c_stops_every_worker(fake_workers, inherited_sigint):
    # SIG_IGN: how a shell without job control (CI, `cmd &` in a script) starts a command.
    launcher = subprocess.Popen(
        preexec_fn=lambda: signal.signal(signal.SIGINT, inherited_sigint),
        args=[
            sys.executable,
            "-c",
            "import sys; from shared.training.launcher import launch_local_workers; "
            "sys.exit(launch_local_workers('fakeworker', ['sleep'], 2))",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def both_started():
            pid_files = list(fake_workers.iterdir())
            return len(pid_files) == 2 and all(p.read_text() for p in pid_files)

        wait_until(both_started)
        pids = [int(p.read_text()) for p in fake_workers.iterdir()]
        time.sleep(0.5)  # past the workers' start-up
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=30) == 130
        assert "interrupted: stopping the workers" in launcher.stderr.read()
        wait_until(lambda: not any(alive(pid) for pid in pids))
    finally:
        launcher.kill()
