"""`python -m benchmarks`: arguments, and where the markdown goes."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import main


def test_bad_run_arguments_say_what_was_expected(tmp_path, capsys):
    with pytest.raises(SystemExit, match="NAME=RUN_DIR. Received: 'sst2'"):
        main(["--sentiment-run", "sst2"])
    with pytest.raises(SystemExit, match="a finished run \\(with model.keras\\)"):
        main(["--translation-run", f"spa-eng={tmp_path}"])
    with pytest.raises(SystemExit, match="sections from .* Received: \\['speed'\\]"):
        main(["--sections", "sentiment,speed"])


def test_quick_runs_write_their_own_file_and_missing_data_is_reported(tmp_path, capsys):
    work = tmp_path / "work"
    status = main(
        [
            "--quick",
            "--sections",
            "sentiment,inference",
            "--data-dir",
            str(tmp_path / "none"),
            "--work-dir",
            str(work),
        ]
    )
    assert status == 0
    text = (work / "BENCHMARKS-quick.md").read_text(encoding="utf-8")
    assert "<!-- bench:sentiment:begin -->" in text and "<!-- bench:inference:begin -->" in text
    assert "skipped" in text  # no data: said, not crashed
    assert "python -m benchmarks --quick --sections sentiment,inference" in text
    assert "warning: no data folder" in capsys.readouterr().out
    assert (work / "quick" / "sentiment.json").is_file()


def test_translation_pairs_limit_the_section_to_the_named_pairs(tmp_path):
    work = tmp_path / "work"
    args = ["--quick", "--sections", "translation", "--translation-pairs", "deu-eng"]
    assert main([*args, "--data-dir", str(tmp_path / "none"), "--work-dir", str(work)]) == 0
    text = (work / "BENCHMARKS-quick.md").read_text(encoding="utf-8")
    assert "deu-eng" in text and "fra-eng" not in text and "spa-eng" not in text
