"""Which apps there are, and where each one's public entry points live.

One table for everything that treats the apps alike (`make export`, the benchmarks):
adding an app, or moving an entry point, changes one line here (both apps lay their
modules out alike; one that differs would `dataclasses.replace` its entry). Importing this module is
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


def _conventional_entry(name: str, trained_run_class: str) -> AppEntry:
    """An app laid out as both are: `apps/<name>/` with `cli.py`, `train.py`, `api.py`, ..."""
    package = f"apps.{name}"
    return AppEntry(
        name=name,
        package=package,
        cli=f"{package}.cli:main",
        train=f"{package}.train:train",
        load=f"{package}.api:load",
        evaluate=f"{package}.evaluate:evaluate",
        trained_run=f"{package}.artifacts:{trained_run_class}",
        saved_model_export=f"{package}.export:build_export",
        phone_export=f"{package}.tflite:write_tflite_models",
    )


APPS = {
    app.name: app
    for app in (
        _conventional_entry("sentiment", "TrainedSentimentModel"),
        _conventional_entry("translation", "TrainedTranslator"),
    )
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
