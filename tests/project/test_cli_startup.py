"""Start-up of every command line: argument mistakes before TensorFlow, no C++ log noise,
the console scripts, and the TensorFlow-free edge package."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.startup import START_UP_NOISE, quiet_tensorflow, stderr_without
from tests.helpers.paths import REPO_ROOT

# `python -X importtime` lists every module imported, one per line, on stderr.
TENSORFLOW_IMPORTED = re.compile(r"\|\s+tensorflow\s*$", re.MULTILINE)


def user_env() -> dict[str, str]:
    """The environment of a user's shell: no log level set by the test session."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def run_module(module: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", module, *args],
        cwd=REPO_ROOT,
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        (
            "apps.sentiment",
            ["train", "--data", "{missing}/reviews.csv"],
            "error: Expected --data to be a CSV/TSV file, a folder of class sub-folders, or "
            "'embedded'. Received: {missing}/reviews.csv (no such file or folder).",
        ),
        (
            "apps.sentiment",
            ["train", "--validation-data", "{missing}/dev.tsv"],
            "error: Expected --validation-data to be a CSV/TSV file",
        ),
        (
            "apps.sentiment",
            ["pretrain", "--data", "{missing}/a.csv"],
            "Received: {missing}/a.csv (no such file or folder)",
        ),
        (
            "apps.sentiment",
            ["evaluate", "--data", "{missing}/dev.tsv"],
            "error: Expected --data to be a CSV/TSV file",
        ),
        (
            "apps.sentiment",
            ["predict", "--run-dir", "{missing}/run", "great film"],
            "error: Expected a finished run in {missing}/run (with model.keras). "
            "Received: no such folder.",
        ),
        (
            "apps.sentiment",
            ["train", "--config", "{missing}/settings.toml"],
            "error: Expected a config file at {missing}/settings.toml",
        ),
        (
            "apps.translation",
            ["train", "--data", "{missing}/pairs.tsv"],
            "error: Expected --data to be a pair file or 'embedded'. Received: {missing}/pairs.tsv",
        ),
        (
            "apps.translation",
            ["translate", "--run-dir", "{missing}/run", "Hola."],
            "error: Expected a finished run in {missing}/run",
        ),
        ("apps.sentiment", ["train", "--epochs", "two"], "invalid int value: 'two'"),
        ("apps.translation", ["evaluate"], "the following arguments are required: --data"),
    ],
)
def test_argument_mistakes_are_reported_before_tensorflow_is_imported(
    tmp_path, module, args, message
):
    missing = tmp_path / "not-here"
    result = run_module(module, *[a.format(missing=missing) for a in args])
    assert result.returncode == 2
    assert message.format(missing=missing) in result.stderr
    assert "Traceback" not in result.stderr
    assert not TENSORFLOW_IMPORTED.search(result.stderr), "TensorFlow was imported first"


def test_a_missing_data_folder_stops_the_bench_before_tensorflow(tmp_path):
    result = run_module("benchmarks", "--quick", "--data-dir", str(tmp_path / "none"))
    assert result.returncode != 0
    assert f"in {tmp_path / 'none'}. Received: no such folder" in result.stderr
    assert not TENSORFLOW_IMPORTED.search(result.stderr)


def test_commands_print_no_cpp_start_up_log(tiny_sentiment_run):
    """A real command, as a user's shell runs it: answers on stdout, no CUDA/oneDNN lines."""
    result = subprocess.run(
        [sys.executable, "-m", "apps.sentiment", "predict", "--run-dir", str(tiny_sentiment_run)],
        input="a moving, beautifully acted film\n",
        cwd=REPO_ROOT,
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert '"text": "a moving, beautifully acted film"' in result.stdout
    for noise in ("cuInit", "oneDNN", "cudart_stub", "absl::InitializeLog", "cpu_feature_guard"):
        assert noise not in result.stderr, result.stderr


def test_the_start_up_filter_drops_only_the_known_lines(capfd):
    with stderr_without():
        # Written to fd 2 directly, as TensorFlow's C++ code does.
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are\n")
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine\n")
        os.write(2, b"E0000 cuda_platform.cc:52] failed call to cuInit: INTERNAL\n")
        os.write(2, b"a real problem while importing\n")
        os.write(2, b"oneDNN custom operations are on. You may see slightly different ...\n")
        os.write(2, b"UserWarning: a Python warning\n")
    err = capfd.readouterr().err
    assert err == "a real problem while importing\nUserWarning: a Python warning\n"
    assert not START_UP_NOISE.search("error: Expected --data to be a CSV/TSV file")


def test_verbose_keeps_the_users_log_level_and_quiet_raises_it(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    quiet_tensorflow(verbose=True)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    quiet_tensorflow(verbose=False)  # TensorFlow is already imported here: no re-import
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"  # cuInit is an ERROR line


def test_every_command_has_verbose():
    from apps.sentiment.cli import build_parser as sentiment_parser
    from apps.translation.cli import build_parser as translation_parser

    for parser, commands in (
        (sentiment_parser(), ("train", "pretrain", "evaluate", "predict", "export", "download")),
        (translation_parser(), ("train", "evaluate", "translate", "export", "download")),
    ):
        for command in commands:
            extra = ["--data", "x"] if command in ("pretrain", "evaluate") else []
            assert parser.parse_args([command, *extra, "--verbose"]).verbose
            assert not parser.parse_args([command, *extra]).verbose


def test_the_edge_package_exports_its_runners_without_tensorflow():
    code = (
        "import sys\n"
        "import shared.edge\n"
        "assert 'tensorflow' not in sys.modules and 'ai_edge_litert' not in sys.modules\n"
        "from shared.edge import EdgeSentimentClassifier, EdgeTranslator\n"
        "assert EdgeSentimentClassifier.__module__ == 'shared.edge.sentiment'\n"
        "assert EdgeTranslator.__module__ == 'shared.edge.translation'\n"
        "assert 'tensorflow' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout == "ok\n", result.stderr


SCRIPTS = {
    "rnn-sentiment": "apps.sentiment.cli:main",
    "rnn-translate": "apps.translation.cli:main",
    "rnn-serve": "apps.serve.__main__:main",
    "rnn-edge": "shared.edge.__main__:main",
    "rnn-bench": "benchmarks.__main__:main",
}


def test_console_scripts_are_declared_and_installed():
    import importlib
    import tomllib

    declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert declared == SCRIPTS
    for target in declared.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function))
    bin_dir = Path(sys.executable).parent  # the venv `make install` built
    for script in SCRIPTS:
        if not (bin_dir / script).is_file():
            pytest.fail(f"{script} is not in {bin_dir}: run `make install` (pip install -e .)")
    result = subprocess.run(
        [str(bin_dir / "rnn-sentiment"), "--help"],
        cwd="/",  # works from any folder, not only the checkout
        env={k: v for k, v in user_env().items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: rnn-sentiment")
