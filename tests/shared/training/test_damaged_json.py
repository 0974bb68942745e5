"""A run folder's JSON files (config, labels, metrics) cut short or overwritten: one
`error:` line naming the file and saying what to do, never a bare JSONDecodeError."""

import shutil
from pathlib import Path

import pytest

from apps.sentiment.cli import main as sentiment_main
from apps.translation.cli import main as translation_main
from shared.training.damage import RunFolderDamaged, read_json

DAMAGE = {
    "cut short": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "not UTF-8": lambda data: b"\xff\xfe" + data,
}


def error_line(err: str) -> str:
    assert "Traceback" not in err and "JSONDecodeError" not in err, err
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    return line


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_read_json_names_the_file_and_what_is_wrong(tmp_path, damage):
    path = tmp_path / "config.json"
    path.write_bytes(DAMAGE[damage](b'{"cell": "lstm", "epochs": 3}'))
    with pytest.raises(RunFolderDamaged) as raised:
        read_json(path)
    message = str(raised.value)
    assert str(path) in message and "--overwrite" in message
    expected = {"cut short": "not valid JSON", "empty": "(empty", "not UTF-8": "not UTF-8"}
    assert expected[damage] in message


def test_read_json_reads_valid_files_and_leaves_missing_ones_to_the_caller(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text('{"names": ["négatif", "positif"]}', encoding="utf-8")
    assert read_json(path) == {"names": ["négatif", "positif"]}
    with pytest.raises(FileNotFoundError):
        read_json(tmp_path / "missing.json")


@pytest.mark.parametrize("name", ["config.json", "labels.json"])
def test_predict_with_a_damaged_sentiment_json_file_is_one_line(
    tiny_sentiment_run, tmp_path, capsys, name
):
    run = Path(shutil.copytree(tiny_sentiment_run, tmp_path / "run"))
    (run / name).write_bytes(DAMAGE["cut short"]((run / name).read_bytes()))
    assert sentiment_main(["predict", "--run-dir", str(run), "a fine film"]) == 2
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"error: run folder damaged: {run / name} is not valid JSON")


def test_translate_with_a_damaged_config_is_one_line(tiny_translation_run, tmp_path, capsys):
    run = Path(shutil.copytree(tiny_translation_run, tmp_path / "run"))
    (run / "config.json").write_bytes(b"")
    assert translation_main(["translate", "--run-dir", str(run), "hola"]) == 2
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"error: run folder damaged: {run / 'config.json'} is not valid JSON")
