"""Writes a SavedModel from tf.functions, with every Keras variable and table it uses."""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2


def write_saved_model(
    path: Path,
    trackables: list,
    endpoints: dict[str, tf.types.experimental.GenericFunction],
    method_names: dict[str, str] | None = None,
) -> None:
    """Writes a SavedModel with the given signatures (first one is `serving_default`).

    `keras.export.ExportArchive` tracks every Keras variable and lookup table; a bare
    `tf.saved_model.save` of the same functions misses untracked Keras state.
    `method_names`: signature -> TF Serving method name, for signatures other than
    `tensorflow/serving/predict` (the only one the archive writes), e.g. a Classify one.
    """
    archive = keras.export.ExportArchive()
    for trackable in trackables:
        if isinstance(trackable, keras.layers.Layer) and not trackable.built:
            trackable.build(None)
        archive.track(trackable)
    for name, function in endpoints.items():
        archive.add_endpoint(name, function)
    archive.write_out(str(path), verbose=False)
    if method_names:
        _set_method_names(Path(path), method_names)


def _set_method_names(path: Path, method_names: dict[str, str]) -> None:
    """Rewrites the named SignatureDefs' `method_name` in `saved_model.pb` (TF Serving's
    Classify and Regress APIs check it; TensorFlow's loader ignores it)."""
    graph_file = path / "saved_model.pb"
    saved_model = saved_model_pb2.SavedModel.FromString(graph_file.read_bytes())
    for meta_graph in saved_model.meta_graphs:
        for name, method_name in method_names.items():
            if name not in meta_graph.signature_def:
                raise ValueError(f"Expected a signature {name!r}. Received none of that name.")
            meta_graph.signature_def[name].method_name = method_name
    graph_file.write_bytes(saved_model.SerializeToString())
