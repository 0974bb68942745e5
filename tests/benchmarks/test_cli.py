"""`rnn-bench` (python -m benchmarks): arguments, missing data, where the markdown goes."""

from __future__ import annotations

import subprocess

import pytest

from benchmarks.__main__ import main
from tests.helpers.paths import REPO_ROOT


def test_bad_run_arguments_say_what_was_expected(tmp_path, capsys):
    with pytest.raises(SystemExit, match="NAME=RUN_DIR. Received: 'sst2'"):
        main(["--sentiment-run", "sst2"])
    with pytest.raises(SystemExit, match="a finished run \\(with model.keras\\)"):
        main(["--translation-run", f"spa-eng={tmp_path}"])
    with pytest.raises(SystemExit, match="sections from .* Received: \\['speed'\\]"):
        main(["--sections", "sentiment,speed"])


def test_a_missing_data_folder_stops_the_bench_with_what_to_set(tmp_path):
    work = tmp_path / "work"
    missing = tmp_path / "none"
    with pytest.raises(SystemExit) as stopped:
        main(["--quick", "--data-dir", str(missing), "--work-dir", str(work)])
    message = str(stopped.value.code)
    assert message.startswith("error: expected the real data sets")
    assert str(missing) in message and "SHARED_DATA=" in message
    assert not (work / "BENCHMARKS-quick.md").exists()  # no report of "skipped" sections


def test_make_bench_quick_without_data_exits_non_zero(tmp_path):
    """The make target, as a user runs it: a non-zero status and the folder named."""
    missing = tmp_path / "no-data"
    done = subprocess.run(
        # -o: never reinstall the venv from inside a test.
        ["make", "-o", ".venv/.installed", "bench-quick", f"SHARED_DATA={missing}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert f"in {missing}. Received: no such folder" in done.stderr
    assert "SHARED_DATA=DIR" in done.stderr


def test_quick_runs_write_their_own_file_and_missing_files_are_reported(tmp_path, capsys):
    work = tmp_path / "work"
    data = tmp_path / "data"
    data.mkdir()  # the folder exists, its files do not
    status = main(
        [
            "--quick",
            "--sections",
            "sentiment,inference",
            "--data-dir",
            str(data),
            "--work-dir",
            str(work),
        ]
    )
    assert status == 0
    text = (work / "BENCHMARKS-quick.md").read_text(encoding="utf-8")
    assert "<!-- bench:sentiment:begin -->" in text and "<!-- bench:inference:begin -->" in text
    assert "skipped" in text  # a missing file: said, not crashed
    assert "rnn-bench --quick --sections sentiment,inference" in text
    assert (work / "quick" / "sentiment.json").is_file()


def test_translation_pairs_limit_the_section_to_the_named_pairs(tmp_path):
    work = tmp_path / "work"
    args = ["--quick", "--sections", "translation", "--translation-pairs", "deu-eng"]
    (tmp_path / "data").mkdir()
    assert main([*args, "--data-dir", str(tmp_path / "data"), "--work-dir", str(work)]) == 0
    text = (work / "BENCHMARKS-quick.md").read_text(encoding="utf-8")
    assert "deu-eng" in text and "fra-eng" not in text and "spa-eng" not in text
