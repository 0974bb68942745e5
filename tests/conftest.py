"""Test-wide fixtures and set-up. Helpers live in tests/helpers, not here."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from tests.helpers.paths import shared_data_dir  # noqa: E402
from tests.helpers.runs import TINY_SENTIMENT, TINY_TRANSLATION, flags  # noqa: E402


def pytest_configure(config):
    """Two logical CPUs, so `mirrored` training really runs two replicas on this machine.

    Must happen before TensorFlow creates its first tensor: pytest calls this hook
    before it collects (imports) any test module.
    """
    import tensorflow as tf

    from shared.training.distribution import split_cpu_into_logical_devices

    split_cpu_into_logical_devices(2)
    assert len(tf.config.list_logical_devices("CPU")) >= 2, "the CPU split did not apply"


@pytest.fixture
def shared_data():
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data sets not found at {path} (set SHARED_DATA to their folder)")
    return path


# -- tiny trained runs shared by the export, TFLite and edge-runner tests -----------------
@pytest.fixture(scope="session")
def tiny_sentiment_run(tmp_path_factory) -> Path:
    """A finished sentiment run folder (2 classes) trained on generated reviews."""
    import csv

    from apps.sentiment.cli import main
    from apps.sentiment.corpus import generate_reviews

    data = tmp_path_factory.mktemp("sentiment-data") / "reviews.csv"
    texts, labels = generate_reviews(600, seed=11)
    with open(data, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels, strict=True))
    run_dir = tmp_path_factory.mktemp("sentiment-runs") / "tiny"
    argv = ["train", "--data", str(data), "--run-dir", str(run_dir), *flags(TINY_SENTIMENT)]
    assert main(argv) == 0
    return run_dir


@pytest.fixture(scope="session")
def tiny_streaming_run(tmp_path_factory) -> Path:
    """A finished stream-capable sentiment run (`train --streaming`) on generated reviews."""
    from apps.sentiment.cli import main
    from tests.helpers.stream_exports import train_tiny_streaming_run

    return train_tiny_streaming_run(main, tmp_path_factory.mktemp("streaming-runs"))


@pytest.fixture(scope="session")
def stream_phone_dir(tiny_streaming_run, tmp_path_factory) -> Path:
    """Its phone models (every variant): `serving_default` and `stream_step`."""
    from tests.helpers.stream_exports import export_stream_phone_models

    return export_stream_phone_models(tiny_streaming_run, tmp_path_factory.mktemp("stream-tflite"))


@pytest.fixture(scope="session")
def tiny_translation_run(tmp_path_factory) -> Path:
    """A finished translation run folder trained on generated Spanish-English pairs."""
    from apps.translation.cli import main
    from apps.translation.corpus import generate_pairs

    data = tmp_path_factory.mktemp("translation-data") / "spa-eng.tsv"
    with open(data, "w", encoding="utf-8", newline="") as f:
        f.write("english\tspanish\n")
        for spanish, english in generate_pairs(800, seed=13):
            f.write(f"{english}\t{spanish}\n")
    run_dir = tmp_path_factory.mktemp("translation-runs") / "tiny"
    argv = ["train", "--data", str(data), "--run-dir", str(run_dir), *flags(TINY_TRANSLATION)]
    assert main(argv) == 0
    return run_dir


# -- the local REST server (apps/serve) on the tiny exports, shared by tests/test_serve_* --
@pytest.fixture(scope="module")
def server(tiny_sentiment_run, tiny_translation_run, tmp_path_factory):
    """One server per session (started on first use); a module may override it."""
    from tests.helpers.serving import shared_server

    return shared_server(tiny_sentiment_run, tiny_translation_run, tmp_path_factory)


@pytest.fixture(scope="module")
def client(server):
    import httpx

    with httpx.Client(base_url=server.url, timeout=60) as http_client:
        yield http_client
