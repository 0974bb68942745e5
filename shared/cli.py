"""Conventions every app's command line shares: run folders, errors, JSON output."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from shared.startup import VERBOSE_HELP, quiet_tensorflow

__all__ = ["quiet_tensorflow"]  # re-exported: every entry point calls it

RUNS_ROOT = Path("runs")
# The console script of each app (pyproject.toml [project.scripts]).
APP_COMMANDS = {"sentiment": "rnn-sentiment", "translation": "rnn-translate"}


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    """`--verbose`: keep TensorFlow's C++ start-up log (hidden by default)."""
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)


def require_input_path(value: str | Path | None, flag: str, expected: str) -> None:
    """Raises ValueError unless `value` is None, 'embedded' or an existing file or folder.

    Called before TensorFlow loads, so a mistyped path is reported at once.
    """
    if value is None or str(value) == "embedded" or Path(value).exists():
        return
    raise ValueError(
        f"Expected {flag} to be {expected}. Received: {value} (no such file or folder)."
    )


def require_run(run_dir: Path | None, app: str) -> None:
    """Raises FileNotFoundError unless `run_dir` (or, when None, the latest run) is finished."""
    from shared.training.run_directory import RunDirectory  # noqa: PLC0415 (no TensorFlow)

    if run_dir is None:
        latest_finished_run(app)
    else:
        RunDirectory(run_dir).require_finished()


# The widest beam search accepted (`--beam-width`, a run's `beam_width`). Time and memory
# grow in proportion (a batch of 64 at width 64 scores 4,096 hypotheses per step) and wide
# beams rarely translate better (the empty or shortest hypothesis tends to win); a width of
# 100,000 used to return an empty translation with exit status 0.
MAX_BEAM_WIDTH = 64


def beam_width(value: str) -> int:
    """argparse type for `--beam-width`: a whole number from 1 (greedy) to MAX_BEAM_WIDTH."""
    try:
        width = int(value)
    except ValueError:
        width = 0
    if not 1 <= width <= MAX_BEAM_WIDTH:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 (greedy) to {MAX_BEAM_WIDTH} (wider beams cost "
            f"time and memory in proportion and rarely translate better), received {value!r}"
        )
    return width


def positive_int(value: str) -> int:
    """argparse type for counts that must be >= 1 (beam width, limits)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1. Received: {value!r}")
    return number


def add_training_arguments(
    parser: argparse.ArgumentParser,
    config_cls,
    presets: dict | None = None,
    run_dir_help: str = "Where to write the run.",
) -> None:
    """What every training command takes: `--run-dir`, `--overwrite`, `--preset` (when
    the app has presets), one flag per setting of `config_cls`, and `--workers`."""
    from shared.training.config import add_config_arguments  # noqa: PLC0415
    from shared.training.presets import add_preset_argument  # noqa: PLC0415

    parser.add_argument("--run-dir", type=Path, default=None, help=run_dir_help)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="Replace an existing run in --run-dir instead of resuming it.",
    )
    if presets is not None:
        add_preset_argument(parser, presets)
    add_config_arguments(parser, config_cls)
    add_workers_argument(parser)


def add_trained_run_argument(parser: argparse.ArgumentParser) -> None:
    """`--run-dir` of the commands that use a finished run (default: the latest)."""
    parser.add_argument("--run-dir", type=Path, default=None, help="Trained run to use.")


def add_workers_argument(parser: argparse.ArgumentParser) -> None:
    """`--workers N` of the training commands (see `run_with_local_workers`)."""
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="Train with N local worker processes (--strategy multi-worker, each with its "
        "own TF_CONFIG on free 127.0.0.1 ports; worker 0 writes the run folder), to try "
        "multi-worker training on one machine. On a real cluster run the command on every "
        "machine with --strategy multi-worker and that machine's TF_CONFIG instead.",
    )


def run_with_local_workers(
    module: str,
    argv: list[str] | None,
    workers: int,
    strategy: str | None,
    *,
    check: Callable[[], None],
    verbose: bool,
) -> int:
    """`train --workers N`: checks the arguments, then starts and watches the workers.

    Args:
        module: the package the workers run (`python -m <module> <argv>`).
        argv: the command line (default: `sys.argv[1:]`).
        workers: how many local workers.
        strategy: `--strategy` as typed (None or multi-worker).
        check: validates the arguments before anything starts.
        verbose: keep TensorFlow's C++ start-up log.
    """

    def command() -> int:
        if strategy not in (None, "multi-worker"):
            raise ValueError(
                "Expected --workers with --strategy multi-worker (or no --strategy). "
                f"Received: --strategy {strategy}"
            )
        from shared.training.launcher import launch_local_workers  # noqa: PLC0415

        return launch_local_workers(module, sys.argv[1:] if argv is None else argv, workers)

    return run_command(command, check=check, verbose=verbose, needs_tensorflow=False)


def run_app(
    package: str,
    args: argparse.Namespace,
    argv: list[str] | None,
    check: Callable[[argparse.Namespace], None],
    commands: dict[str, Callable[[argparse.Namespace], int] | str],
) -> int:
    """An app's `main` after parsing: runs `commands[args.command](args)` as `run_command`
    does (`download` without TensorFlow), or `train --workers N` as local workers.

    A command given as `"module:function"` is imported only when it runs, so `--help`
    and argument mistakes answer without starting TensorFlow.
    """
    if getattr(args, "workers", None):
        return run_with_local_workers(
            package,
            argv,
            args.workers,
            args.strategy,
            check=lambda: check(args),
            verbose=args.verbose,
        )

    def command() -> int:
        handler = commands[args.command]
        if isinstance(handler, str):
            module, _, name = handler.partition(":")
            handler = getattr(importlib.import_module(module), name)
        return handler(args)

    return run_command(
        command,
        check=lambda: check(args),
        verbose=args.verbose,
        needs_tensorflow=args.command != "download",
    )


def default_run_dir(app: str, settings: dict, data: str) -> Path:
    """`runs/<app>/<data name>-<settings fingerprint>`: the same command finds its own run."""
    from shared.training.run_directory import config_fingerprint  # noqa: PLC0415

    name = Path(data).name.split(".")[0] or "data"
    return RUNS_ROOT / app / f"{name}-{config_fingerprint(settings)}"


def latest_finished_run(
    app: str,
    runs_root: Path = RUNS_ROOT,
    accept: Callable[[Path], bool] | None = None,
    kind: tuple[str, str] = ("trained model", ""),
) -> Path:
    """The most recently finished run of `app`, for commands given no `--run-dir`.

    Args:
        app: the app's runs folder name.
        runs_root: where the apps' runs folders are.
        accept: only runs (folders) it accepts count, e.g. stream-capable ones.
        kind: what a run must be, and the `train` flags that make one, for the error.
    """
    finished = [p.parent for p in (runs_root / app).glob("*/model.keras")]
    candidates = sorted(
        (p for p in finished if accept is None or accept(p)),
        key=lambda p: (p / "model.keras").stat().st_mtime,
    )
    if not candidates:
        what, train_flags = kind
        others = f" ({len(finished)} other finished run(s))" if finished else ""
        raise FileNotFoundError(
            f"Expected a {what} under {runs_root / app}/*/model.keras. Received: none"
            f"{others}. Train one first (`{APP_COMMANDS.get(app, app)} train{train_flags}`) "
            "or pass --run-dir."
        )
    return candidates[-1]


def print_json_line(value: dict, stream=None) -> None:
    """One JSON object per line, non-ASCII kept readable."""
    stream = stream or sys.stdout
    stream.write(json.dumps(value, ensure_ascii=False) + "\n")
    stream.flush()


def run_command(
    command: Callable[[], int],
    check: Callable[[], None] | None = None,
    verbose: bool = False,
    needs_tensorflow: bool = True,
) -> int:
    """Runs a CLI command; expected failures print `error: ...` and exit 2, no traceback.

    Args:
        command: does the work; returns the exit status.
        check: validates the arguments (paths exist, ...) before TensorFlow is imported,
            raising ValueError or FileNotFoundError, so mistakes are reported at once.
        verbose: keep TensorFlow's C++ start-up log (`--verbose`).
        needs_tensorflow: import TensorFlow (quietly) before `command`; False only sets
            the log level, for commands such as `download` that do not need it.
    """
    from shared.datasets.errors import DataError  # noqa: PLC0415 (keep import light)

    try:
        if check is not None:
            check()
        quiet_tensorflow(verbose, import_now=needs_tensorflow)
        return command()
    except (DataError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from shared.training.cluster import worker_lost_message  # noqa: PLC0415

        message = worker_lost_message(error)  # multi-worker: a peer died
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ninterrupted: the last completed epoch is checkpointed; run the same command "
            "again to resume.",
            file=sys.stderr,
        )
        return 130


def add_download_command(commands, summary: str, description: str) -> argparse.ArgumentParser:
    """The `download` subcommand every app has: `--dest` and `--url` (the app adds the rest)."""
    download = commands.add_parser("download", help=summary, description=description)
    download.add_argument("--dest", type=Path, default=Path("data"), help="Target folder.")
    download.add_argument("--url", default=None, help="Alternative URL or file:// mirror.")
    return download


def add_export_command(commands, app: str) -> argparse.ArgumentParser:
    """The `export` subcommand every app has (same flags, same output)."""
    export = commands.add_parser(
        "export",
        help="write a TF Serving SavedModel and TFLite models for phones",
        description=f"Write saved_models/{app}/<next version>/: a SavedModel whose "
        "serving_default takes raw UTF-8 strings (tokenization inside the graph), warmup "
        "requests, export.json, and tflite/ with float32, float16 and dynamic-range phone "
        "models plus metadata.json. The version appears atomically; existing versions are "
        "never touched. Also refreshes saved_models/models.config and "
        "batching_parameters.txt. Ends with one JSON line.",
    )
    export.add_argument(
        "run_dir",
        nargs="?",
        type=Path,
        default=None,
        metavar="RUN_DIR",
        help=f"Finished run to export (default: the latest under runs/{app}).",
    )
    export.add_argument(
        "--saved-models",
        type=Path,
        default=Path("saved_models"),
        metavar="DIR",
        help="Root of the TF Serving model folders (default: saved_models).",
    )
    export.add_argument(
        "--serving-root",
        default=None,
        metavar="PATH",
        help="The --saved-models folder as TF Serving sees it, written into models.config "
        "(default: /models, where `docker run -v $PWD/saved_models:/models` mounts it; for "
        "a tensorflow_model_server on this machine: $PWD/saved_models).",
    )
    export.add_argument(
        "--no-xla",
        action="store_true",
        help="Plain graph instead of XLA-compiled (for servers started without "
        "--xla_cpu_compilation_enabled=true; several times slower at batch 1).",
    )
    export.add_argument("--no-tflite", action="store_true", help="Skip the phone models.")
    export.add_argument(
        "--compare-latency",
        action="store_true",
        help="After exporting, time the serving signature (batch 1 and 32, short and long "
        "inputs) against the same model without XLA and print a table (~1-2 min).",
    )
    return export
