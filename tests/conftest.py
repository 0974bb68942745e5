"""Test-wide set-up. Runs before any test imports TensorFlow work."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from shared.training.distribution import split_cpu_into_logical_devices  # noqa: E402

# Two logical CPUs, so `mirrored` training really runs two replicas on this machine.
# Must happen before TensorFlow creates its first tensor, hence here, at import.
split_cpu_into_logical_devices(2)

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """Real data sets (../shared/data), or the folder named by $SHARED_DATA."""
    return Path(os.environ.get("SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data sets not found at {path} (set SHARED_DATA to their folder)")
    return path


assert tf.config.list_logical_devices("CPU")  # fail loudly if the split did not apply


# -- tiny trained runs shared by the export, TFLite and edge-runner tests -----------------
# Trained once per session (~20 s each) on generated data; the CLI tests keep their own.
TINY_SENTIMENT = {
    "epochs": "2",
    "units": "8",
    "embedding-dim": "16",
    "max-length": "48",
    "batch-size": "32",
    "max-tokens": "500",
    "min-count": "1",
    # A data file gets a real-data preset (`sentences` here): its bag of n-grams stays in
    # the model, so exports and runners are tested with it, but with 64 buckets, not 1M.
    "ngram-buckets": "64",
}
TINY_TRANSLATION = {
    "epochs": "5",
    "embedding-dim": "16",
    "encoder-units": "16",
    "decoder-units": "32",
    "source-vocabulary-size": "300",
    "target-vocabulary-size": "300",
    "batch-size": "32",
    "max-source-length": "20",
    "max-target-length": "20",
    "test-split": "0.1",
    "beam-width": "3",
}


def _flags(settings: dict) -> list[str]:
    return [item for key, value in settings.items() for item in (f"--{key}", value)]


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
    argv = ["train", "--data", str(data), "--run-dir", str(run_dir), *_flags(TINY_SENTIMENT)]
    assert main(argv) == 0
    return run_dir


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
    argv = ["train", "--data", str(data), "--run-dir", str(run_dir), *_flags(TINY_TRANSLATION)]
    assert main(argv) == 0
    return run_dir


# -- the local REST server (apps/serve) on the tiny exports, shared by tests/test_serve_* --
@pytest.fixture(scope="module")
def server(tiny_sentiment_run, tiny_translation_run, tmp_path_factory):
    """One server per session (started on first use); a module may override it."""
    from tests.serve_helpers import shared_server

    return shared_server(tiny_sentiment_run, tiny_translation_run, tmp_path_factory)


@pytest.fixture(scope="module")
def client(server):
    import httpx

    with httpx.Client(base_url=server.url, timeout=60) as http_client:
        yield http_client
