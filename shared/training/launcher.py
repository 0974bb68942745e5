"""`train --workers N`: a multi-worker cluster of N local processes, for trying it out.

Each worker runs the same command with `--strategy multi-worker` and its own `TF_CONFIG`
on free loopback ports (worker 0 is the chief and writes the run folder). Their output
is streamed with a `[worker i]` prefix. If one worker fails, the others are stopped (they
could only wait for it) and the exit status is non-zero; Ctrl-C stops them all.
Rerunning the same command resumes from the last completed epoch.

No TensorFlow here: the launcher only starts and watches processes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from shared.training.cluster import TF_CONFIG, local_tf_configs

LOOPBACK = "127.0.0.1"
STOP_GRACE_SECONDS = 15


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """`count` distinct ports nothing listens on now (the OS picks them)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def without_workers_flag(argv: list[str]) -> list[str]:
    """`argv` minus `--workers N` / `--workers=N` (the workers must not launch again)."""
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--workers":
            skip = True
        elif not item.startswith("--workers="):
            kept.append(item)
    return kept


def _stream(process: subprocess.Popen, prefix: str, lock: threading.Lock) -> None:
    for line in iter(process.stdout.readline, b""):
        text = line.decode("utf-8", errors="replace")
        with lock:
            sys.stdout.write(prefix + text if text.endswith("\n") else prefix + text + "\n")
            sys.stdout.flush()


def _stop(processes: list[subprocess.Popen]) -> None:
    """SIGINT (workers checkpoint-safely print how to resume), then SIGKILL stragglers."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch_local_workers(module: str, argv: list[str], workers: int) -> int:
    """Runs `python -m <module> <argv>` as `workers` local multi-worker processes.

    Args:
        module: the app's package (`apps.sentiment`), run with `python -m`.
        argv: the command line as typed (`--workers` is removed from it).
        workers: how many processes.

    Returns:
        0 when every worker exited with 0; otherwise the first failure's status (130
        after Ctrl-C).
    """
    ports = free_ports(workers)
    command = [sys.executable, "-m", module, *without_workers_flag(argv)]
    command += ["--strategy", "multi-worker"]  # last: flags win over --config files
    print(
        f"strategy: multi-worker, {workers} local worker process(es) on {LOOPBACK} ports "
        f"{', '.join(map(str, ports))} ({workers} replica(s) on CPU, one per worker; more "
        "with GPUs); worker 0 is the chief and writes the run folder",
        flush=True,
    )
    lock = threading.Lock()
    processes: list[subprocess.Popen] = []
    threads = []

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    # A shell without job control starts background commands with SIGINT ignored, and
    # ignored signals are inherited: the launcher and its workers would then never stop
    # on Ctrl-C. Handling it here also gives the workers the default disposition on exec.
    previous_sigint = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for index, tf_config in enumerate(local_tf_configs(ports, LOOPBACK)):
            env = {**os.environ, TF_CONFIG: tf_config, "PYTHONUNBUFFERED": "1"}
            process = subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Own process group: Ctrl-C reaches the launcher only, which stops them.
                start_new_session=True,
            )
            processes.append(process)
            thread = threading.Thread(
                target=_stream, args=(process, f"[worker {index}] ", lock), daemon=True
            )
            thread.start()
            threads.append(thread)
        status = 0
        while [p.poll() for p in processes].count(None):  # poll every one, every time
            failed = [(i, p.returncode) for i, p in enumerate(processes) if p.returncode]
            if failed:
                index, status = failed[0]
                print(
                    f"worker {index} exited with status {status}; stopping the others "
                    "(rerun the same command to resume from the last completed epoch)",
                    file=sys.stderr,
                    flush=True,
                )
                _stop(processes)
                break
            time.sleep(0.2)
        for thread in threads:
            thread.join(timeout=5)
        status = status or next((p.returncode for p in processes if p.returncode), 0)
        if status:
            print(f"error: the multi-worker run failed (status {status})", file=sys.stderr)
        return 1 if status < 0 else status  # killed by a signal: plain failure
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the workers", file=sys.stderr, flush=True)
        _stop(processes)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_sigint)
        for process in processes:  # never leave a worker behind
            if process.poll() is None:
                process.kill()
                process.wait()
