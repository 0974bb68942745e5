"""TFLite conversion: builtins only and weights present in every variant, and the checks
that catch a model needing non-builtin ops or converted without its weights.

The exports (`sentiment_export`, `translation_export`: conftest.py) are of the tiny runs
with scrambled weights, all three variants.
"""

import numpy as np
import pytest
import tensorflow as tf

from shared.edge.flatbuffer import constant_bytes, operator_names
from shared.edge.metadata import BROWSER_VARIANT, VARIANTS
from shared.export.tflite import TFLiteExportError
from shared.export.tflite.converter import convert_saved_model
from shared.export.tflite.fused_lstm import lstm_clip_values
from shared.export.tflite.verification import (
    check_against_reference,
    check_builtins_only,
    check_weights_present,
)


def test_every_variant_is_builtins_only_and_has_its_weights(sentiment_export, translation_export):
    for (_, out, summary), model, expected_ops in (
        (sentiment_export, sentiment_export[0].classifier, {"UNIDIRECTIONAL_SEQUENCE_LSTM"}),
        (translation_export, translation_export[0].model, {"WHILE", "FULLY_CONNECTED"}),
    ):
        # A fused export adds the browser model (test_tflite_sentiment checks it).
        assert set(summary["files"]) - {BROWSER_VARIANT} == set(VARIANTS)
        sizes = {}
        for variant in VARIANTS:
            entry = summary["files"][variant]
            content = (out / entry["file"]).read_bytes()
            ops = operator_names(content)
            assert not [op for op in ops if op.startswith("custom:")], (variant, ops)
            assert expected_ops <= set(ops), (variant, ops)
            assert constant_bytes(content) >= model.count_params()
            # The converter's fused LSTMs clip their cell state at 10; ours must not.
            clips = lstm_clip_values(content)
            assert bool(clips) == ("UNIDIRECTIONAL_SEQUENCE_LSTM" in ops), (variant, clips)
            assert all(c["cell_clip"] == 0.0 and c["proj_clip"] == 0.0 for c in clips), clips
            sizes[variant] = entry["bytes"]
            assert sizes[variant] == len(content)
        assert sizes["dynamic_range"] < sizes["float16"] < sizes["float32"]


def test_models_without_their_weights_are_caught(sentiment_export, tmp_path):
    """STACK.md's danger (a conversion that silently drops the weights) fails loudly: by
    the model's constant bytes, and by its outputs on a probe."""
    trained, out, _ = sentiment_export
    content = (out / "sentiment_float32.tflite").read_bytes()
    parameters = trained.classifier.count_params()
    assert check_weights_present(content, parameters) >= parameters
    with pytest.raises(TFLiteExportError, match="converted without its weights"):
        check_weights_present(content, 10 * len(content))
    ids = np.arange(2, 14, dtype=np.int32)[None]
    expected = trained.classifier(ids, training=False).numpy()
    differences = check_against_reference(
        content, "serving_default", {"token_ids": ids}, {"probabilities": expected}, 1e-5
    )
    assert differences["probabilities"] <= 1e-5
    # The same architecture with other weights is what a weightless model looks like here.
    wrong = {"probabilities": expected[:, ::-1]}
    with pytest.raises(TFLiteExportError, match="without its weights"):
        check_against_reference(content, "serving_default", {"token_ids": ids}, wrong, 1e-2)
    nan = {"probabilities": np.full_like(expected, np.nan)}
    with pytest.raises(TFLiteExportError, match="Received a difference of nan"):
        check_against_reference(content, "serving_default", {"token_ids": ids}, nan, 1e-2)


def test_non_builtin_ops_fail_with_their_names(tmp_path):
    module = tf.Module()
    module.det = tf.function(
        lambda x: {"det": tf.linalg.det(x)}, input_signature=[tf.TensorSpec([2, 2], tf.float32)]
    )
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.det})
    with pytest.raises(TFLiteExportError, match="no TFLite builtin: MatrixDeterminant"):
        convert_saved_model(tmp_path, ["serving_default"], "float32")
    # The same graph with Flex allowed converts, and the check names the Flex op.
    converter = tf.lite.TFLiteConverter.from_saved_model(str(tmp_path))
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,
        tf.lite.OpsSet.SELECT_TF_OPS,
    ]
    with pytest.raises(TFLiteExportError, match="custom:FlexMatrixDeterminant"):
        check_builtins_only(converter.convert())
    with pytest.raises(ValueError, match="Expected a variant in"):
        convert_saved_model(tmp_path, ["serving_default"], "int8")
