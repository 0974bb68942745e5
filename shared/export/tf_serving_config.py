"""TF Serving configuration files for every model under `saved_models/`.

`models.config` is a text `ModelServerConfig` (tensorflow-serving-api's proto) naming each
app folder; `batching_parameters.txt` is TF Serving's `BatchingParameters` text proto.
Both are regenerated after every export so they always list what is on disk.
"""

from __future__ import annotations

from pathlib import Path

from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from shared.export.versions import existing_versions
from shared.ids import batch_buckets
from shared.training.run_directory import write_atomic

MODELS_CONFIG_FILE = "models.config"
BATCHING_PARAMETERS_FILE = "batching_parameters.txt"
# Where `docker run -v "$PWD/saved_models:/models"` puts the folder inside the container.
CONTAINER_MODELS_ROOT = "/models"
# Batch sizes TF Serving pads a merged batch up to. They are the batch buckets the serving
# signatures compile with XLA, so no request triggers a new compile.
ALLOWED_BATCH_SIZES = tuple(batch_buckets())
BATCH_TIMEOUT_MICROS = 2000


def served_models(saved_models_root: Path) -> list[str]:
    """App folders holding at least one published version."""
    root = Path(saved_models_root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and existing_versions(p))


def models_config_text(model_names: list[str], container_root: str = CONTAINER_MODELS_ROOT):
    """`ModelServerConfig` text serving the latest version of each model."""
    config = model_server_config_pb2.ModelServerConfig()
    for name in model_names:
        model = config.model_config_list.config.add()
        model.name = name
        model.base_path = f"{container_root.rstrip('/')}/{name}"
        model.model_platform = "tensorflow"
        model.model_version_policy.latest.num_versions = 1
    return text_format.MessageToString(config)


def batching_parameters_text(
    allowed_batch_sizes: tuple[int, ...] = ALLOWED_BATCH_SIZES,
    batch_timeout_micros: int = BATCH_TIMEOUT_MICROS,
    num_batch_threads: int = 2,
    max_enqueued_batches: int = 100,
) -> str:
    """`BatchingParameters` text (its proto is not in the pip package, so written here)."""
    if list(allowed_batch_sizes) != sorted(set(allowed_batch_sizes)):
        raise ValueError(
            f"Expected increasing allowed batch sizes. Received: {allowed_batch_sizes}"
        )
    lines = [
        f"max_batch_size {{ value: {allowed_batch_sizes[-1]} }}",
        f"batch_timeout_micros {{ value: {batch_timeout_micros} }}",
        f"max_enqueued_batches {{ value: {max_enqueued_batches} }}",
        f"num_batch_threads {{ value: {num_batch_threads} }}",
        *(f"allowed_batch_sizes: {size}" for size in allowed_batch_sizes),
    ]
    return "\n".join(lines) + "\n"


def write_tf_serving_config(
    saved_models_root: Path, serving_root: str | None = None
) -> dict[str, Path]:
    """(Re)writes `models.config` and `batching_parameters.txt` under the root.

    `serving_root` is the root folder as the server sees it, which `models.config` names
    (default: `CONTAINER_MODELS_ROOT`, the Docker mount).
    """
    root = Path(saved_models_root)
    paths = {
        "models_config": root / MODELS_CONFIG_FILE,
        "batching": root / BATCHING_PARAMETERS_FILE,
    }
    models_config = models_config_text(served_models(root), serving_root or CONTAINER_MODELS_ROOT)
    write_atomic(paths["models_config"], models_config.encode())
    write_atomic(paths["batching"], batching_parameters_text().encode())
    return paths
