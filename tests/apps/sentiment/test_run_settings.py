"""Which run folder a sentiment `train` uses, runs interrupted under older code included."""

import json

from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import DataOptions
from apps.sentiment.run_settings import run_folder, run_settings
from shared.datasets.examples import LabelledTexts


def texts(groups=None):
    return LabelledTexts(
        texts=["a", "b"],
        labels=["0", "1"],
        origins=["f:2", "f:3"],
        groups=groups,
        group_name="movie" if groups else None,
    )


def settings_of(config: SentimentConfig) -> dict:
    return run_settings(config, "reviews.csv", None, DataOptions(), None, None, "sentences")


def write_config(folder, settings: dict) -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(settings), encoding="utf-8")


def test_a_new_run_gets_the_folder_given_and_keeps_its_settings(tmp_path):
    settings = settings_of(SentimentConfig(encoder_units=8))
    folder, used, data = run_folder(settings, tmp_path / "run", texts())
    assert folder.path == tmp_path / "run" and used == settings and data.groups is None


def test_a_run_interrupted_before_the_encoder_settings_were_renamed_is_resumed(tmp_path):
    settings = settings_of(SentimentConfig(encoder_units=8, encoder_layers=2))
    old = {k: v for k, v in settings.items() if k not in ("encoder_units", "encoder_layers")}
    old.update(units=8, num_layers=2)
    write_config(tmp_path / "run", old)
    folder, used, _ = run_folder(settings, tmp_path / "run", texts())
    assert folder.path == tmp_path / "run" and used == old


def test_a_run_from_before_renames_and_grouped_splits_keeps_its_random_split(tmp_path, capsys):
    settings = {**settings_of(SentimentConfig(encoder_units=8)), "group_column": "movie"}
    renamed = ("encoder_units", "encoder_layers", "group_column")
    old = {k: v for k, v in settings.items() if k not in renamed}
    old.update(units=8, num_layers=1)
    write_config(tmp_path / "run", old)
    folder, used, data = run_folder(settings, tmp_path / "run", texts(groups=["x", "y"]))
    assert used == old and data.groups is None and data.group_name is None
    assert "random validation split" in capsys.readouterr().out


def test_a_finished_run_under_the_old_names_is_not_taken_over(tmp_path):
    settings = settings_of(SentimentConfig(encoder_units=8))
    old = {k: v for k, v in settings.items() if k not in ("encoder_units", "encoder_layers")}
    write_config(tmp_path / "run", {**old, "units": 8, "num_layers": 1})
    (tmp_path / "run" / "model.keras").write_bytes(b"")
    _, used, _ = run_folder(settings, tmp_path / "run", texts())
    assert used == settings  # the folder is then refused by `prepare`, as before
