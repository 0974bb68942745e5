"""The one test harness every Keras layer of the project goes through."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def _flat(structure) -> list[np.ndarray]:
    return [ops.convert_to_numpy(t) for t in keras.tree.flatten(structure)]


def run_layer_test(
    layer_cls,
    init_kwargs: dict,
    inputs: dict,
    expected_output_shapes,
    expected_num_trainable_weights: int,
    tmp_path,
) -> None:
    """Checks one layer configuration end to end.

    1. every constructor argument comes back from `get_config` under its own name, and
       `from_config(get_config())` rebuilds the same config;
    2. building creates the expected number of trainable weights;
    3. a symbolic call and an eager call give the same output structure, shapes and
       values (a functional model of the symbolic call is run against the eager call);
    4. one `fit` step on a model around the layer changes every trainable weight;
    5. a `.keras` save and reload gives identical outputs.

    Args:
        layer_cls: the registered layer class.
        init_kwargs: constructor arguments.
        inputs: call inputs as a dict of name -> numpy array, or a nested tuple of arrays
            (e.g. recurrent states); positional order kept.
        expected_output_shapes: nested structure of shapes matching the layer's output.
        expected_num_trainable_weights: how many trainable variables building makes.
        tmp_path: pytest's temporary folder.
    """
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    for name, value in init_kwargs.items():
        assert config[name] == value, f"get_config()[{name!r}] = {config[name]!r}, not {value!r}"
    assert layer_cls.from_config(config).get_config() == config

    symbolic_inputs = {
        name: keras.tree.map_structure(
            lambda array: keras.Input(shape=array.shape[1:], dtype=str(array.dtype)), value
        )
        for name, value in inputs.items()
    }
    symbolic_outputs = layer(*symbolic_inputs.values())
    flat_symbolic = keras.tree.flatten(list(symbolic_inputs.values()))
    flat_arrays = keras.tree.flatten(list(inputs.values()))
    assert len(layer.trainable_weights) == expected_num_trainable_weights

    eager_outputs = layer(*inputs.values())
    eager_shapes = [tuple(t.shape) for t in keras.tree.flatten(eager_outputs)]
    assert eager_shapes == _flatten_shapes(expected_output_shapes)
    symbolic_shapes = [tuple(t.shape) for t in keras.tree.flatten(symbolic_outputs)]
    for symbolic, eager in zip(symbolic_shapes, eager_shapes, strict=True):
        assert all(s is None or s == e for s, e in zip(symbolic, eager, strict=True))
    # The functional graph must compute what the eager call computes, output by output
    # (catches symbolic outputs that alias one another).
    functional = keras.Model(flat_symbolic, keras.tree.flatten(symbolic_outputs))
    for graph_value, eager_value in zip(
        keras.tree.flatten(functional(flat_arrays)), _flat(eager_outputs), strict=True
    ):
        np.testing.assert_allclose(ops.convert_to_numpy(graph_value), eager_value, atol=1e-6)

    # A scalar head on every output, so gradients reach every weight of the layer.
    pooled = [
        keras.layers.Flatten()(t) if len(t.shape) > 2 else t
        for t in keras.tree.flatten(symbolic_outputs)
    ]
    merged = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate()(pooled)
    model = keras.Model(flat_symbolic, keras.layers.Dense(1)(merged))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [w.numpy().copy() for w in layer.trainable_weights]
    targets = np.ones((flat_arrays[0].shape[0], 1), dtype="float32")
    history = model.fit(flat_arrays, targets, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    for weight, old in zip(layer.trainable_weights, before, strict=True):
        assert not np.array_equal(weight.numpy(), old), f"{weight.path} did not train"

    path = tmp_path / f"{layer_cls.__name__}.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    # Direct calls, not `predict`: the same inference-mode outputs without tracing a
    # predict function per model (a fifth of the harness's time).
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(flat_arrays, training=False)),
        ops.convert_to_numpy(reloaded(flat_arrays, training=False)),
        rtol=1e-6,
        atol=1e-6,
    )


def _flatten_shapes(structure) -> list[tuple]:
    if isinstance(structure, tuple) and all(isinstance(v, int) for v in structure):
        return [structure]
    return [shape for item in structure for shape in _flatten_shapes(item)]
