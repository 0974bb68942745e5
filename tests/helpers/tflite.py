"""Phone exports of the tiny runs with weights that make parity mean something."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.tflite import write_tflite_models as write_sentiment_models
from apps.translation.artifacts import TrainedTranslator
from apps.translation.tflite import write_tflite_models as write_translation_models


def scramble(model, seed: int, gain: float = 1.0) -> None:
    """Deterministic weights of trained-model scale: embeddings N(0, 1), kernels
    N(0, gain^2 / fan_in), biases 0 (so no single bias decides every output)."""
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        shape = tuple(weight.shape)
        if len(shape) == 1:
            weight.assign(np.zeros(shape, np.float32))
        else:
            scale = 1.0 if "embedding" in weight.path else gain / np.sqrt(shape[0])
            weight.assign(rng.normal(0.0, scale, size=shape).astype(np.float32))


def scrambled_sentiment_export(run_dir: Path, out: Path):
    """`(trained, out, summary)`: the tiny sentiment run, scrambled, exported to `out`."""
    trained = TrainedSentimentModel.load(run_dir)
    scramble(trained.classifier, seed=3, gain=2.0)
    return trained, out, write_sentiment_models(trained, out)


def scrambled_translation_export(run_dir: Path, out: Path):
    """`(trained, out, summary)`: the tiny translation run, scrambled, exported to `out`."""
    trained = TrainedTranslator.load(run_dir)
    scramble(trained.model, seed=1)
    return trained, out, write_translation_models(trained, out)
