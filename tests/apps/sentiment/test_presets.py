"""Presets: the best measured settings per kind of data, picked automatically."""

from __future__ import annotations

import csv
import dataclasses

import pytest

from apps.sentiment.cli import build_parser as sentiment_parser
from apps.sentiment.config import SentimentConfig
from apps.sentiment.presets import PRESETS as SENTIMENT_PRESETS
from apps.sentiment.presets import choose_preset, resolve_sentiment_config
from apps.translation.cli import build_parser as translation_parser
from apps.translation.config import TranslationConfig
from apps.translation.presets import PRESETS as TRANSLATION_PRESETS
from apps.translation.presets import resolve_translation_config
from shared.training.config import coerce_values


@pytest.mark.parametrize(
    "config_cls, presets",
    [(SentimentConfig, SENTIMENT_PRESETS), (TranslationConfig, TRANSLATION_PRESETS)],
)
def test_every_preset_holds_valid_settings(config_cls, presets):
    for preset in presets.values():
        config_cls(**coerce_values(config_cls, preset.values, preset.name)).validate()


def _csv(path, texts):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows((text, i % 2) for i, text in enumerate(texts))
    return path


def _sentiment(*argv):
    return sentiment_parser().parse_args(["train", *argv])


def test_auto_picks_reviews_for_long_texts_and_sentences_for_short(tmp_path, capsys):
    long_file = _csv(tmp_path / "long.csv", [" ".join(["word"] * 150)] * 10)
    short_file = _csv(tmp_path / "short.csv", ["a fine film ."] * 10)
    args = _sentiment("--data", str(long_file))
    resolved = resolve_sentiment_config(args)
    assert resolved.preset == "reviews"
    assert "median 150 words" in capsys.readouterr().out
    for name, value in SENTIMENT_PRESETS["reviews"].values.items():
        assert getattr(resolved.config, name) == value
    args = _sentiment("--data", str(short_file))
    assert resolve_sentiment_config(args).preset == "sentences"
    assert args.preset == "auto"  # the parsed flags are left as typed


def test_embedded_corpus_uses_the_defaults_with_more_word_dropout(capsys):
    args = _sentiment()
    resolved = resolve_sentiment_config(args)
    assert resolved.config == dataclasses.replace(SentimentConfig(), embedding_dropout=0.25)
    assert resolved.preset == "embedded"
    assert "auto: the embedded corpus" in capsys.readouterr().out


def test_flags_and_config_files_win_over_the_preset(tmp_path):
    settings = tmp_path / "settings.toml"
    settings.write_text("epochs = 9\n", encoding="utf-8")
    reviews = SENTIMENT_PRESETS["reviews"].values
    config = resolve_sentiment_config(
        _sentiment("--preset", "reviews", "--config", str(settings), "--max-length", "17")
    ).config
    assert config.max_length == 17  # flag over preset
    assert config.epochs == 9  # file over preset
    assert config.truncate_from == reviews["truncate_from"]  # preset over default


def test_an_explicit_preset_is_used_without_reading_the_data(tmp_path):
    args = _sentiment("--preset", "sentences", "--data", str(tmp_path / "missing.csv"))
    resolved = resolve_sentiment_config(args)  # no DataError: the file is never opened
    assert resolved.preset == "sentences" and resolved.data is None
    assert choose_preset("reviews", None, None)[0].name == "reviews"


def test_translation_auto_uses_the_real_data_preset_for_files(tmp_path):
    args = translation_parser().parse_args(["train", "--data", str(tmp_path / "pairs.tsv")])
    resolved = resolve_translation_config(args)
    assert resolved.preset == "sentence-pairs"
    expected = TRANSLATION_PRESETS["sentence-pairs"].values["encoder_units"]
    assert resolved.config.encoder_units == expected
    args = translation_parser().parse_args(["train"])
    resolved = resolve_translation_config(args)
    assert resolved.config == TranslationConfig()
    assert resolved.preset == "embedded"


def test_unknown_preset_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit):
        _sentiment("--preset", "huge")
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_auto_reads_the_training_data_once_and_hands_it_to_training(tmp_path, monkeypatch):
    import apps.sentiment.data as data_module

    reads = []
    real = data_module.load_examples
    monkeypatch.setattr(
        data_module, "load_examples", lambda *a, **k: reads.append(a) or real(*a, **k)
    )
    path = _csv(tmp_path / "short.csv", ["a fine film ."] * 10)
    resolved = resolve_sentiment_config(_sentiment("--data", str(path)))
    assert len(reads) == 1 and resolved.data.texts == ["a fine film ."] * 10


@pytest.mark.parametrize(
    "extra",
    [
        ("--streaming", "--document-window", "64"),
        ("--strategy", "mirrored"),
        ("--strategy", "multi-worker"),
        ("--workers", "2"),
        ("--streaming",),
    ],
)
def test_the_sentences_presets_adversarial_training_gives_way_where_it_cannot_run(extra):
    # The preset trains adversarially; runs that refuse it (or that it was not measured
    # on) still start with the preset, without it.
    assert SENTIMENT_PRESETS["sentences"].values["adversarial_epsilon"] > 0
    plain = resolve_sentiment_config(_sentiment("--preset", "sentences")).config
    assert plain.adversarial_epsilon == SENTIMENT_PRESETS["sentences"].values["adversarial_epsilon"]
    config = resolve_sentiment_config(_sentiment("--preset", "sentences", *extra)).config
    assert config.adversarial_epsilon == 0
    assert config.epochs == SENTIMENT_PRESETS["sentences"].values["epochs"]


@pytest.mark.parametrize(
    "extra", [("--streaming", "--document-window", "64"), ("--strategy", "mirrored")]
)
def test_adversarial_training_typed_by_the_user_is_still_refused_where_it_cannot_run(extra):
    args = _sentiment("--preset", "sentences", *extra, "--adversarial-epsilon", "0.02")
    with pytest.raises(ValueError, match="Expected `adversarial_epsilon` 0"):
        resolve_sentiment_config(args)
