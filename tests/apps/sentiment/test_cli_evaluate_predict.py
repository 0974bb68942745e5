"""`rnn-sentiment evaluate` and `predict` on a tiny trained run."""

import json
import subprocess
import sys
import time

import pytest

from apps.sentiment.cli import main
from apps.sentiment.corpus import generate_reviews
from tests.helpers.cli import last_json_line, write_csv


def test_evaluate_prints_report_and_ends_with_one_json_line(
    corpus_csv, trained_run, capsys, tmp_path
):
    code = main(
        [
            "evaluate",
            "--data",
            str(corpus_csv),
            "--run-dir",
            str(trained_run),
            "--output-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    metrics = last_json_line(out)
    assert metrics["n"] == 600
    assert set(metrics) >= {"accuracy", "precision", "recall", "f1", "n", "baseline"}
    assert "precision" in out and "recall" in out and "confusion matrix" in out
    assert (tmp_path / "reviews-confusion_matrix.png").is_file()


def test_evaluate_accepts_label_names_for_a_model_trained_on_ids(trained_run, tmp_path, capsys):
    data = write_csv(
        tmp_path / "named.csv", ["a fine film", "a dull film"], ["positive", "negative"]
    )
    assert main(["evaluate", "--data", str(data), "--run-dir", str(trained_run)]) == 0
    assert last_json_line(capsys.readouterr().out)["n"] == 2


def test_evaluate_maps_0_1_labels_to_a_model_named_negative_positive(
    tiny_sentiment_run, tmp_path, capsys
):
    """The default model (labels by name) on SST-2-style 0/1 labels, with progress."""
    assert json.loads((tiny_sentiment_run / "labels.json").read_text())["aliases"] == {
        "negative": 0,
        "positive": 1,
    }
    texts, labels = generate_reviews(40, seed=3)
    by_name = write_csv(tmp_path / "named.csv", texts, labels)
    by_id = write_csv(
        tmp_path / "ids.csv", texts, ["1" if label == "positive" else "0" for label in labels]
    )
    results = []
    for data in (by_name, by_id):
        argv = ["evaluate", "--data", str(data), "--run-dir", str(tiny_sentiment_run)]
        assert main([*argv, "--output-dir", str(tmp_path)]) == 0
        results.append(capsys.readouterr())
    assert last_json_line(results[1].out) == last_json_line(results[0].out)
    assert last_json_line(results[1].out)["n"] == 40
    # Progress on stderr, complete, never on stdout (whose last line is the JSON).
    assert "scoring the BiLSTM: 40/40 texts (100%" in results[1].err
    assert "scoring the BiLSTM" not in results[1].out


def test_evaluate_rejects_unknown_labels_naming_file_and_line(trained_run, tmp_path, capsys):
    data = write_csv(tmp_path / "odd.csv", ["fine", "dull", "meh"], ["1", "0", "neutral"])
    assert main(["evaluate", "--data", str(data), "--run-dir", str(trained_run)]) == 2
    err = capsys.readouterr().err
    assert f"{data}:4: label 'neutral'" in err and "Expected labels among" in err


def test_evaluate_requires_data(trained_run, capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--run-dir", str(trained_run)])
    assert "--data" in capsys.readouterr().err


def test_evaluate_skip_lists_every_skipped_row_in_a_file(trained_run, tmp_path, capsys):
    texts, labels = generate_reviews(20, seed=5)
    path = write_csv(
        tmp_path / "with-bad.csv", texts, ["1" if y == "positive" else "0" for y in labels]
    )
    with open(path, "a", encoding="utf-8") as f:
        f.write('"a review with no label",\n')
    argv = ["evaluate", "--data", str(path), "--run-dir", str(trained_run)]
    assert main([*argv, "--output-dir", str(tmp_path), "--on-bad-rows", "skip"]) == 0
    out = capsys.readouterr().out
    assert last_json_line(out)["skipped_rows"] == 1 and last_json_line(out)["n"] == 20
    rejected = (tmp_path / "with-bad-rejected_rows.tsv").read_text(encoding="utf-8").splitlines()
    assert rejected[0] == "origin\treason\traw" and len(rejected) == 2
    assert f"{path}:22" in rejected[1] and "a review with no label" in rejected[1]
    assert f"all listed in {tmp_path / 'with-bad-rejected_rows.tsv'}" in out


def test_predict_prints_one_json_line_per_text(trained_run, capsys):
    code = main(["predict", "--run-dir", str(trained_run), "not bad at all", "a dull mess"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["text"] for line in lines] == ["not bad at all", "a dull mess"]
    for line in lines:
        assert set(line) == {"text", "label", "score", "probabilities"}  # shared.answers
        assert line["label"] in ("negative", "positive")
        assert line["score"] == line["probabilities"][line["label"]]
        assert line["score"] == max(line["probabilities"].values())
        assert sum(line["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        # Rounded to 4 decimals, as every path rounds them.
        assert all(round(p, 4) == p for p in line["probabilities"].values())


def test_predict_says_which_run_it_uses_on_stderr_only(trained_run, tmp_path, monkeypatch, capsys):
    import shutil

    # Without --run-dir: the latest finished run under ./runs/sentiment, named on stderr.
    monkeypatch.chdir(tmp_path)
    shutil.copytree(trained_run, tmp_path / "runs" / "sentiment" / "copied")
    assert main(["predict", "a fine film"]) == 0
    captured = capsys.readouterr()
    [using] = [line for line in captured.err.splitlines() if line.startswith("using run ")]
    assert using.startswith("using run runs/sentiment/copied (finished 20"), using
    assert [json.loads(line)["text"] for line in captured.out.splitlines()] == ["a fine film"]


def test_predict_flags_empty_texts_but_still_predicts_the_rest(trained_run, capsys):
    code = main(["predict", "--run-dir", str(trained_run), "good", "   ", ""])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert "label" in lines[0]
    assert lines[1]["error"].startswith("argument 2: empty text")
    assert lines[2]["error"].startswith("argument 3: empty text")


def test_predict_reads_stdin_and_reports_invalid_utf8_by_line(trained_run):
    stdin = b"great film\n" + b"caf\xe9 latin-1\n" + "pésima película\n".encode()
    result = subprocess.run(
        [sys.executable, "-m", "apps.sentiment", "predict", "--run-dir", str(trained_run)],
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1, result.stderr.decode()
    assert len(lines) == 3
    assert "label" in lines[0] and "label" in lines[2]
    assert lines[1]["error"] == "stdin line 2: invalid UTF-8 at byte 3: expected UTF-8 text"
    assert lines[1]["text"] == "caf\ufffd latin-1"


def test_predict_truncates_a_huge_text_and_says_so_once(trained_run, capsys):
    huge = "what a wonderful film " * 200_000  # 4.4 MB, 800k tokens
    started = time.monotonic()
    code = main(["predict", "--run-dir", str(trained_run), huge, huge[:4000], "short one"])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 0 and len(lines) == 3 and all("label" in line for line in lines)
    # The first two texts exceed 40 tokens; one note counts both.
    assert captured.err.count("note:") == 1
    assert "2 text(s) had more than 40 tokens" in captured.err
    # The huge and the 4000-character text read the same first 40 tokens.
    assert lines[0]["probabilities"] == lines[1]["probabilities"]
    assert elapsed < 30


def test_predict_reports_invalid_utf8_arguments_and_predicts_the_rest(trained_run):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "apps.sentiment",
            "predict",
            "--run-dir",
            str(trained_run),
            b"caf\xe9 good",
            "fine film",
        ],
        capture_output=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1, result.stderr.decode()[-2000:]
    assert lines[0]["error"] == "argument 1: invalid UTF-8 at byte 3: expected UTF-8 text"
    assert "label" in lines[1]
