"""Exports keep to the ops a stock TF Serving 2.21 binary registers (TensorFlow core 2.21
plus the TensorFlow Text 2.12.1 ops its images embed), in every function they hold."""

from __future__ import annotations

import json

import pytest
import tensorflow as tf
import tensorflow_text

from shared.export.tf_serving_ops.make_op_list import OP_LIST, TEXT_VERSION
from shared.export.tf_serving_ops.op_check import (
    TOP_LEVEL_GRAPH,
    check_tf_serving_ops,
    registered_ops,
    saved_model_ops,
    unregistered_ops,
)

# Measured on the tiny runs' exports (the same layers as the real ones): the TF Text ops
# each app's SavedModel uses. Add one here only if `registered_ops.txt` has it (TF Text
# 2.12.1); `NormalizeUTF8` (text normalisation without lowercasing) is there too.
TEXT_OPS_USED = {
    "sentiment": {"CaseFoldUTF8"},
    "translation": {
        "CaseFoldUTF8",
        "FastWordpieceTokenizeWithOffsets",
        "TFText>FastWordpieceDetokenize",
    },
}


def test_op_list_matches_the_installed_tensorflow():
    header = "".join(line for line in OP_LIST.read_text().splitlines() if line.startswith("#"))
    major_minor = ".".join(tf.__version__.split(".")[:2])
    assert f"TensorFlow core {major_minor}." in header, "rerun make_op_list.py for this TF"
    assert f"TensorFlow Text {TEXT_VERSION}" in header
    packages = registered_ops()
    assert {"StatefulPartitionedCall", "StringLower", "CaseFoldUTF8"} <= set(packages)
    # Newer TF Text ops than the stock image embeds stay out (tensorflow/serving PR #4057).
    assert "TFText>RoundRobinTrim" not in packages


@pytest.mark.parametrize("app", ["sentiment", "translation"])
def test_every_op_of_the_exports_is_registered_in_tf_serving(exported, app):
    _, sentiment_dir, translation_dir = exported
    version_dir = {"sentiment": sentiment_dir, "translation": translation_dir}[app]
    assert unregistered_ops(version_dir) == {}
    check_tf_serving_ops(version_dir)
    info = json.loads((version_dir / "assets.extra" / "export.json").read_text())
    assert info["ops_missing_from_stock_tf_serving"] == {}  # what the export itself found
    packages = registered_ops()
    used = saved_model_ops(version_dir)
    text_ops = {op for op in used if packages[op] == "tensorflow-text"}
    assert text_ops == TEXT_OPS_USED[app]
    # Functions, not only the top-level graph, were walked (signatures call them).
    assert any(TOP_LEVEL_GRAPH not in functions for functions in used.values())


class _Binarized(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def binarize(self, words):
        # TFText>Utf8Binarize came after TF Text 2.12.1: not in the stock image.
        return tensorflow_text.utf8_binarize(tf.strings.lower(words))


def test_check_names_an_op_missing_from_tf_serving_and_where_it_is(tmp_path):
    module = _Binarized()
    tf.saved_model.save(module, str(tmp_path), signatures={"serving_default": module.binarize})

    missing = unregistered_ops(tmp_path)
    assert list(missing) == ["TFText>Utf8Binarize"]
    assert all("binarize" in name for name in missing["TFText>Utf8Binarize"])
    with pytest.raises(ValueError, match=r"TFText>Utf8Binarize \(used in .*binarize"):
        check_tf_serving_ops(tmp_path)

    # A core op missing from a (copied) list is reported the same way.
    without_lower = {op: p for op, p in registered_ops().items() if op != "StringLower"}
    assert sorted(unregistered_ops(tmp_path, without_lower)) == [
        "StringLower",
        "TFText>Utf8Binarize",
    ]


def test_export_warns_and_records_ops_tf_serving_would_not_load(tmp_path, capsys):
    """The export itself says so (stderr, the summary line, export.json), not only this test."""
    import argparse

    from shared.cli import add_export_command
    from shared.export.exporter import AppExport, run_export_command

    module = _Binarized()

    def build(run_dir, **_options):
        return AppExport(
            app="toy",
            run_dir=run_dir,
            endpoints={"serving_default": module.binarize},
            trackables=[module],
            warmup_requests=[("serving_default", {"words": tf.constant(["hi"]).numpy()})],
            details={},
        )

    parser = argparse.ArgumentParser()
    add_export_command(parser.add_subparsers(dest="command"), "toy")
    root = tmp_path / "saved_models"
    args = parser.parse_args(["export", str(tmp_path), "--saved-models", str(root), "--no-tflite"])
    assert run_export_command(args, build, "toy") == 0
    out = capsys.readouterr()
    assert "WARNING: this SavedModel uses ops TF Serving" in out.out
    assert "TFText>Utf8Binarize" in out.out and "TFText>Utf8Binarize" in out.err
    info = json.loads((root / "toy" / "1" / "assets.extra" / "export.json").read_text())
    assert list(info["ops_missing_from_stock_tf_serving"]) == ["TFText>Utf8Binarize"]
