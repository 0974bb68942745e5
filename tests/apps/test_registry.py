"""The app registry (`apps.registry`) and `make export`'s entry point (`apps.export_all`)."""

import dataclasses
import importlib
import subprocess
import sys
import types

import pytest

from apps import export_all
from apps.registry import APPS, AppEntry, app_entry

ROLES = [f.name for f in dataclasses.fields(AppEntry) if f.name not in ("name", "package")]


def test_importing_the_registry_does_not_load_tensorflow():
    code = "import sys, apps.registry, apps.export_all; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(APPS))
def test_every_entry_point_of_every_app_resolves(name):
    entry = app_entry(name)
    assert entry.name == name and entry.package == f"apps.{name}"
    for role in ROLES:
        assert callable(entry.load_entry(role)), (name, role)
    assert entry.load_entry("train") is importlib.import_module(f"{entry.package}.train").train


def test_an_unknown_app_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"\['sentiment', 'translation'\]. Received: 'x'"):
        app_entry("x")


def fake_runs(monkeypatch, tmp_path, finished: tuple[str, ...], status: int = 0) -> list:
    monkeypatch.chdir(tmp_path)
    for app in finished:
        (tmp_path / "runs" / app / "some-run").mkdir(parents=True)
        (tmp_path / "runs" / app / "some-run" / "model.keras").write_bytes(b"")
    commands = []

    def run(command):
        commands.append(command)
        return types.SimpleNamespace(returncode=status)

    monkeypatch.setattr(export_all.subprocess, "run", run)
    return commands


def test_export_all_exports_each_app_with_a_finished_run(monkeypatch, tmp_path, capsys):
    commands = fake_runs(monkeypatch, tmp_path, ("translation",))
    assert export_all.main(["--no-xla"]) == 0
    assert commands == [[sys.executable, "-m", "apps.translation", "export", "--no-xla"]]
    assert capsys.readouterr().out == (
        "no finished sentiment run under runs/sentiment: skipped (make train-sentiment)\n"
    )


def test_export_all_stops_at_a_failed_export(monkeypatch, tmp_path):
    commands = fake_runs(monkeypatch, tmp_path, ("sentiment", "translation"), status=3)
    assert export_all.main([]) == 3
    assert [command[2] for command in commands] == ["apps.sentiment"]


def test_export_all_without_any_finished_run_is_an_error(monkeypatch, tmp_path, capsys):
    commands = fake_runs(monkeypatch, tmp_path, ())
    assert export_all.main([]) == 2
    assert commands == []
    assert capsys.readouterr().err == "error: nothing to export; train first\n"
