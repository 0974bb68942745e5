"""Phone models of stream-capable runs: `serving_default` and `stream_step` in one `.tflite`.

A run trained with `--streaming` has a forward-only `StreamingRecurrentEncoder` whose
state is explicit, so its phone model gets two signatures:

- `serving_default`: `token_ids int32 [1, None]` -> `probabilities [1, classes]`, a whole
  text from the initial state (the contract of every sentiment phone model);
- `stream_step`: `token_ids int32 [1, None]` (one chunk's ids, right-padded with 0 allowed;
  an all-padding chunk changes nothing) and one `float32 [1, size]` input per state name
  (`apps.sentiment.streaming.stream_state_sizes`: hidden_0, carry_0, ..., pooled_count,
  pooled_sum, pooled_max) -> `probabilities [1, classes]` of everything read so far and
  the new state under the same names. The app holds the state; a text starts from
  metadata's `stream_state` initial values.

`stream_step` runs the Keras graph (its LSTMs become `WHILE` loops): TFLite's fused LSTM
takes its initial state only from variable tensors and never returns its final carry,
so it cannot carry a stream. Its subgraph has no variable tensors at all. A whole text
(`serving_default`) uses the fused op where the encoder allows (faster per token; its
variable states are zeroed at the start of every call, `state_zeroing`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.corpus import generate_reviews
from apps.sentiment.export import stream_details
from apps.sentiment.streaming import initial_stream_state, stream_state_sizes, stream_step
from apps.sentiment.tflite import export_summary
from shared.edge.golden import GOLDEN_CORPUS_TEXTS
from shared.edge.metadata import VARIANTS
from shared.edge.sentiment import INPUT_NAME, OUTPUT_NAME, SIGNATURE, EdgeSentimentClassifier
from shared.edge.sentiment_stream import STREAM_SIGNATURE
from shared.export.tflite.fused_lstm import (
    fused_streaming_features,
    streaming_encoder_is_fusable,
)
from shared.export.tflite.phone_export import EmbeddingTable, PhoneExportSpec, write_phone_export
from shared.export.tflite.verification import Probe
from shared.ids import PAD_ID, UNK_ID


def whole_text_function(classifier, fuse_lstm: bool = True):
    """`serving_default`: `token_ids int32 [1, None] -> {"probabilities": [1, classes]}`.

    Fused LSTMs when `fuse_lstm` and the encoder allows (`fused_streaming_features`),
    else the Keras graph.
    """
    encoder = classifier.get_layer("encoder")
    fused = fuse_lstm and streaming_encoder_is_fusable(encoder)
    head = classifier.get_layer("probabilities")  # the head dropout is off at inference

    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32, INPUT_NAME)])
    def classify(token_ids):
        if not fused:
            return {OUTPUT_NAME: classifier(token_ids, training=False)}
        return {OUTPUT_NAME: head(fused_streaming_features(encoder, token_ids))}

    return classify


def stream_step_function(classifier):
    """`stream_step`: one chunk's ids and the state in, probabilities and the new state out."""
    sizes = stream_state_sizes(classifier)
    names = list(sizes)
    specs = [tf.TensorSpec([1, size], tf.float32, name) for name, size in sizes.items()]

    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32, INPUT_NAME), *specs])
    def step(token_ids, *states):
        state = dict(zip(names, states, strict=True))
        probabilities, new_state = stream_step(classifier, token_ids, state)
        # LiteRT.js 2.5.3 (browsers) returns garbage for a signature output written by a
        # WHILE op (the recurrent states): an exact identity op in between (the maximum
        # with the lowest float32; the states are finite) gives every client the values.
        new_state = {name: tf.maximum(value, tf.float32.min) for name, value in new_state.items()}
        return {OUTPUT_NAME: probabilities, **new_state}

    return step


def stream_probes(classifier, whole, step, random_inputs, repetitive_inputs) -> list[Probe]:
    """Probes of both signatures.

    `serving_default`: every input. `stream_step`: the random inputs as consecutive
    chunks of one stream (each right-padded, the state carried: the state inputs and
    outputs are compared too), and the repetitive ones from the initial state on their
    probabilities only (their recurrent state is saturated, where float16 weights
    legitimately move it by more than `PROBE_TOLERANCE` allows).
    """
    start = initial_stream_state(classifier, 1)

    def step_probe(ids, state, outputs_kept=None):
        padded = np.pad(ids, [[0, 0], [0, 3]])
        outputs = _numpy(step(tf.constant(padded), *map(tf.constant, state.values())))
        kept = {k: v for k, v in outputs.items() if outputs_kept is None or k in outputs_kept}
        return Probe(STREAM_SIGNATURE, {INPUT_NAME: padded, **state}, kept), outputs

    probes = [
        Probe(SIGNATURE, {INPUT_NAME: ids}, _numpy(whole(tf.constant(ids))))
        for ids in [*random_inputs, *repetitive_inputs]
    ]
    state = start
    for ids in random_inputs:
        probe, outputs = step_probe(ids, state)
        probes.append(probe)
        state = {name: outputs[name] for name in start}
    probes += [step_probe(ids, start, (OUTPUT_NAME,))[0] for ids in repetitive_inputs]
    return probes


def _numpy(outputs: dict) -> dict[str, np.ndarray]:
    return {name: value.numpy() for name, value in outputs.items()}


def write_stream_tflite_models(
    trained: TrainedSentimentModel,
    out_dir: Path,
    variants: tuple[str, ...] = VARIANTS,
    fuse_lstm: bool = True,
) -> dict:
    """`write_tflite_models` for a stream-capable run: both signatures in every variant.

    Every variant is checked against Keras on both signatures (random reviews, also as
    consecutive chunks of a stream, and long repetitive ones: `stream_probes`) before it
    is written.
    metadata.json gains `stream_state` (`{name: {"size", "initial"}}`, as export.json).

    Returns:
        As `apps.sentiment.tflite.write_tflite_models`.
    """
    from apps.sentiment.tflite import probe_ids, repetitive_probe_ids  # noqa: PLC0415

    classifier, vectorizer = trained.classifier, trained.vectorizer
    vocabulary = vectorizer.get_vocabulary()
    encoder = classifier.get_layer("encoder")
    fused = fuse_lstm and streaming_encoder_is_fusable(encoder)
    whole = whole_text_function(classifier, fused)
    step = stream_step_function(classifier)
    random_inputs = [probe_ids(len(vocabulary), vectorizer.max_length, seed) for seed in (0, 1)]
    repetitive_inputs = repetitive_probe_ids(encoder, vectorizer.max_length)
    embedding = encoder.embedding
    spec = PhoneExportSpec(
        runner=EdgeSentimentClassifier,
        model=classifier,
        endpoints={SIGNATURE: whole, STREAM_SIGNATURE: step},
        # LiteRT.js refuses the fused LSTM's variable tensors: a browser model of loops.
        browser_endpoints={
            SIGNATURE: whole_text_function(classifier, False),
            STREAM_SIGNATURE: step,
        }
        if fused
        else None,
        probes=stream_probes(classifier, whole, step, random_inputs, repetitive_inputs),
        table=EmbeddingTable(
            "vocabulary", [len(vocabulary), embedding.output_dim], embedding.name.split("/")[-1]
        ),
        special_ids={"pad": PAD_ID, "unk": UNK_ID},
        run_config=dataclasses.asdict(trained.config),
        golden_texts=generate_reviews(GOLDEN_CORPUS_TEXTS)[0],
        metadata_fields=lambda signatures: {
            "vocabulary": vocabulary,
            "labels": list(trained.labels.names),
            "max_length": vectorizer.max_length,
            "truncate_from": vectorizer.truncate_from,
            "fused_lstm": fused,
            **stream_details(trained),
        },
    )
    return export_summary(write_phone_export(spec, out_dir, variants), fused)
