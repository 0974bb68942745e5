"""`python -m apps.serve.coldstart`: seconds from `rnn-serve` starting to each model AVAILABLE.

    python -m apps.serve.coldstart --model-root saved_models [-- --xla-cache-dir '']
    # {"port_open_s": 0.4, "available_s": {"sentiment": 41.2, "translation": 55.0}, ...}

Starts the server (`python -m apps.serve`, extra flags after `--`) on a free port, polls
the status API of every model folder found, and stops the server once all are AVAILABLE
(or one ends in END, or `--timeout` passes). Prints one JSON line; exit status 1 if a
model did not become AVAILABLE.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def model_state(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            rows = json.load(answer)["model_version_status"]
    except OSError:  # not listening yet, or a 404 before the first scan
        return None
    return rows[0]["state"] if rows else None


def measure(model_root: Path, extra: list[str], timeout: float) -> dict:
    models = sorted(p.name for p in model_root.iterdir() if p.is_dir() and p.name[0] != ".")
    port = free_port()
    command = [sys.executable, "-m", "apps.serve", "--model-root", str(model_root)]
    command += ["--port", str(port), *extra]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = {"command": " ".join(command[1:]), "port_open_s": None, "available_s": {}}
    try:
        while time.monotonic() - started < timeout and process.poll() is None:
            for model in models:
                if model in result["available_s"]:
                    continue
                state = model_state(f"http://127.0.0.1:{port}/v1/models/{model}")
                if state is not None and result["port_open_s"] is None:
                    result["port_open_s"] = round(time.monotonic() - started, 1)
                if state in ("AVAILABLE", "END"):
                    seconds = round(time.monotonic() - started, 1)
                    result["available_s"][model] = seconds if state == "AVAILABLE" else state
            if len(result["available_s"]) == len(models):
                break
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.serve.coldstart", description=__doc__)
    parser.add_argument("--model-root", type=Path, default=Path("saved_models"))
    parser.add_argument("--timeout", type=float, default=900, help="seconds (default: 900)")
    parser.add_argument("serve_flags", nargs="*", help="after --: flags for rnn-serve")
    args = parser.parse_args(argv)
    if not args.model_root.is_dir():
        print(f"error: Expected a model root folder. Received: {args.model_root}", file=sys.stderr)
        return 2
    result = measure(args.model_root, args.serve_flags, args.timeout)
    print(json.dumps(result))
    ok = all(isinstance(v, float) for v in result["available_s"].values())
    return 0 if ok and result["available_s"] else 1


if __name__ == "__main__":
    sys.exit(main())
