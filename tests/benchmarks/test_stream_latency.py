"""The streaming latency benchmark (issue 17, item 3), run on the tiny phone export:
a row per length with positive timings and the same answer both ways (no timing claims)."""

import json

import pytest

from benchmarks.stream_latency import format_table, main, measure


def test_measure_gives_a_row_per_length(stream_phone_dir):
    rows = measure(stream_phone_dir, "float32", lengths=(16, 64), chunk=8, repeats=3)
    assert [row["tokens_so_far"] for row in rows] == [16, 64]
    for row in rows:
        assert row["chunk"] == 8
        assert row["stream_step_ms"] > 0 and row["whole_text_ms"] > 0
        assert row["ratio"] == pytest.approx(row["whole_text_ms"] / row["stream_step_ms"])
        # The step on the last chunk and the whole text answer the same.
        assert row["max_difference"] < 1e-5
    table = format_table(rows, "title")
    assert table.splitlines()[0] == "title" and "| 64 |" in table
    assert "ratio at 64 tokens:" in table.splitlines()[-1]


def test_the_command_prints_the_table_and_writes_json(stream_phone_dir, tmp_path, capsys):
    out = tmp_path / "rows.json"
    argv = ["--export-dir", str(stream_phone_dir), "--lengths", "16,32", "--repeats", "2"]
    assert main([*argv, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| tokens so far | stream_step, one chunk of 8 (ms)" in printed
    assert [row["tokens_so_far"] for row in json.loads(out.read_text())] == [16, 32]
    with pytest.raises(ValueError, match="Expected lengths > chunk"):
        measure(stream_phone_dir, lengths=(8,), chunk=8, repeats=1)


def test_the_rnn_bench_section_tables_every_length(stream_phone_dir, tmp_path, monkeypatch):
    """`rnn-bench --sections streaming`, its training and exports replaced by the tiny ones."""
    from benchmarks import stream_latency
    from benchmarks.context import BenchContext

    monkeypatch.setattr(stream_latency, "train_streaming_run", lambda work, epochs: work)
    monkeypatch.setattr(
        stream_latency, "export_phone_models", lambda run, out, variant, fuse: stream_phone_dir
    )
    context = BenchContext(data_dir=tmp_path, work_dir=tmp_path, quick=True)
    section = stream_latency.run_section(context)
    assert section.key == "streaming"
    assert [row[0] for row in section.tables[0].rows] == [16, 64, 256, 1024]
    assert all(row["stream_step_ms"] > 0 for row in section.results["rows"])
    assert "Ratio at 1,024 tokens" in section.notes[1]


def test_a_folder_without_a_run_or_export_is_one_error_line(tmp_path, capsys):
    assert main(["--export-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
