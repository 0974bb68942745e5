"""Multi-worker training with real worker processes on loopback (issue 14).

Slow (each worker process starts TensorFlow and joins the cluster): `make test-slow`.
The fast checks of TF_CONFIG and the launcher are in test_multi_worker_setup.py (beside this).
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from apps.sentiment.corpus import generate_reviews
from shared.training.cluster import local_tf_configs
from shared.training.history import read_history
from shared.training.launcher import free_ports
from tests.helpers.paths import REPO_ROOT

pytestmark = pytest.mark.slow

# Tiny model, no dropout: the one- and two-worker runs see the same batches in the same
# order, so their losses may differ only by the order of float additions.
TINY = [
    "--units", "8", "--embedding-dim", "16", "--max-length", "48", "--batch-size", "32",
    "--max-tokens", "500", "--min-count", "1", "--ngram-buckets", "64", "--dropout", "0",
    "--embedding-dropout", "0", "--head-dropout", "0", "--patience", "100",
]  # fmt: skip
# Measured: per-step losses of the two runs agree to ~1e-7 (float32 sums of two half-batch
# gradients instead of one batch); a run that saw other batches differed by ~3e-3.
LOSS_TOLERANCE = 1e-4
TIMEOUT = 900  # the 2 shared CPU cores can be very busy


def write_reviews(path, count, seed):
    texts, labels = generate_reviews(count, seed=seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("text", "label"), *zip(texts, labels, strict=True)])


def environment(tmp_path):
    """A private TMPDIR, to see that worker scratch folders are removed (TensorFlow's
    autograph leaves files of its own there)."""
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir(exist_ok=True)
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TMPDIR": str(scratch_root),
    }


def assert_nothing_half_written(run_dir, env):
    leftovers = [
        p.relative_to(run_dir)
        for p in run_dir.rglob("*")
        if p.name.startswith(".") or p.name.endswith(".tmp")
    ]
    assert leftovers == []
    backup = sorted(p.name for p in (run_dir / "checkpoints" / "backup").iterdir())
    assert set(backup) <= {
        "latest.weights.h5",
        "latest.weights.h5.bkp",
        "training_metadata.json",
        "training_metadata.json.bkp",
    }
    scratch = [e.name for e in os.scandir(env["TMPDIR"]) if e.name.startswith("rnn-worker-")]
    assert scratch == [], "a worker's scratch folder was left behind"


def test_two_local_workers_write_one_run_that_matches_one_worker(tmp_path):
    from apps.sentiment.api import load
    from apps.sentiment.cli import main

    write_reviews(tmp_path / "reviews.csv", 600, seed=11)
    env = environment(tmp_path)
    flags = ["--data", "reviews.csv", "--epochs", "2", *TINY]
    started = time.monotonic()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "apps.sentiment", "train", "--workers", "2", *flags],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Meanwhile, the same run on one worker (the default strategy), in this process.
        single = tmp_path / "single"
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            assert main(["train", *flags, "--run-dir", str(single)]) == 0
        finally:
            os.chdir(cwd)
        output, _ = launcher.communicate(timeout=TIMEOUT)
    finally:
        launcher.kill()
    print(f"two workers + one worker: {time.monotonic() - started:.0f} s\n{output[-3000:]}")

    assert launcher.returncode == 0
    for worker in (0, 1):
        assert f"[worker {worker}] strategy: multi-worker (2 replica(s) on 2 worker(s))" in output
    runs = list((tmp_path / "runs" / "sentiment").iterdir())
    assert len(runs) == 1  # written by the chief only; worker 1 wrote to its scratch folder
    run = runs[0]
    assert (run / "model.keras").is_file()
    report = (run / "report.txt").read_text(encoding="utf-8")
    assert "strategy: multi-worker (2 replica(s) on 2 worker(s)), global batch 32" in report
    assert "strategy: default (1 replica(s)), global batch 32" in (single / "report.txt").read_text(
        encoding="utf-8"
    )
    assert_nothing_half_written(run, env)

    predictions = load(run).predict(["a wonderful, moving film", "dull and far too long"])
    assert [p["label"] for p in predictions] != [] and all(
        set(p["probabilities"]) == {"negative", "positive"} for p in predictions
    )

    two, one = read_history(run / "history.csv"), read_history(single / "history.csv")
    assert [row["epoch"] for row in two] == [row["epoch"] for row in one] == [1, 2]
    for a, b in zip(two, one, strict=True):
        for key in ("loss", "val_loss"):
            assert abs(a[key] - b[key]) <= LOSS_TOLERANCE, (key, a, b)


def start_worker(command, tf_config, env, log_path):
    with open(log_path, "w", encoding="utf-8") as log:  # the child keeps its own handle
        return subprocess.Popen(
            command, env={**env, "TF_CONFIG": tf_config}, stdout=log, stderr=subprocess.STDOUT
        )


def wait_for(process, deadline, what):
    while process.poll() is None:
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return process.returncode


def epoch_1_saved(run_dir) -> bool:
    metadata = run_dir / "checkpoints" / "backup" / "training_metadata.json"
    try:
        saved = json.loads(metadata.read_text(encoding="utf-8"))["epoch"] >= 1
    except (OSError, ValueError, KeyError):
        return False
    return saved and (run_dir / "checkpoints" / "best.keras").is_file()


def test_a_worker_killed_mid_epoch_and_restarted_resumes_the_cluster(tmp_path):
    write_reviews(tmp_path / "reviews.csv", 1200, seed=5)
    env = environment(tmp_path)
    run_dir = tmp_path / "run"
    epochs = 3
    command = [
        sys.executable, "-m", "apps.sentiment", "train", "--strategy", "multi-worker",
        "--data", str(tmp_path / "reviews.csv"), "--run-dir", str(run_dir),
        "--epochs", str(epochs), *TINY,
    ]  # fmt: skip
    configs = local_tf_configs(free_ports(2))
    logs = [
        [tmp_path / f"worker{i}-first.log", tmp_path / f"worker{i}-restarted.log"] for i in (0, 1)
    ]
    workers = [start_worker(command, configs[i], env, logs[i][0]) for i in (0, 1)]
    started = time.monotonic()
    deadline = started + TIMEOUT
    try:
        # Kill inside epoch 2: after epoch 1's backup and best checkpoint are complete
        # (saving is a collective step: a kill then would stop the chief mid-save).
        while not epoch_1_saved(run_dir):
            assert all(w.poll() is None for w in workers), "a worker stopped before the kill"
            assert time.monotonic() < deadline, "no epoch finished in time"
            time.sleep(0.2)
        first_epoch = read_history(run_dir / "history.csv")[0]
        time.sleep(2.0)
        workers[1].send_signal(signal.SIGKILL)
        workers[1].wait()
        assert len(read_history(run_dir / "history.csv")) == 1, "killed after epoch 2, not in it"
        killed_at = time.monotonic() - started
        # The chief cannot go on without its peer: it stops with an error (TensorFlow's
        # heartbeats notice the dead task). A cluster manager then restarts both.
        assert wait_for(workers[0], deadline, "the chief did not notice its peer died") == 1
        chief_failed_at = time.monotonic() - started
        workers = [start_worker(command, configs[i], env, logs[i][1]) for i in (0, 1)]
        statuses = [wait_for(w, deadline, "the restarted cluster did not finish") for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    first, restarted = (logs[0][n].read_text(encoding="utf-8", errors="replace") for n in (0, 1))
    print(
        f"worker 1 killed after {killed_at:.0f} s; the chief stopped after "
        f"{chief_failed_at:.0f} s; the restarted cluster finished after "
        f"{time.monotonic() - started:.0f} s\n{first[-1500:]}\n{restarted[-2500:]}"
    )

    assert statuses == [0, 0]
    assert "error: another worker of the cluster stopped or cannot be reached" in first
    # The restarted cluster resumed after epoch 1 instead of starting again.
    assert f"run directory: {run_dir} (resume)" in restarted
    assert "Epoch 1/" not in restarted and f"Epoch 2/{epochs}" in restarted
    history = read_history(run_dir / "history.csv")
    assert [row["epoch"] for row in history] == list(range(1, epochs + 1))
    assert history[0] == first_epoch
    assert (run_dir / "model.keras").is_file()
    assert_nothing_half_written(run_dir, env)
