"""Warm starts: copying weights between Keras models layer by layer, by name and shape."""

from __future__ import annotations

import keras


def copy_weights(
    source: keras.Model, target: keras.Model, leave_out: tuple[str, ...] = ()
) -> list[str]:
    """Copies every layer whose weights have the same shapes, except `leave_out`; returns
    the layers left with fresh weights (the output layer when the classes differ)."""
    skipped = [name for name in leave_out if target.get_layer(name).get_weights()]
    for layer in target.layers:
        if layer.name in leave_out:
            continue
        try:
            weights = source.get_layer(layer.name).get_weights()
        except ValueError:
            weights = None
        shapes = [w.shape for w in layer.get_weights()]
        if weights is not None and [w.shape for w in weights] == shapes:
            layer.set_weights(weights)
        elif shapes:
            skipped.append(layer.name)
    return skipped
