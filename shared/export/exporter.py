"""One export flow for every app: SavedModel + warmup + TFLite, published as a version.

An app describes what to export with an `AppExport` (its signatures, what to track, its
warmup requests, its TFLite writer); `export_version` does the rest the same way for
every app, so the layout and the guarantees (atomic versions, config files) are shared.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import tensorflow as tf

from shared.edge.metadata import TFLITE_FOLDER
from shared.export.progress import reporting, stage
from shared.export.saved_model import write_saved_model
from shared.export.tf_serving_config import write_tf_serving_config
from shared.export.tf_serving_ops.op_check import describe_unregistered, unregistered_ops
from shared.export.versions import StagedVersion
from shared.export.warmup import write_warmup_requests
from shared.training.run_directory import write_json_atomic

SAVED_MODELS_ROOT = Path("saved_models")
EXPORT_INFO_RELATIVE_PATH = Path("assets.extra") / "export.json"


@dataclasses.dataclass
class AppExport:
    """What one app exports from one finished run."""

    app: str
    run_dir: Path
    endpoints: dict[str, tf.types.experimental.GenericFunction]
    trackables: list
    warmup_requests: list
    details: dict
    write_tflite: Callable[[Path], dict] | None = None
    # signature -> TF Serving method name, where not predict (e.g. a Classify signature)
    method_names: dict[str, str] = dataclasses.field(default_factory=dict)


def export_version(
    spec: AppExport, saved_models_root: Path = SAVED_MODELS_ROOT, serving_root: str | None = None
) -> dict:
    """Writes `saved_models/<app>/<next version>/` and refreshes the server config files.

    `serving_root`: the root `models.config` names (default: the Docker mount, `/models`).

    Layout of a version (TF Serving reads the first three, ignores the rest):
        saved_model.pb, variables/        the SavedModel (signatures in `spec.endpoints`)
        assets.extra/tf_serving_warmup_requests
        assets.extra/export.json          run, settings, signatures, timings
        tflite/                           phone models and their metadata.json

    Returns a summary (version, path, timings) for the command line.
    """
    model_root = Path(saved_models_root) / spec.app
    started = time.perf_counter()
    with StagedVersion(model_root) as staged:
        stage("writing the SavedModel (tracing %s)", ", ".join(spec.endpoints))
        write_saved_model(staged.path, spec.trackables, spec.endpoints, spec.method_names)
        saved_model_seconds = time.perf_counter() - started
        # Our server runs any op; the stock TF Serving binary only those it registers. Warn
        # rather than refuse: a custom TF Serving build may register more.
        unregistered = unregistered_ops(staged.path)
        if unregistered:
            stage("WARNING: %s", describe_unregistered(unregistered))
        stage(
            "writing %d warmup requests (replayed, and XLA-compiled, when a server loads "
            "the version)",
            len(spec.warmup_requests),
        )
        write_warmup_requests(staged.path, spec.app, spec.warmup_requests, spec.method_names)
        tflite = None
        if spec.write_tflite:
            stage("TFLite: tracing the phone signatures and their reference outputs")
            tflite = spec.write_tflite(staged.path / TFLITE_FOLDER)
        stage("writing metadata (assets.extra/export.json) and publishing the version")
        info = {
            "app": spec.app,
            "run_dir": str(Path(spec.run_dir).resolve()),
            "exported_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "tensorflow_version": tf.__version__,
            "signatures": sorted(spec.endpoints),
            "warmup_requests": len(spec.warmup_requests),
            **spec.details,
            "ops_missing_from_stock_tf_serving": unregistered,
        }
        if tflite is not None:  # what the phone models are, without staging paths
            info["tflite"] = {k: v for k, v in tflite.items() if k not in ("directory", "metadata")}
        write_json_atomic(staged.path / EXPORT_INFO_RELATIVE_PATH, info)
    if tflite is not None:  # paths were reported inside the staging folder
        tflite = json.loads(json.dumps(tflite).replace(str(staged.path), str(staged.published)))
    stage("writing the server config (models.config, batching_parameters.txt)")
    config_files = write_tf_serving_config(saved_models_root, serving_root)
    return {
        "app": spec.app,
        "version": int(staged.published.name),
        "path": str(staged.published),
        "signatures": sorted(spec.endpoints),
        "xla_compiled": spec.details.get("xla_compiled"),
        "tflite": tflite,
        "models_config": str(config_files["models_config"]),
        "batching_parameters": str(config_files["batching"]),
        "ops_missing_from_stock_tf_serving": unregistered,
        "saved_model_seconds": round(saved_model_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def run_export_command(
    args,
    build_export: Callable[..., AppExport],
    app: str,
    latency_comparison: Callable | None = None,
    **build_options,
) -> int:
    """`python -m apps.<app> export`: export, print where it went, end with a JSON line.

    With `--compare-latency`, `latency_comparison(run_dir, exported_dir, workdir)` times
    the new export against alternatives and returns `[(title, rows, reference name)]`
    (rows as `shared.export.latency.compare_latency` makes them).
    """
    from shared.cli import latest_finished_run, print_json_line  # noqa: PLC0415

    run_dir = args.run_dir or latest_finished_run(app)
    with reporting(f"export {app}"):
        stage("loading run %s", run_dir)
        spec = build_export(
            run_dir, jit_compile=not args.no_xla, tflite=not args.no_tflite, **build_options
        )
        summary = export_version(spec, args.saved_models, args.serving_root)
        stage("done: version %d in %s", summary["version"], summary["path"])
    print(f"Exported {run_dir} as {spec.app} version {summary['version']}: {summary['path']}")
    print(f"  signatures: {', '.join(summary['signatures'])}")
    tflite = summary["tflite"] or {}
    for variant, info in tflite.get("files", {}).items():
        print(f"  tflite {variant}: {info['file']} ({info['bytes'] / 1e6:.2f} MB)")
    if tflite:
        print(f"  tflite metadata: {tflite['metadata']}")
    print(f"  TF Serving config: {summary['models_config']}")
    if summary["ops_missing_from_stock_tf_serving"]:
        print(f"  WARNING: {describe_unregistered(summary['ops_missing_from_stock_tf_serving'])}")
    if getattr(args, "compare_latency", False) and latency_comparison is not None:
        from shared.export.latency import format_table  # noqa: PLC0415

        with reporting(f"latency {app}"), tempfile.TemporaryDirectory() as workdir:
            stage("comparing latencies (exports two more candidates, then times them)")
            tables = latency_comparison(run_dir, Path(summary["path"]), Path(workdir))
            stage("done")
        for title, rows, reference in tables:
            print(f"\n{title}\n{format_table(rows, reference)}")
        summary["latency"] = {title: rows for title, rows, _ in tables}
    print_json_line(summary)
    return 0
