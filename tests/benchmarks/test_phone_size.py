"""The phone size benchmark (issue 15, item 4) on the tiny run: the compact row, scored
through the edge runner, and the table and JSON the command writes (the full row costs
one more conversion; `tests/shared/export/test_phone_compression.py` compares sizes)."""

import json

from benchmarks.phone_size import main, table


def test_the_command_scores_both_phone_models(tiny_sentiment_run, tmp_path, capsys):
    out = tmp_path / "results.json"
    argv = ["--run-dir", str(tiny_sentiment_run), "--work-dir", str(tmp_path / "work")]
    argv += ["--embedding-rank", "4", "--bag-buckets", "16", "--json", str(out)]
    assert main(argv) == 0
    (result,) = json.loads(out.read_text())
    assert result["texts"] == result["phone_model"]["agreement"]["texts"] > 0
    compact = result["compact"]
    assert 0 <= compact["accuracy"] <= 1 and compact["bytes"] > 0
    # Scored through the edge runner, it answers as the Keras copy measured at export.
    agreement = result["phone_model"]["agreement"]
    assert abs(compact["same_answer_as_server"] - agreement["same_answer"]) <= 0.05
    printed = capsys.readouterr().out
    assert printed.startswith(table([result]))
    assert "| compact (dynamic_range) |" in printed and "full" not in table([result])
