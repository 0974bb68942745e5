"""The SavedModel `stream` signature: state in and out as tensors, the client holds it."""

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from apps.sentiment import load
from apps.sentiment.export import build_export
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH, export_version
from tests.helpers.chunks import STREAM_TEXT, random_text_chunks


@pytest.fixture(scope="module")
def stream_export(streaming_run, tmp_path_factory):
    exported = export_version(
        build_export(streaming_run, tflite=False), tmp_path_factory.mktemp("models")
    )
    return Path(exported["path"])


def _start(export_dir: Path, batch: int) -> dict:
    """The state of unread texts, as a client builds it from export.json."""
    details = json.loads((export_dir / EXPORT_INFO_RELATIVE_PATH).read_text())
    return {
        name: tf.fill([batch, spec["size"]], spec["initial"])
        for name, spec in details["stream_state"].items()
    }


def test_stream_signature_chunks_equal_the_whole_text(stream_export, streaming_run):
    saved = tf.saved_model.load(str(stream_export))
    stream = saved.signatures["stream"]
    whole = load(streaming_run).probabilities([STREAM_TEXT])[0]
    rng = np.random.default_rng(2)
    for _ in range(3):
        state = _start(stream_export, 1)
        for chunk in random_text_chunks(STREAM_TEXT, rng):
            outputs = stream(text=tf.constant([chunk]), **state)
            state = {name: outputs[name] for name in state}
        np.testing.assert_allclose(outputs["probabilities"].numpy()[0], whole, atol=1e-5)
    assert outputs["label"].numpy()[0].decode() in ("negative", "positive")
    # A batch of streams, padded to its longest chunk, answers each row as alone.
    texts = tf.constant(["great film", "a dull , long and tiresome film", ""])
    batch = stream(text=texts, **_start(stream_export, 3))["probabilities"].numpy()
    for row, text in enumerate(texts.numpy()):
        alone = stream(text=tf.constant([text]), **_start(stream_export, 1))
        np.testing.assert_allclose(batch[row], alone["probabilities"].numpy()[0], atol=1e-6)
    # The other signatures are unchanged.
    assert {"serving_default", "classify_token_ids", "stream"} <= set(saved.signatures)
    default = saved.signatures["serving_default"](text=tf.constant([STREAM_TEXT]))
    np.testing.assert_allclose(default["probabilities"].numpy()[0], whole, atol=1e-5)


def test_only_stream_capable_runs_get_the_stream_signature(trained_run):
    spec = build_export(trained_run, tflite=False)
    assert "stream" not in spec.endpoints and "stream_state" not in spec.details
    assert "stream" not in [name for name, _ in spec.warmup_requests]


def test_streaming_runs_get_phone_models(streaming_run, capsys):
    """Their `stream_step` phone models: tests/shared/export/test_tflite_stream.py."""
    assert build_export(streaming_run).write_tflite is not None
    assert "no phone models" not in capsys.readouterr().err
