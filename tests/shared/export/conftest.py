"""Exports of the tiny runs shared by this folder's modules, each made once per session:
both apps' TF Serving versions in one model root (`exported`), the same with phone models
as the `export` command writes them (`cli_exports`), and phone models of all three
variants with scrambled weights (`tests.helpers.tflite.scramble`)."""

import contextlib
import io
import json
from pathlib import Path

import pytest

from apps.sentiment.corpus import generate_reviews
from apps.sentiment.export import build_export as build_sentiment_export
from apps.translation.corpus import generate_pairs
from apps.translation.export import build_export as build_translation_export
from shared.export.exporter import export_version
from tests.helpers.tflite import scrambled_sentiment_export, scrambled_translation_export


@pytest.fixture(scope="session")
def exported(tiny_sentiment_run, tiny_translation_run, tmp_path_factory):
    """`(model root, sentiment version folder, translation version folder)`."""
    root = tmp_path_factory.mktemp("saved_models")
    sentiment = export_version(build_sentiment_export(tiny_sentiment_run, tflite=False), root)
    translation = export_version(build_translation_export(tiny_translation_run, tflite=False), root)
    return root, Path(sentiment["path"]), Path(translation["path"])


@pytest.fixture(scope="session")
def cli_exports(tiny_sentiment_run, tiny_translation_run, tmp_path_factory):
    """`(model root, {app: the JSON line it printed})`: both runs through their app's
    `export` command (XLA SavedModel and the three phone variants), version 1 each."""
    from apps.sentiment.cli import main as sentiment_main
    from apps.translation.cli import main as translation_main

    root = tmp_path_factory.mktemp("cli_exports")
    summaries = {}
    for app, main, run_dir in (
        ("sentiment", sentiment_main, tiny_sentiment_run),
        ("translation", translation_main, tiny_translation_run),
    ):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(["export", str(run_dir), "--saved-models", str(root)]) == 0
        summaries[app] = json.loads(printed.getvalue().strip().splitlines()[-1])
    return root, summaries


@pytest.fixture(scope="session")
def sentiment_export(tiny_sentiment_run, tmp_path_factory):
    return scrambled_sentiment_export(
        tiny_sentiment_run, tmp_path_factory.mktemp("sentiment-tflite")
    )


@pytest.fixture(scope="session")
def translation_export(tiny_translation_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("translation-tflite")
    return scrambled_translation_export(tiny_translation_run, out)


@pytest.fixture(scope="session")
def reviews():
    texts, _ = generate_reviews(300, seed=99)
    return texts + ["", "!!!", "wonderful " * 200]


@pytest.fixture(scope="session")
def sentences():
    return [spanish for spanish, _ in generate_pairs(60, seed=5)] + ["", "¿¿??", "hola " * 40]
