"""Writes a SavedModel from tf.functions, with every Keras variable and table it uses."""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf


def write_saved_model(
    path: Path, trackables: list, endpoints: dict[str, tf.types.experimental.GenericFunction]
) -> None:
    """Writes a SavedModel with the given signatures (first one is `serving_default`).

    `keras.export.ExportArchive` tracks every Keras variable and lookup table; a bare
    `tf.saved_model.save` of the same functions misses untracked Keras state.
    """
    archive = keras.export.ExportArchive()
    for trackable in trackables:
        if isinstance(trackable, keras.layers.Layer) and not trackable.built:
            trackable.build(None)
        archive.track(trackable)
    for name, function in endpoints.items():
        archive.add_endpoint(name, function)
    archive.write_out(str(path), verbose=False)
