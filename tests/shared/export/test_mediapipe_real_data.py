"""Slow: MediaPipe's TextClassifier against our runner on SST-2 dev, with a model trained on
SST-2 (../shared/data; skips when absent). Every dev sentence gets our ids from MediaPipe's
tokenizer, and the same label from the exported model with probabilities within
`TOLERANCE`, from the file as written (one classifier for all texts, never reset)."""

import csv
import random

import numpy as np
import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.cli import main
from apps.sentiment.tflite import write_tflite_models
from shared.datasets.tabular import read_labelled_table
from shared.edge.metadata import METADATA_FILE, load_metadata
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.tokenizers import WordTokenizer
from tests.helpers.mediapipe_tasks import mediapipe_ids, mediapipe_probabilities
from tests.helpers.paths import shared_data_dir

pytestmark = pytest.mark.slow

# Max |difference| of probabilities, MediaPipe (padded to max_length) against our runner.
TOLERANCE = {"float32": 1e-4, "dynamic_range": 1e-3}


@pytest.fixture(scope="module")
def sst2_export(tmp_path_factory):
    """`(export folder, dev sentences)`: a run trained on 8,000 SST-2 sentences (the
    sentences preset, 2 epochs), its float32 and dynamic-range phone models."""
    data = shared_data_dir()
    if not (data / "sst2").is_dir():
        pytest.skip(f"SST-2 not found at {data / 'sst2'} (set SHARED_DATA to its folder)")
    train = read_labelled_table(data / "sst2" / "train.tsv.gz", text_column="sentence")
    dev = read_labelled_table(data / "sst2" / "dev.tsv.gz", text_column="sentence")
    folder = tmp_path_factory.mktemp("mediapipe-sst2")
    subset = folder / "sst2-8k.csv"
    with open(subset, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        indices = random.Random(0).sample(range(len(train)), 8000)
        writer.writerows((train.texts[i], train.labels[i]) for i in indices)
    run = folder / "run"
    argv = ["train", "--data", str(subset), "--run-dir", str(run), "--epochs", "2"]
    assert main([*argv, "--units", "32", "--embedding-dim", "64", "--max-length", "64"]) == 0
    out = folder / "tflite"
    write_tflite_models(TrainedSentimentModel.load(run), out, ("float32", "dynamic_range"))
    return out, list(dev.texts)


def test_mediapipe_reads_sst2_dev_into_our_ids(sst2_export):
    out, texts = sst2_export
    metadata = load_metadata(out / METADATA_FILE, "sentiment")
    ours = WordTokenizer(metadata["vocabulary"], metadata["max_length"])
    expected = np.stack([ours.encode_padded(text) for text in texts])
    actual = mediapipe_ids(metadata["vocabulary"], metadata["max_length"], texts)
    same = (actual == expected).all(axis=1)
    assert same.mean() >= 0.99, [texts[i] for i in np.where(~same)[0][:3]]


@pytest.mark.parametrize("variant", ["float32", "dynamic_range"])
def test_mediapipe_answers_sst2_dev_as_our_runner(sst2_export, variant):
    out, texts = sst2_export
    metadata = load_metadata(out / METADATA_FILE, "sentiment")
    expected = EdgeSentimentClassifier.from_directory(out, variant, num_threads=1).predict(texts)
    content = (out / f"sentiment_{variant}.tflite").read_bytes()
    actual = mediapipe_probabilities(content, metadata["labels"], texts)
    agreement = np.mean(actual.argmax(axis=1) == expected.argmax(axis=1))
    difference = np.abs(actual - expected).max()
    size = (out / f"sentiment_{variant}.tflite").stat().st_size
    print(
        f"{variant}: {len(texts)} SST-2 dev sentences, agreement {agreement:.4f}, "
        f"max |difference| {difference:.2e}, {size:,} bytes"
    )
    assert agreement >= 0.99
    assert difference <= TOLERANCE[variant]
