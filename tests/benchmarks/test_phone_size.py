"""The phone size benchmark (issue 15, item 4) on the tiny run: a compact and a full row,
each accuracy scored through the edge runner, and the table and JSON the command writes."""

import json

from benchmarks.phone_size import main, table


def test_the_command_scores_both_phone_models(tiny_sentiment_run, tmp_path, capsys):
    out = tmp_path / "results.json"
    argv = ["--run-dir", str(tiny_sentiment_run), "--work-dir", str(tmp_path / "work")]
    argv += ["--with-full", "--embedding-rank", "4", "--bag-buckets", "16", "--json", str(out)]
    assert main(argv) == 0
    (result,) = json.loads(out.read_text())
    assert result["texts"] == result["phone_model"]["agreement"]["texts"] > 0
    assert result["compact"]["bytes"] < result["full"]["bytes"]
    for name in ("compact", "full"):
        assert 0 <= result[name]["accuracy"] <= 1
    # The full phone model answers as the server model does (same weights).
    assert result["full"]["same_answer_as_server"] >= 0.98
    printed = capsys.readouterr().out
    assert printed.startswith(table([result]))
    assert "| compact (dynamic_range) |" in printed and "| full (dynamic_range) |" in printed
