"""Which apps there are, and where each one's public entry points live.

One table for everything that treats the apps alike (`make export`, the benchmarks):
adding an app, or moving an entry point, changes one line here. Importing this module is
cheap (no TensorFlow); an entry point is imported on first use:

    from apps.registry import app_entry
    build_export = app_entry("sentiment").load_entry("saved_model_export")
"""

from __future__ import annotations

import dataclasses
import importlib

from shared.cli import RUNS_ROOT


@dataclasses.dataclass(frozen=True)
class AppEntry:
    """One app: its package and its public entry points, as `"module:attribute"`.

    Attributes:
        name: the app's name (`runs/<name>/`, `saved_models/<name>/`).
        package: the package `python -m` runs (its command line).
        cli: `main(argv) -> exit status`, the command line (console script `rnn-...`).
        train: `train(config, data, ...) -> TrainingResult`, the Python API.
        load: `load(run_dir=None) -> ...`, the Python API's loaded model.
        evaluate: the `evaluate` command, given the parsed command line.
        trained_run: the class whose `.load(run_dir)` opens a finished run.
        saved_model_export: `build_export(run_dir, ..., tflite=True)`, the spec
            `shared.export.exporter.export_version` writes (SavedModel and phone models).
        phone_export: `write_tflite_models(trained, out_dir, variants=...)`, the phone
            models alone.
    """

    name: str
    package: str
    cli: str
    train: str
    load: str
    evaluate: str
    trained_run: str
    saved_model_export: str
    phone_export: str

    def load_entry(self, role: str):
        """The object behind `role` (a field name above), imported now."""
        module_name, _, attribute = getattr(self, role).partition(":")
        return getattr(importlib.import_module(module_name), attribute)

    def has_finished_run(self, runs_root=RUNS_ROOT) -> bool:
        """Whether `runs/<name>/` holds a finished run (one with a `model.keras`)."""
        return any((runs_root / self.name).glob("*/model.keras"))


APPS = {
    "sentiment": AppEntry(
        name="sentiment",
        package="apps.sentiment",
        cli="apps.sentiment.cli:main",
        train="apps.sentiment.train:train",
        load="apps.sentiment.api:load",
        evaluate="apps.sentiment.evaluate:evaluate",
        trained_run="apps.sentiment.artifacts:TrainedSentimentModel",
        saved_model_export="apps.sentiment.export:build_export",
        phone_export="apps.sentiment.tflite:write_tflite_models",
    ),
    "translation": AppEntry(
        name="translation",
        package="apps.translation",
        cli="apps.translation.cli:main",
        train="apps.translation.train:train",
        load="apps.translation.api:load",
        evaluate="apps.translation.evaluate:evaluate",
        trained_run="apps.translation.artifacts:TrainedTranslator",
        saved_model_export="apps.translation.export:build_export",
        phone_export="apps.translation.tflite:write_tflite_models",
    ),
}


def app_entry(name: str) -> AppEntry:
    """The registered app called `name`.

    Raises:
        ValueError: no app has that name.
    """
    try:
        return APPS[name]
    except KeyError:
        raise ValueError(f"Expected an app name in {sorted(APPS)}. Received: {name!r}.") from None
