"""Runs and exports: each finished run exported once into the work folder, and its sizes.

The apps' own exporters write the SavedModel (TF Serving's layout) and the TFLite variants
under `<work>/inference/exports/<name>/`, never into the repository's `saved_models/`.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import time
from pathlib import Path

from apps.registry import app_entry
from benchmarks.context import BenchContext
from benchmarks.inference.settings import (
    KERAS_FILE,
    KEY,
    LITE_THREADS,
    SAVED_MODEL,
    MissingInput,
    tflite_path,
)
from shared.edge.metadata import TFLITE_FOLDER, VARIANTS
from shared.export.exporter import export_version
from shared.export.tflite import TFLiteExportError
from shared.training.run_directory import RunDirectory


def finished_run(app: str, name: str, run_dir) -> Path:
    if run_dir is None or not RunDirectory(Path(run_dir)).is_finished:
        raise MissingInput(
            f"{app} run `{name}` skipped: no finished run at {run_dir} (no model.keras)."
        )
    return Path(run_dir)


def export_run(
    app: str, name: str, run_dir: Path, context: BenchContext, exports: dict, skipped: list
) -> dict:
    """Exports `run_dir` once (version 1 under a fresh `<work>/inference/exports/<name>/`).

    A TFLite variant that fails the exporter's own parity checks is left out and said so
    (in `skipped` and the summary's `notes`), rather than losing every other measurement
    of the run.

    Returns:
        `shared.export.exporter.export_version`'s summary, plus `notes` and `seconds`
        (0 when an earlier name already exported the same run).
    """
    key = run_dir.resolve()
    if key in exports:  # the same run under two names
        return {**exports[key], "seconds": 0.0}
    started = time.perf_counter()
    entry = app_entry(app)
    build_export = entry.load_entry("saved_model_export")
    root = context.work(KEY, "exports", name)
    shutil.rmtree(root)  # ours alone: a rerun starts from version 1 again
    spec, variants, notes = build_export(run_dir), list(VARIANTS), []
    while True:
        try:
            summary = export_version(spec, root)
            break
        except TFLiteExportError as error:
            failed = [v for v in variants if f"{v} model" in str(error)] or variants
            variants = [v for v in variants if v not in failed]
            notes.append(
                f"{app} run `{name}`: TFLite {', '.join(failed)} not exported, the "
                f"exporter's check refused it: {str(error).splitlines()[0]}"
            )
            trained = entry.load_entry("trained_run").load(run_dir)
            write_phone_models = entry.load_entry("phone_export")
            writer = (
                functools.partial(write_phone_models, trained, variants=tuple(variants))
                if variants
                else None
            )
            spec = dataclasses.replace(build_export(run_dir, tflite=False), write_tflite=writer)
    skipped.extend(notes)
    exports[key] = {**summary, "notes": notes, "seconds": round(time.perf_counter() - started, 1)}
    return exports[key]


def lite_runners(runner_class, export: dict) -> dict:
    """Variant -> edge runner (LiteRT, `LITE_THREADS` threads) for each exported variant."""
    files = (export.get("tflite") or {}).get("files", {})
    folder = Path(export["path"]) / TFLITE_FOLDER
    return {
        variant: runner_class.from_directory(folder, variant=variant, num_threads=LITE_THREADS)
        for variant in VARIANTS
        if variant in files
    }


def saved_model_bytes(version: Path) -> int:
    """Bytes of the SavedModel proper: `saved_model.pb`, `fingerprint.pb`, `variables/`,
    `assets/` (not the warmup records in `assets.extra/`, nor the phone models in `tflite/`)."""
    excluded = {version / TFLITE_FOLDER, version / "assets.extra"}
    return sum(
        path.stat().st_size
        for path in version.rglob("*")
        if path.is_file() and not any(folder in path.parents for folder in excluded)
    )


def artifact_sizes(run_dir: Path, export: dict) -> dict[str, int]:
    version = Path(export["path"])
    sizes = {
        KERAS_FILE: RunDirectory(run_dir).model_path.stat().st_size,
        SAVED_MODEL: saved_model_bytes(version),
    }
    for variant, info in (export.get("tflite") or {}).get("files", {}).items():
        sizes[tflite_path(variant)] = (version / TFLITE_FOLDER / info["file"]).stat().st_size
    return sizes
