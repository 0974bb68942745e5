"""Run folders that are damaged or written by an earlier version (issue 13, items 3 and 6):
nothing in a run folder runs code, and a damaged file gets one line that says so."""

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from apps.sentiment.cli import main as sentiment_main
from apps.translation.cli import main as translation_main
from shared.evaluation.text_baseline import ARRAYS as BASELINE_ARRAYS


class WritesAFile:
    """What a crafted pickle can do when loaded: here, create a file (any code would run)."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def copy_run(run_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run_dir, tmp_path / "run"))


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def evaluate(run_dir: Path, output_dir: Path, capsys) -> tuple[int, dict | None, str]:
    """`rnn-sentiment evaluate` on the run's own training file: (exit status, JSON, stderr)."""
    data = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))["data"]
    argv = ["evaluate", "--data", data, "--run-dir", str(run_dir), "--output-dir", str(output_dir)]
    code = sentiment_main(argv)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    return code, (json.loads(lines[-1]) if code == 0 else None), err


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err, err
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_evaluate_never_unpickles_an_old_baseline_and_refits_the_same_one(
    tiny_sentiment_run, tmp_path, capsys
):
    code, expected, _ = evaluate(tiny_sentiment_run, tmp_path / "original", capsys)
    assert code == 0 and "baseline" in expected
    assert not (tiny_sentiment_run / "baseline.joblib").exists()  # train writes no pickle

    run = copy_run(tiny_sentiment_run, tmp_path)
    (run / "baseline.npz").unlink()  # a run folder of an earlier version: a pickle only
    marker = tmp_path / "code-ran-from-the-run-folder"
    (run / "baseline.joblib").write_bytes(pickle.dumps(WritesAFile(marker)))
    code, metrics, err = evaluate(run, tmp_path / "refit", capsys)
    assert code == 0, err
    assert not marker.exists()
    assert f"{run / 'baseline.joblib'} is a pickle" in err and "refit" in err
    # Refit on the same split with the same seed: the same baseline, the same scores.
    assert metrics["baseline"] == expected["baseline"]
    assert metrics["comparison"] == expected["comparison"]
    assert (run / "baseline.npz").is_file()  # saved, so the next evaluate just reads it
    code, again, err = evaluate(run, tmp_path / "again", capsys)
    assert again["baseline"] == expected["baseline"] and "refit" not in err


def test_evaluate_without_baseline_or_training_data_reports_the_model_alone(
    tiny_sentiment_run, tmp_path, capsys
):
    run = copy_run(tiny_sentiment_run, tmp_path)
    (run / "baseline.npz").unlink()
    data = json.loads((run / "config.json").read_text(encoding="utf-8"))["data"]
    moved = shutil.copy(data, tmp_path / "moved.csv")
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    config["data"] = str(tmp_path / "gone.csv")
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    code = sentiment_main(
        ["evaluate", "--data", str(moved), "--run-dir", str(run), "--output-dir", str(tmp_path)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    metrics = json.loads(out.strip().splitlines()[-1])
    assert "baseline" not in metrics and "comparison" not in metrics and metrics["n"] > 0
    assert "note: no TF-IDF baseline" in err and str(tmp_path / "gone.csv") in err


@pytest.mark.parametrize("damage", ["truncated", "pickled arrays"])
def test_a_damaged_baseline_is_one_line_naming_the_file(
    tiny_sentiment_run, tmp_path, capsys, damage
):
    run = copy_run(tiny_sentiment_run, tmp_path)
    baseline = run / "baseline.npz"
    marker = tmp_path / "code-ran-from-the-run-folder"
    if damage == "truncated":
        cut_in_half(baseline)
    else:  # an .npz can hold pickles (object arrays): refused, never loaded
        crafted = np.array([WritesAFile(marker)], dtype=object)
        np.savez(baseline, **{name: crafted for name in BASELINE_ARRAYS})
    code, _, err = evaluate(run, tmp_path / "out", capsys)
    assert code == 2
    (line,) = error_lines(err)
    assert line.startswith(f"error: run folder damaged: {baseline} ")
    assert "delete it" in line and "refits" in line
    assert not marker.exists()


def test_a_truncated_sentiment_model_is_damaged_not_missing(tiny_sentiment_run, tmp_path, capsys):
    run = copy_run(tiny_sentiment_run, tmp_path)
    cut_in_half(run / "model.keras")
    assert sentiment_main(["predict", "--run-dir", str(run), "a fine film"]) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith(f"error: run folder damaged: {run / 'model.keras'} ")
    assert "File not found" not in line and "--overwrite" in line


def test_a_truncated_translation_model_is_damaged_not_missing(
    tiny_translation_run, tmp_path, capsys
):
    run = copy_run(tiny_translation_run, tmp_path)
    cut_in_half(run / "model.keras")
    assert translation_main(["translate", "--run-dir", str(run), "Hola."]) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith(f"error: run folder damaged: {run / 'model.keras'} ")
    assert "File not found" not in line


def test_a_truncated_tflite_model_is_damaged_not_from_another_export(tiny_sentiment_run, tmp_path):
    from apps.sentiment.artifacts import TrainedSentimentModel
    from apps.sentiment.tflite import write_tflite_models
    from shared.edge.metadata import MetadataError
    from shared.edge.sentiment import EdgeSentimentClassifier

    export = write_tflite_models(
        TrainedSentimentModel.load(tiny_sentiment_run), tmp_path / "edge", ("float32",)
    )
    directory = Path(export["directory"])
    model = directory / export["files"]["float32"]["file"]
    complete = model.read_bytes()
    model.write_bytes(complete[:-1])  # an interrupted copy: even one byte short
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(directory, "float32")
    message = str(error.value)
    assert f"{model} is damaged: not a complete TFLite model" in message
    assert f"metadata.json records {len(complete):,}" in message
    assert "different exports" not in message
