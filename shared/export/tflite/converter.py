"""The converter's settings: a SavedModel's signatures -> one builtins-only `.tflite` model.

`convert_saved_model` removes the cell clipping the converter adds to fused LSTM ops
(`shared.export.tflite.fused_lstm`), which Keras does not do, and zeroes their variable
states at the start of every call (`shared.export.tflite.state_zeroing`): no runner resets.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import tensorflow as tf

from shared.edge.metadata import VARIANTS
from shared.export.progress import stage
from shared.export.tflite import TFLiteExportError
from shared.export.tflite.fused_lstm import lstm_clip_values, remove_lstm_clipping
from shared.export.tflite.state_zeroing import zero_variable_states
from shared.export.tflite.verification import check_builtins_only


def save_endpoints(
    directory: str | os.PathLike, trackable, endpoints: Mapping[str, tf.types.experimental.Function]
) -> Path:
    """Writes a SavedModel with one named signature per traced `tf.function`.

    Uses `keras.export.ExportArchive`, which saves the tracked model's variables with the
    graphs: the TFLite converter keeps both the signature names and the weights.

    Args:
        directory: where to write the SavedModel.
        trackable: the Keras model (or layer) whose variables the functions use.
        endpoints: signature name -> `tf.function` with an `input_signature`.

    Returns:
        `directory` as a `Path`.
    """
    stage("TFLite: saving the signatures %s for the converter", ", ".join(endpoints))
    archive = keras.export.ExportArchive()
    archive.track(trackable)
    for name, function in endpoints.items():
        function.get_concrete_function()  # ExportArchive wants an already-traced function
        archive.add_endpoint(name, function)
    archive.write_out(str(directory), verbose=False)
    return Path(directory)


def convert_saved_model(
    saved_model_dir: str | os.PathLike, signature_keys: Sequence[str], variant: str
) -> bytes:
    """Converts the named signatures of a SavedModel into one builtins-only `.tflite` model.

    Args:
        saved_model_dir: a SavedModel, e.g. from `save_endpoints`.
        signature_keys: the signatures to keep (each becomes a signature of the model).
        variant: `"float32"` (no optimisation), `"float16"` (weights stored as float16)
            or `"dynamic_range"` (weights stored as int8, activations stay float).

    Fused LSTM ops come out of the converter clipping their cell state to +-10, which a
    Keras LSTM never does; the clipping is removed here (`remove_lstm_clipping`), then the
    model is checked again for builtins only. Their states, in variable tensors, are
    zeroed by the model itself at the start of each call (`zero_variable_states`).

    Returns:
        The model's bytes.

    Raises:
        TFLiteExportError: the converter failed, or the model needs non-builtin ops.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Expected a variant in {VARIANTS}. Received: {variant!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(
        str(saved_model_dir), signature_keys=list(signature_keys)
    )
    # Builtins only: Flex ops need TensorFlow's kernels on the phone (and LiteRT here
    # cannot run them); custom ops need kernels compiled into the app.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "dynamic_range":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    try:
        content = converter.convert()
    except Exception as error:  # the converter raises several unrelated types
        needs_flex = re.search(r"TF Select ops: ([^\n]*)", str(error))
        summary = (
            f"These TensorFlow ops have no TFLite builtin: {needs_flex.group(1)}. "
            if needs_flex
            else ""
        )
        raise TFLiteExportError(
            f"Converting signatures {list(signature_keys)} of {saved_model_dir} to a "
            f"builtins-only {variant} TFLite model failed. {summary}Converter said:\n{error}"
        ) from error
    # Zeroing first: it re-serialises the model, which would drop a clip already set to
    # its default 0.0, and `set_lstm_clipping` can only patch fields that are stored.
    content = remove_lstm_clipping(zero_variable_states(content))
    check_builtins_only(content, f"{variant} model of {list(signature_keys)}")
    clipping = [op for op in lstm_clip_values(content) if op["cell_clip"] or op["proj_clip"]]
    if clipping:  # cannot happen unless the schema moved the fields: say so rather than drift
        raise TFLiteExportError(
            f"Expected no cell or projection clipping in the fused LSTM ops of the {variant} "
            f"model (Keras does not clip). Received after removing it: {clipping}"
        )
    return content
