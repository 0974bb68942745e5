"""Tests for settings resolution: dataclass defaults < --config FILE < typed CLI flags."""

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apps.sentiment.cli import build_parser
from apps.sentiment.config import SentimentConfig
from shared.training.config import (
    TrainingConfig,
    add_config_arguments,
    coerce_values,
    read_config_file,
    resolve_config,
)
from tests.helpers.paths import REPO_ROOT

DEFAULTS = SentimentConfig()


def resolve(*argv: str) -> SentimentConfig:
    return resolve_config(SentimentConfig, build_parser().parse_args(["train", *argv]))


def write_json(tmp_path, values, name="settings.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def write_toml(tmp_path, text, name="settings.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- precedence ------------------------------------------------------------------------


def test_no_flags_and_no_file_gives_the_dataclass_defaults():
    assert resolve() == DEFAULTS


def test_sentiment_config_extends_training_config():
    shared = {f.name for f in dataclasses.fields(TrainingConfig)}
    own = {f.name for f in dataclasses.fields(SentimentConfig)}
    assert shared < own


def test_json_file_overrides_defaults_and_flags_override_the_file(tmp_path):
    path = write_json(tmp_path, {"epochs": 5, "units": 32, "pooling": "max"})
    from_file = resolve("--config", str(path))
    assert (from_file.epochs, from_file.units, from_file.pooling) == (5, 32, "max")
    assert from_file.batch_size == DEFAULTS.batch_size  # untouched settings keep defaults

    with_flag = resolve("--config", str(path), "--epochs", "7")
    assert (with_flag.epochs, with_flag.units) == (7, 32)


def test_toml_file_is_read_like_json(tmp_path):
    path = write_toml(tmp_path, 'epochs = 4\ncell = "gru"\nlearning_rate = 0.01\n')
    config = resolve("--config", str(path), "--units", "16")
    assert (config.epochs, config.cell, config.learning_rate, config.units) == (4, "gru", 0.01, 16)


def test_flag_equal_to_the_default_still_wins_over_the_file(tmp_path):
    path = write_json(tmp_path, {"epochs": 5, "cell": "gru"})
    config = resolve(
        "--config", str(path), "--epochs", str(DEFAULTS.epochs), "--cell", DEFAULTS.cell
    )
    assert config.epochs == DEFAULTS.epochs
    assert config.cell == DEFAULTS.cell


def test_flag_position_relative_to_config_does_not_matter(tmp_path):
    path = write_json(tmp_path, {"epochs": 5})
    assert resolve("--epochs", "8", "--config", str(path)).epochs == 8


def test_boolean_flags_both_ways_and_over_the_file(tmp_path):
    assert DEFAULTS.deterministic is False
    assert resolve("--deterministic").deterministic is True
    assert resolve("--no-deterministic").deterministic is False
    path = write_json(tmp_path, {"deterministic": True})
    assert resolve("--config", str(path)).deterministic is True
    assert resolve("--config", str(path), "--no-deterministic").deterministic is False


def test_integers_are_accepted_for_float_fields(tmp_path):
    config = resolve("--config", str(write_json(tmp_path, {"learning_rate": 1, "dropout": 0})))
    assert config.learning_rate == 1.0 and isinstance(config.learning_rate, float)
    assert config.dropout == 0.0 and isinstance(config.dropout, float)
    toml = write_toml(tmp_path, "clipnorm = 2\n")
    assert isinstance(resolve("--config", str(toml)).clipnorm, float)
    assert isinstance(resolve("--learning-rate", "1").learning_rate, float)


def test_saved_config_json_reloads_to_the_same_config(tmp_path):
    # Each run writes config.json with to_dict(); feeding it back must reproduce the run.
    original = dataclasses.replace(DEFAULTS, epochs=3, cell="gru", deterministic=True)
    path = write_json(tmp_path, original.to_dict(), name="config.json")
    assert resolve("--config", str(path)) == original


# --- errors ----------------------------------------------------------------------------


def test_unknown_key_in_file_lists_valid_names(tmp_path):
    path = write_json(tmp_path, {"epochs": 3, "epoch": 3, "lstm_units": 8})
    with pytest.raises(ValueError) as error:
        resolve("--config", str(path))
    message = str(error.value)
    assert str(path) in message
    assert "epoch'" in message and "lstm_units" in message
    for f in dataclasses.fields(SentimentConfig):
        assert f.name in message


@pytest.mark.parametrize(
    "name, value, expected, received",
    [
        ("epochs", "ten", "int", "str"),
        ("epochs", 2.5, "int", "float"),
        ("epochs", True, "int", "bool"),  # bool is an int subclass, still rejected
        ("learning_rate", "1e-3", "float", "str"),
        ("deterministic", 1, "bool", "int"),
        ("cell", 3, "str", "int"),
        ("units", None, "int", "NoneType"),
    ],
)
def test_wrong_type_in_file_says_expected_and_received(tmp_path, name, value, expected, received):
    path = write_json(tmp_path, {name: value})
    with pytest.raises(ValueError) as error:
        resolve("--config", str(path))
    message = str(error.value)
    assert str(path) in message
    assert f"`{name}` to be {expected}" in message
    assert f"({received})" in message


def test_coerce_values_names_its_source():
    with pytest.raises(ValueError, match="^somewhere: expected `seed` to be int"):
        coerce_values(TrainingConfig, {"seed": "x"}, "somewhere")
    assert coerce_values(TrainingConfig, {"learning_rate": 3}, "s") == {"learning_rate": 3.0}


@pytest.mark.parametrize(
    "argv",
    [
        ["--cell", "transformer"],
        ["--pooling", "median"],
        ["--strategy", "tpu"],
        ["--truncate-from", "middle"],
        ["--epochs", "1.5"],
        ["--learning-rate", "fast"],
    ],
)
def test_argparse_rejects_bad_choices_and_types(argv, capsys):
    with pytest.raises(SystemExit) as error:
        build_parser().parse_args(["train", *argv])
    assert error.value.code == 2
    assert argv[0] in capsys.readouterr().err


@pytest.mark.parametrize(
    "values, name",
    [({"pooling": "median"}, "pooling"), ({"cell": "transformer"}, "cell")],
)
def test_choices_are_enforced_for_config_files_too(tmp_path, values, name):
    path = write_json(tmp_path, values)
    with pytest.raises(ValueError, match=rf"`{name}` to be one of"):
        resolve("--config", str(path))


@pytest.mark.parametrize(
    "argv, name",
    [
        (["--dropout", "1.5"], "dropout"),
        (["--head-dropout", "1"], "head_dropout"),
        (["--embedding-dropout", "-0.1"], "embedding_dropout"),
        (["--validation-split", "0"], "validation_split"),
        (["--validation-split", "1"], "validation_split"),
        (["--max-length", "0"], "max_length"),
        (["--max-tokens", "2"], "max_tokens"),
        (["--learning-rate", "0"], "learning_rate"),
        (["--epochs", "0"], "epochs"),
    ],
)
def test_validate_names_the_setting_out_of_range(argv, name):
    with pytest.raises(ValueError, match=rf"`{name}`.*{name}="):
        resolve(*argv)


def test_validate_applies_to_values_from_the_file(tmp_path):
    path = write_json(tmp_path, {"dropout": 1.5})
    with pytest.raises(ValueError, match="`dropout`"):
        resolve("--config", str(path))
    # ...and a flag can repair a bad file value, since flags win before validation.
    assert resolve("--config", str(path), "--dropout", "0.5").dropout == 0.5


def test_validate_accepts_boundaries():
    config = resolve("--dropout", "0", "--max-length", "1", "--max-tokens", "3")
    assert (config.dropout, config.max_length, config.max_tokens) == (0.0, 1, 3)


def test_missing_config_file_names_the_path(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(ValueError, match=re.escape(str(path))):
        resolve("--config", str(path))


@pytest.mark.parametrize(
    "name, text, kind",
    [
        ("broken.json", '{"epochs": 3,}', "JSON"),
        ("broken.toml", "epochs = = 3\n", "TOML"),
    ],
)
def test_invalid_file_names_the_path_and_format(tmp_path, name, text, kind):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{path}: not a valid {kind} file")):
        read_config_file(path)


@pytest.mark.parametrize("text", ["[1, 2]", "5", '"epochs"'])
def test_json_that_is_not_an_object_is_a_clear_error(tmp_path, text):
    path = tmp_path / "list.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{path}: expected a JSON object")):
        read_config_file(path)


def test_unsupported_extension_is_rejected(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("epochs: 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.json or \.toml.*settings\.yaml"):
        read_config_file(path)


# --- help text -------------------------------------------------------------------------


def train_help(capsys, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as error:
        build_parser().parse_args(["train", "--help"])
    assert error.value.code == 0
    return capsys.readouterr().out


def flag_entries(help_text: str) -> dict[str, str]:
    """Maps each `--flag` that starts a help entry to its (whitespace-collapsed) entry."""
    entries, current = {}, None
    for line in help_text.splitlines():
        match = re.match(r"^ {2}(--[a-z][a-z0-9-]*)", line)
        if match:
            current = match.group(1)
            entries[current] = line
        elif current is not None and line.startswith("   "):
            entries[current] += " " + line
        else:
            current = None
    return {flag: " ".join(text.split()) for flag, text in entries.items()}


def test_help_lists_every_field_with_its_default(capsys, monkeypatch):
    entries = flag_entries(train_help(capsys, monkeypatch))
    for f in dataclasses.fields(SentimentConfig):
        flag = "--" + f.name.replace("_", "-")
        assert flag in entries, f"{flag} missing from `train --help`"
        entry = entries[flag]
        assert f"(default: {f.default})" in entry, entry
        assert " ".join(f.metadata["help"].split()) in entry
        if f.type in (bool, "bool"):
            assert f"--no-{flag[2:]}" in entry
    assert "--config" in entries


def test_help_shows_choices(capsys, monkeypatch):
    entries = flag_entries(train_help(capsys, monkeypatch))
    for f in dataclasses.fields(SentimentConfig):
        if f.metadata.get("choices"):
            flag = "--" + f.name.replace("_", "-")
            for choice in f.metadata["choices"]:
                assert choice in entries[flag], (choice, entries[flag])


def test_add_config_arguments_on_a_plain_parser_leaves_untyped_flags_as_none():
    import argparse

    parser = argparse.ArgumentParser()
    add_config_arguments(parser, TrainingConfig)
    args = parser.parse_args(["--seed", "7"])
    assert args.seed == 7
    assert args.epochs is None and args.deterministic is None and args.config is None
    assert resolve_config(TrainingConfig, args) == TrainingConfig(seed=7)


def test_help_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "sys.modules['tensorflow'] = None\n"
        "sys.modules['keras'] = None\n"
        "from apps.sentiment.cli import build_parser\n"
        "build_parser().format_help()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]


# --- encoder settings: one vocabulary in both apps, old names still accepted ------------


def test_both_apps_name_the_encoder_settings_alike():
    from apps.translation.config import TranslationConfig
    from shared.training.config import EncoderSettings

    names = {f.name for f in dataclasses.fields(EncoderSettings)}
    assert {"encoder_units", "encoder_layers", "cell", "dropout", "embedding_dim"} <= names
    for config_cls in (SentimentConfig, TranslationConfig):
        assert names <= {f.name for f in dataclasses.fields(config_cls)}
        arguments = config_cls().encoder_arguments()
        assert arguments["units"] == config_cls().encoder_units
        assert arguments["num_layers"] == config_cls().encoder_layers


@pytest.mark.parametrize(
    "argv",
    [["--units", "16", "--num-layers", "2"], ["--encoder-units", "16", "--encoder-layers", "2"]],
)
def test_old_and_new_encoder_flags_set_the_same_settings(argv):
    config = resolve(*argv)
    assert (config.encoder_units, config.encoder_layers) == (16, 2)


def test_old_setting_names_keep_working_in_the_python_api():
    config = SentimentConfig(units=4, num_layers=2)
    assert (config.encoder_units, config.encoder_layers) == (4, 2)
    assert (config.units, config.num_layers) == (4, 2)
    assert dataclasses.replace(config, num_layers=3).encoder_layers == 3
    with pytest.raises(AttributeError, match="no attribute 'lstm_units'"):
        config.lstm_units  # noqa: B018


def test_a_run_folder_written_before_the_rename_loads_under_the_new_names(tmp_path):
    from apps.sentiment.config import PretrainingConfig
    from shared.training.run_directory import RunDirectory

    old = {**DEFAULTS.to_dict(), "data": "embedded", "preset": "embedded"}
    del old["encoder_units"], old["encoder_layers"]
    write_json(tmp_path, {**old, "units": 12, "num_layers": 2}, name="config.json")
    for config_cls in (SentimentConfig, PretrainingConfig):
        config = RunDirectory(tmp_path).load_config(config_cls)
        assert (config.encoder_units, config.encoder_layers) == (12, 2)


def test_an_encoder_range_error_names_the_setting():
    from apps.translation.config import TranslationConfig

    for config in (SentimentConfig(encoder_layers=0), TranslationConfig(encoder_layers=0)):
        with pytest.raises(ValueError, match="Expected `encoder_layers` >= 1"):
            config.validate()
