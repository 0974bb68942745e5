"""Phone exports of the tiny runs for the edge-runner tests, and ways to tamper with them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shared.edge.metadata import METADATA_FILE
from shared.edge.model_files import describe_model_file
from tests.helpers.paths import REPO_ROOT

# Two of shared.edge.metadata.VARIANTS: faster to export.
EDGE_VARIANTS = ("float32", "dynamic_range")
REVIEWS = ["A gem.", "Dull, dull, dull and far too long.", "", "!!!", "It was not a disaster."]
SENTENCES = ["Ella vende el teléfono.", "¿Dónde está la estación?", ""]


def copy_export(directory: Path, tmp_path: Path) -> Path:
    target = tmp_path / directory.name
    shutil.copytree(directory, target)
    return target


def edit_metadata(directory: Path, edit) -> None:
    path = directory / METADATA_FILE
    metadata = json.loads(path.read_text(encoding="utf-8"))
    edit(metadata)
    path.write_text(json.dumps(metadata), encoding="utf-8")


def regenerate_digests(directory: Path) -> None:
    """Rewrites metadata.json's sha256 and size entries to match the files there (what
    someone mixing exports by hand would do to get past the digest check)."""
    edit_metadata(
        directory,
        lambda m: m.update(
            models={
                variant: describe_model_file(directory / entry["file"])
                for variant, entry in m["models"].items()
            }
        ),
    )


def assert_mismatch_names(error: pytest.ExceptionInfo, model_file: Path) -> None:
    message = str(error.value)
    assert f"metadata.json and {model_file} describe different" in message, message
    assert "vocabularies/labels/tokenization" in message and "export them together" in message


EDGE_CLI_WITHOUT_TENSORFLOW = textwrap.dedent(
    """
    import importlib.abc, runpy, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "keras", "tensorflow_text", "tf_keras"):
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, Block())
    sys.argv = ["shared.edge", *sys.argv[1:]]
    runpy.run_module("shared.edge", run_name="__main__")
    """
)


def run_edge_cli(*args, stdin: str = ""):
    """`python -m shared.edge *args` in a process where TensorFlow cannot be imported."""
    return subprocess.run(
        [sys.executable, "-c", EDGE_CLI_WITHOUT_TENSORFLOW, *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
