"""`train --init-from RUN`: start a classifier from a finished run's weights and shapes."""

from __future__ import annotations

import dataclasses

from apps.sentiment.artifacts import PretrainedEncoder, TrainedSentimentModel
from apps.sentiment.config import SentimentConfig
from shared.datasets.labels import LabelSet
from shared.training.weights import copy_weights

# Settings that decide the shapes of the weights: a warm start takes them from its source
# (all of them from a classifier run, the encoder's from a `pretrain` run).
ENCODER_SETTINGS = ("embedding_dim", "encoder_units", "encoder_layers", "cell")
ARCHITECTURE_SETTINGS = (
    *ENCODER_SETTINGS,
    "pooling",
    "ngram_dim",
    "ngram_buckets",
    "ngram_learning_rate_scale",
    "streaming",  # a forward-only encoder has other weights than a bidirectional one
)


def warm_start_source(init_from, config: SentimentConfig):
    """`--init-from RUN`: the finished run to start from (a classifier, or a `pretrain`
    run's encoder), and the config with its shapes."""
    if not init_from:
        return None, config
    if PretrainedEncoder.is_pretraining_run(init_from):
        if config.streaming:
            raise ValueError(
                "Expected --init-from a classifier run with --streaming: `pretrain` trains "
                f"a bidirectional encoder, which cannot stream. Received: {init_from}, a "
                "pretrain run. Leave out --init-from or --streaming."
            )
        source, shape_settings = PretrainedEncoder.load(init_from), ENCODER_SETTINGS
    else:
        source = TrainedSentimentModel.load(init_from)
        shape_settings = ARCHITECTURE_SETTINGS
    changed = {
        name: getattr(source.config, name)
        for name in shape_settings
        if getattr(source.config, name) != getattr(config, name)
    }
    if changed:
        print(f"--init-from: model shape taken from {init_from}: {changed}")
    return source, dataclasses.replace(config, **changed)


def start_from_source(source, classifier, labels: LabelSet, init_from) -> None:
    """Copies the source run's weights into `classifier` (a resumed run's checkpoint
    overrides them later)."""
    # Same number of classes but other names or order: the output rows would mean other
    # things, so that layer starts afresh.
    other_labels = source.labels is not None and tuple(source.labels.names) != tuple(labels.names)
    skipped = copy_weights(
        source.classifier, classifier, leave_out=("probabilities",) if other_labels else ()
    )
    print(
        f"--init-from: weights of {init_from}"
        + (f" (new: {', '.join(skipped)})" if skipped else "")
    )
