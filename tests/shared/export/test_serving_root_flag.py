"""`export --serving-root`: the root `models.config` names, Docker's mount by default."""

from __future__ import annotations

import argparse

import keras
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from shared.cli import add_export_command
from shared.export.exporter import AppExport, run_export_command


def _toy_export(run_dir, **_options) -> AppExport:
    """The smallest export the shared flow takes: one Dense layer, one warmup request."""
    layer = keras.layers.Dense(1, name="toy")
    layer.build((None, 2))

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def predict(x):
        return {"y": layer(x)}

    return AppExport(
        app="toy",
        run_dir=run_dir,
        endpoints={"serving_default": predict},
        trackables=[layer],
        warmup_requests=[("serving_default", {"x": np.zeros([1, 2], np.float32)})],
        details={},
    )


def _base_paths(root) -> dict[str, str]:
    config = text_format.Parse(
        (root / "models.config").read_text(), model_server_config_pb2.ModelServerConfig()
    )
    return {m.name: m.base_path for m in config.model_config_list.config}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], "/models/toy"),
        (["--serving-root", "/srv/tf/saved_models/"], "/srv/tf/saved_models/toy"),
    ],
)
def test_export_writes_the_serving_root_into_models_config(tmp_path, capsys, flags, expected):
    parser = argparse.ArgumentParser()
    add_export_command(parser.add_subparsers(dest="command"), "toy")
    root = tmp_path / "saved_models"
    args = parser.parse_args(
        ["export", str(tmp_path), "--saved-models", str(root), "--no-tflite", *flags]
    )
    assert run_export_command(args, _toy_export, "toy") == 0
    assert _base_paths(root) == {"toy": expected}
    assert (root / "toy" / "1" / "saved_model.pb").is_file()
    capsys.readouterr()
