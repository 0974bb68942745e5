"""What the apps' command-line tests share: argument lists, data files, JSON output."""

import csv
import json

# A sentiment model small enough to train in seconds on the CLI tests' made-up reviews.
TINY_SENTIMENT_FLAGS = [
    "--epochs",
    "2",
    "--units",
    "8",
    "--embedding-dim",
    "16",
    "--max-length",
    "40",
    "--batch-size",
    "32",
    "--max-tokens",
    "400",
    # Real-data files get a preset with a 1M-bucket bag of n-grams: kept, but tiny.
    "--ngram-buckets",
    "64",
    "--min-count",
    "1",
    "--patience",
    "5",
]


def train_argv(data, run_dir, *flags: str) -> list[str]:
    """`train --data DATA --run-dir RUN_DIR FLAGS...` for an app's `main`."""
    return ["train", "--data", str(data), "--run-dir", str(run_dir), *flags]


def last_json_line(text: str) -> dict:
    """The JSON object every command prints last."""
    return json.loads(text.strip().splitlines()[-1])


def write_csv(path, texts, labels, header=("text", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(zip(texts, labels, strict=True))
    return path


def insert_line(source, path, line_number: int, line: str):
    """A copy of `source` at `path` with `line` inserted as line `line_number` (1-based)."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    before, after = lines[: line_number - 1], lines[line_number - 1 :]
    path.write_text("".join(before) + line + "\n" + "".join(after), encoding="utf-8")
    return path


def assert_rerun_reports_the_finished_run(main, argv: list[str], run_dir, capsys) -> None:
    """`train` again on a finished run reports it (its metrics line) and trains nothing."""
    before = (run_dir / "model.keras").stat().st_mtime_ns
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "(finished)" in out
    assert last_json_line(out) == json.loads((run_dir / "metrics.json").read_text())
    assert (run_dir / "model.keras").stat().st_mtime_ns == before
