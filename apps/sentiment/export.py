"""Exports a finished sentiment run for TF Serving (and phones, see `tflite.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.classification import SIGNATURE as CLASSIFICATION
from apps.sentiment.classification import classification_endpoint, serialized_examples
from apps.sentiment.streaming import (
    chunk_ids_of,
    initial_stream_state,
    stream_state_sizes,
    stream_step,
)
from shared.export.exporter import AppExport
from shared.export.shape_buckets import bucket_grid_texts, bucketed, text_of_words
from shared.export.warmup import CLASSIFY_INPUT, CLASSIFY_METHOD_NAME
from shared.ids import MAX_SERVING_BATCH

APP = "sentiment"
# Largest batch the warmup requests compile for (TF Serving's batching pads up to it).
MAX_WARMUP_BATCH = MAX_SERVING_BATCH


def serving_endpoints(trained: TrainedSentimentModel, jit_compile: bool = True) -> dict:
    """`serving_default` (raw text) and `classify_token_ids` (ids from your own tokenizer).

    Stream-capable runs get a `stream` signature besides (`stream_endpoint`), and their
    phone models a `stream_step` signature (`apps.sentiment.stream_tflite`).

    Outputs: `label` (string), `probabilities [n, classes]` and `token_count` (words in
    each text before truncation to `max_length`, so a client can tell what was cut).
    """
    vectorizer, classifier = trained.vectorizer, trained.classifier
    max_length = vectorizer.max_length
    classify = bucketed(lambda ids: classifier(ids, training=False), max_length, jit_compile)
    label_names = tf.constant(list(trained.labels.names))

    def named_outputs(probabilities):
        labels = tf.gather(label_names, tf.argmax(probabilities, axis=-1, output_type=tf.int32))
        return {"label": labels, "probabilities": probabilities}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serving_default(text):
        # Padding only to the batch's longest text (then its bucket) is exact under the
        # masking policy and far cheaper than `max_length` for short texts.
        ids = vectorizer.vectorize(text, pad_to_max_length=False)
        return {**named_outputs(classify(ids)), "token_count": vectorizer.count_tokens(text)}

    vocabulary_size = vectorizer.vocabulary_size

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name="token_ids")])
    def classify_token_ids(token_ids):
        # Out-of-range ids must fail loudly: XLA clamps a gather index, so an id past the
        # vocabulary would otherwise give a plausible but wrong answer.
        checks = [
            tf.debugging.assert_non_negative(
                token_ids, message="Expected token_ids >= 0 (0 is padding, 1 is [UNK])."
            ),
            tf.debugging.assert_less(
                token_ids,
                vocabulary_size,
                message=f"Expected token_ids < {vocabulary_size} (the vocabulary size).",
            ),
            tf.debugging.assert_less_equal(
                tf.shape(token_ids)[1],
                max_length,
                message=f"Expected at most {max_length} ids per row (the model's max_length; "
                f"truncate in the tokenizer, keeping the {vectorizer.truncate_from}).",
            ),
        ]
        with tf.control_dependencies(checks):
            token_ids = tf.identity(token_ids)
        return named_outputs(classify(token_ids))

    return {"serving_default": serving_default, "classify_token_ids": classify_token_ids}


def stream_endpoint(trained: TrainedSentimentModel):
    """The `stream` signature of stream-capable runs: one chunk per text, state in and out.

    Inputs: `text` (the next chunk of each text) and one float tensor `[n, size]` per
    state name (`apps.sentiment.streaming.stream_state_sizes`); outputs:
    `label`, `probabilities` (of everything read so far) and the new state under the
    same names, so a client passes the outputs back as the next request's state. TF
    Serving keeps nothing between requests: the client holds the state. A new text
    starts from `export.json`'s `stream_state` initial values (zeros, and -1e9 for a
    running max). Chunks are not truncated to `max_length`; split texts at white space.
    """
    vectorizer, classifier = trained.vectorizer, trained.classifier
    label_names = tf.constant(list(trained.labels.names))
    sizes = stream_state_sizes(classifier)
    names = list(sizes)
    specs = [tf.TensorSpec([None, size], tf.float32, name=name) for name, size in sizes.items()]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text"), *specs])
    def stream(text, *states):
        state = dict(zip(names, states, strict=True))
        probabilities, new_state = stream_step(classifier, chunk_ids_of(vectorizer, text), state)
        labels = tf.gather(label_names, tf.argmax(probabilities, axis=-1, output_type=tf.int32))
        return {"label": labels, "probabilities": probabilities, **new_state}

    return stream


def trackables(trained: TrainedSentimentModel) -> list:
    return [trained.classifier, trained.vectorizer]


def warmup_requests(trained: TrainedSentimentModel) -> list[tuple[str, dict[str, np.ndarray]]]:
    """One text request per (batch bucket, length bucket): every XLA shape compiles at load."""
    words = trained.vectorizer.get_vocabulary()[2:]
    requests = [
        ("serving_default", {"text": texts})
        for texts in bucket_grid_texts(words, trained.vectorizer.max_length, MAX_WARMUP_BATCH)
    ]
    # classify_token_ids shares the compiled core; one call sets up its own graph.
    requests.append(("classify_token_ids", {"token_ids": np.array([[2, 3, 4]], np.int32)}))
    # TF Serving replays this one through its Classify API (a ClassifyLog record).
    requests.append((CLASSIFICATION, {CLASSIFY_INPUT: serialized_examples([" ".join(words[:3])])}))
    if trained.config.streaming:
        start = stream_initial_state(trained, 1)
        requests.append(("stream", {"text": np.array([b"a first chunk"], dtype=object), **start}))
    return requests


def stream_initial_state(trained: TrainedSentimentModel, batch_size: int) -> dict:
    """The `stream` signature's state for texts not read yet (numpy arrays)."""
    return initial_stream_state(trained.classifier, batch_size)


def export_details(trained: TrainedSentimentModel) -> dict:
    """What a client needs to know besides the signatures (written to export.json)."""
    return {
        "labels": list(trained.labels.names),
        "max_length": trained.vectorizer.max_length,
        "truncate_from": trained.vectorizer.truncate_from,
        "vocabulary_size": trained.vectorizer.vocabulary_size,
        **stream_details(trained),
    }


def stream_details(trained: TrainedSentimentModel) -> dict:
    """For stream-capable runs: each state input's width and its value at a text's start."""
    if not trained.config.streaming:
        return {}
    start = stream_initial_state(trained, 1)
    return {
        "stream_state": {
            name: {"size": int(value.shape[-1]), "initial": float(value[0, 0])}
            for name, value in start.items()
        }
    }


def build_export(
    run_dir: Path,
    jit_compile: bool = True,
    tflite: bool = True,
    fuse_lstm: bool = True,
    phone_size: str = "auto",
) -> AppExport:
    """Everything `shared.export.exporter.export_version` needs for one finished run.

    `fuse_lstm=False` exports the phone model's LSTMs as plain `WHILE` loops: 3-4x slower,
    and without variable tensors (both kinds keep no state between calls). A
    stream-capable run's `stream_step` is always such a loop (`stream_tflite`).
    `phone_size` (`auto`, `compact`, `full`): see `write_tflite_models`; the SavedModel
    always serves the full classifier.
    """
    trained = TrainedSentimentModel.load(run_dir)
    write_tflite = None
    if tflite:
        from apps.sentiment.tflite import write_tflite_models  # noqa: PLC0415  (converter)

        def write_tflite(out_dir):
            return write_tflite_models(trained, out_dir, fuse_lstm=fuse_lstm, phone_size=phone_size)

    endpoints = serving_endpoints(trained, jit_compile)
    labels = list(trained.labels.names)  # TF Serving's Classify API shape, on serving_default
    endpoints[CLASSIFICATION] = classification_endpoint(endpoints["serving_default"], labels)
    if trained.config.streaming:
        endpoints["stream"] = stream_endpoint(trained)
    return AppExport(
        app=APP,
        run_dir=Path(run_dir),
        endpoints=endpoints,
        trackables=trackables(trained),
        warmup_requests=warmup_requests(trained),
        details={**export_details(trained), "xla_compiled": jit_compile},
        write_tflite=write_tflite,
        method_names={CLASSIFICATION: CLASSIFY_METHOD_NAME},
    )


def latency_comparison(run_dir: Path, exported_dir: Path, workdir: Path) -> list:
    """Two tables for `export --compare-latency` (see `shared.export.latency`).

    Serving: the exported signature against the same export without XLA and a plain
    `model.export` of the same weights (ids in, so it even skips tokenization).
    Phone: each LiteRT variant (exact-length ids, batch 1) against the XLA-compiled
    classifier on the same ids, the aim being LiteRT within 1.2x of it.
    """
    from shared.edge.metadata import TFLITE_FOLDER  # noqa: PLC0415
    from shared.edge.sentiment import (  # noqa: PLC0415
        INPUT_NAME,
        SIGNATURE,
        EdgeSentimentClassifier,
    )
    from shared.export.exporter import export_version  # noqa: PLC0415
    from shared.export.latency import compare_calls, compare_latency  # noqa: PLC0415

    trained = TrainedSentimentModel.load(run_dir)
    plain_graph = export_version(build_export(run_dir, jit_compile=False, tflite=False), workdir)
    trained.classifier.export(str(workdir / "model_export"), verbose=False)
    candidates = {
        "model.export (ids)": (workdir / "model_export", "serving_default"),
        "ours, plain graph (text)": (Path(plain_graph["path"]), "serving_default"),
        "ours, XLA (text)": (Path(exported_dir), "serving_default"),
    }
    words = trained.vectorizer.get_vocabulary()[2:]
    lengths = sorted({32, trained.vectorizer.max_length})
    serving_cases, phone_calls = {}, {}
    xla_classifier = tf.function(
        lambda ids: trained.classifier(ids, training=False), jit_compile=True
    )
    phone_dir = Path(exported_dir) / TFLITE_FOLDER
    phones = {
        variant: EdgeSentimentClassifier.from_directory(phone_dir, variant=variant)
        for variant in (["float32", "float16", "dynamic_range"] if phone_dir.is_dir() else [])
    }
    for length in lengths:
        text = text_of_words(words, length)
        for batch in (1, 32):
            texts = np.array([text.encode("utf-8")] * batch, dtype=object)
            ids = trained.vectorizer.vectorize(tf.constant(texts), pad_to_max_length=False)
            serving_cases[f"batch {batch}, {length} tokens"] = {
                "model.export (ids)": {"token_ids": ids.numpy()},
                "ours, plain graph (text)": {"text": texts},
                "ours, XLA (text)": {"text": texts},
            }
        one = trained.vectorizer.vectorize(tf.constant([text]), pad_to_max_length=False)
        one_ids = one.numpy()
        phone_calls[f"batch 1, {length} tokens"] = {
            "XLA tf.function (ids)": lambda one=one: xla_classifier(one).numpy(),
            **{
                f"LiteRT {variant} (ids)": (
                    lambda p=phone, i=one_ids: p.model.run(SIGNATURE, **{INPUT_NAME: i})
                )
                for variant, phone in phones.items()
            },
        }
    tables = [
        (
            "Serving (SavedModel signatures, loaded from disk)",
            compare_latency(candidates, serving_cases),
            "model.export (ids)",
        )
    ]
    if phones:
        rows = compare_calls(phone_calls)
        tables.append(("Phone path (LiteRT, 1 thread)", rows, "XLA tf.function (ids)"))
    return tables
