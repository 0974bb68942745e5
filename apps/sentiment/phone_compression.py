"""A compact phone copy of a trained sentiment classifier, measured against the server model.

Real-data presets carry a 1,000,000-bucket bag of word pairs (8M weights) and a
20,000 x 128 word embedding: 10 MB of phone model in dynamic range. The compact copy
keeps the LSTMs and the head as trained and shrinks the two tables
(`shared.export.tflite.compression`):

- the word embedding becomes two low-rank factors, `[V, rank]` and `[rank, E]`
  (`shared.layers.FactorizedEmbedding`), fitted by an SVD weighted by how often the
  training texts read each word and measured after the first LSTM layer's input kernels
  (what reaches the gates): the LSTMs see the same width;
- the bag's rows only reach the softmax head, linearly, so `classes - 1` dims carry
  everything it uses (exact: 8 -> 1 for two classes), and its pair buckets fold from `N`
  to a divisor `M` of `N` (`h mod N mod M == h mod M`), each new row the mean of the old
  rows folded onto it weighted by how often the training texts read them (rows never
  read hold their random initial values: dropped).

Optionally (`CompactSettings.distil_epochs`) the copy is then fine-tuned, LSTMs frozen, to
the server model's probabilities over the training texts. Measured on SST-2 it hurts
(one epoch at 2e-4: same answer as the server on dev 0.9966 -> 0.9862, mean probability
difference 0.006 -> 0.019; the server's outputs on its own training texts are near its
labels, so fitting them pulls the copy away from the server on new text): off by default.
The agreement with the server model on the run's validation split is measured at every
export. Same ids in, same probabilities out: tokenizer, metadata and
every client stay as they were; the server SavedModel keeps the full model.
"""

from __future__ import annotations

import dataclasses
import json
import time

import keras
import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.corpus import generate_reviews
from apps.sentiment.data import NO_GROUPS, DataOptions, load_examples
from shared.datasets.errors import DataError
from shared.edge.tokenizers import WordTokenizer
from shared.export.progress import stage
from shared.export.tflite.compression import (
    fold_buckets,
    folded_bucket_count,
    low_rank_factors,
    project_onto_softmax,
)
from shared.export.tflite.tflite_metadata import vocabulary_file
from shared.ids import PAD_ID
from shared.layers import HashedBagOfNgrams, MaskedSequencePooling, PaddingMask
from shared.layers.bag_of_ngrams import PAIR_MULTIPLIER
from shared.layers.factorized_embedding import FactorizedBidirectionalEncoder
from shared.training.splits import split_examples

PHONE_SIZES = ("auto", "compact", "full")
# `auto` compacts when the embedding and bag tables hold more weights than this: in
# dynamic range each is one byte, and the budget for the whole phone model is 2 MB.
TABLE_WEIGHT_BUDGET = 1_500_000
# Rounded-up length step of a batch (fewer retraces).
LENGTH_STEP = 64
# A dynamic-range model's bytes besides its int8 weights and vocabulary file: graph, float
# biases, metadata (measured: 27 KB for the IMDB preset's compact model).
SIZE_MARGIN = 40_000
# Texts the agreement is measured on when the run's data is not where it was.
GENERATED_TEXTS = 500


@dataclasses.dataclass(frozen=True)
class CompactSettings:
    """How small the compact copy is and how it is fine-tuned (see the module docstring).

    Attributes:
        embedding_rank: width of the word embedding's stored factor.
        bag_buckets: at most this many pair buckets (the largest divisor of the run's
            count at most this, and at most what fits `size_budget`).
        size_budget: bytes the dynamic-range model may take: the bag gets what the
            other weights (one byte each), the tokenizer's vocabulary file (MediaPipe's,
            stored in the model) and `SIZE_MARGIN` leave.
        distil_epochs: passes over the training texts fitting the server's probabilities.
        learning_rate: Adam's rate for them.
        batch_size: texts per step.
    """

    embedding_rank: int = 32
    bag_buckets: int = 500_000
    size_budget: int = 1_950_000
    distil_epochs: int = 0
    learning_rate: float = 5e-4
    batch_size: int = 64


def table_weights(classifier: keras.Model) -> int:
    """Weights of the word embedding and the bag of n-grams (what `auto` weighs)."""
    total = int(np.prod(classifier.get_layer("encoder").embedding.embeddings.shape))
    if "bag_of_ngrams" in {layer.name for layer in classifier.layers}:
        total += int(np.prod(classifier.get_layer("bag_of_ngrams").embedding.embeddings.shape))
    return total


def wants_compact(trained: TrainedSentimentModel, phone_size: str) -> bool:
    """Whether the phone export gets the compact copy (`--phone-size`)."""
    if phone_size not in PHONE_SIZES:
        raise ValueError(f"Expected phone_size in {PHONE_SIZES}. Received: {phone_size!r}")
    if phone_size == "full" or trained.config.streaming:
        return False  # a streaming run's encoder is forward-only, its own export path
    return phone_size == "compact" or table_weights(trained.classifier) > TABLE_WEIGHT_BUDGET


def run_splits(trained: TrainedSentimentModel):
    """`(train texts, train label ids, validation texts, validation label ids)` of the run,
    split as `apps.sentiment.train` split them (same file, groups, fraction and seed)."""
    config = trained.config
    recorded = json.loads(trained.run_dir.file("config.json").read_text())
    options = DataOptions(
        recorded.get("text_column", "text"),
        recorded.get("label_column", "label"),
        recorded.get("on_bad_rows", "error"),
        group_column=recorded.get("group_column"),
    )
    data = load_examples(recorded.get("data"), options)
    if recorded.get("validation_data"):
        validation = load_examples(
            recorded["validation_data"], dataclasses.replace(options, group_column=NO_GROUPS)
        )
        return (
            data.texts,
            trained.labels.encode(data),
            validation.texts,
            trained.labels.encode(validation),
        )
    label_ids = trained.labels.encode(data)
    train_idx, val_idx = split_examples(
        data, label_ids, trained.labels, config.validation_split, config.seed
    )
    return (
        [data.texts[i] for i in train_idx],
        [label_ids[i] for i in train_idx],
        [data.texts[i] for i in val_idx],
        [label_ids[i] for i in val_idx],
    )


def token_ids(trained: TrainedSentimentModel, texts, chunk: int = 4096) -> np.ndarray:
    """Right-padded ids `[len(texts), max_length]` (the run's tokenizer and truncation)."""
    parts = [
        trained.vectorizer.vectorize(tf.constant(texts[i : i + chunk])).numpy()
        for i in range(0, len(texts), chunk)
    ]
    return np.concatenate(parts).astype(np.int32)


def pair_bucket_counts(ids: np.ndarray, num_buckets: int) -> np.ndarray:
    """`[num_buckets]`: how many adjacent word pairs of `ids` hash to each bucket
    (`HashedBagOfNgrams`' hash)."""
    left, right = ids[:, :-1].astype(np.int64), ids[:, 1:].astype(np.int64)
    pairs = (left != PAD_ID) & (right != PAD_ID)
    buckets = (left * PAIR_MULTIPLIER + right)[pairs] % num_buckets
    return np.bincount(buckets, minlength=num_buckets)


def compact_classifier(
    classifier: keras.Model,
    settings: CompactSettings,
    bucket_counts: np.ndarray | None,
    word_counts: np.ndarray | None = None,
    other_bytes: int = 0,
) -> tuple[keras.Model, dict]:
    """The classifier rebuilt with a factorised embedding and folded buckets, its other
    weights copied; and what was done (for export.json).

    `bucket_counts`: reads of each pair bucket in the training texts (`fold_buckets`'
    weights); None: their plain mean. `word_counts`: reads of each word id, weighting
    the embedding's low-rank fit (`low_rank_factors`), which is measured after the first
    LSTM layer's input kernels (both directions). `other_bytes`: what the model file
    carries besides weights (the vocabulary file), counted against `size_budget`."""
    encoder = classifier.get_layer("encoder")
    table = np.asarray(encoder.embedding.embeddings)
    vocabulary_size, embedding_dim = table.shape
    rank = min(settings.embedding_rank, embedding_dim)
    layer_names = {layer.name for layer in classifier.layers}
    ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    small_encoder = FactorizedBidirectionalEncoder(
        embedding_rank=rank, **{k: v for k, v in encoder.get_config().items()}
    )
    sequence, states = small_encoder(ids)
    if "final_hidden_states" in layer_names:
        forward, backward = states[-1]
        features = keras.layers.Concatenate(name="final_hidden_states")([forward[0], backward[0]])
    else:
        pooling = classifier.get_layer("pooling")
        mask = PaddingMask(name="padding_mask")(ids)
        features = MaskedSequencePooling(pooling.mode, name="pooling")(sequence, mask)
    details = {
        "embedding": {
            "from": [int(vocabulary_size), int(embedding_dim)],
            "to": [[int(vocabulary_size), rank], [rank, int(embedding_dim)]],
            "fit": (
                "SVD" if word_counts is None else "SVD weighted by word reads in the training texts"
            )
            + ", error measured after the first LSTM layer's input kernels",
        }
    }
    bag = None
    head = classifier.get_layer("probabilities")
    if "bag_of_ngrams" in layer_names:
        bag = classifier.get_layer("bag_of_ngrams")
        # Only the head reads the bag, linearly: classes - 1 dims carry all it uses.
        bag_dim = min(bag.output_dim, head.units - 1)
        fixed = (
            vocabulary_size * (rank + bag_dim)
            + rank * embedding_dim
            + sum(int(np.prod(w.shape)) for w in encoder.weights if "embedding" not in w.path)
            + head.units * (head.kernel.shape[0] - bag.output_dim + bag_dim + 1)
        )
        room = settings.size_budget - SIZE_MARGIN - other_bytes - fixed
        target = max(1, min(settings.bag_buckets, room // bag_dim))
        count = folded_bucket_count(bag.num_buckets, target, PAIR_MULTIPLIER)
        small_bag = HashedBagOfNgrams(
            bag.vocabulary_size,
            count,
            bag_dim,
            learning_rate_scale=bag.learning_rate_scale,
            name="bag_of_ngrams",
        )
        features = keras.layers.Concatenate(name="wide_and_deep")([features, small_bag(ids)])
        details["bag_of_ngrams"] = {
            "dims_from": int(bag.output_dim),
            "dims_to": int(bag_dim),
            "buckets_from": int(bag.num_buckets),
            "estimated_bytes": int(fixed + count * bag_dim + other_bytes + SIZE_MARGIN),
            "size_budget": settings.size_budget,
            "buckets_to": count,
            "rows": "mean of the rows folded together"
            + ("" if bucket_counts is None else ", weighted by their training-text reads"),
            "buckets_read": None if bucket_counts is None else int((bucket_counts > 0).sum()),
        }
    probabilities = keras.layers.Dense(head.units, activation="softmax", name="probabilities")(
        features
    )
    small = keras.Model(ids, probabilities, name="sentiment_classifier")

    first = encoder.recurrent_layers[0]
    reader = np.concatenate(
        [np.asarray(d.cell.kernel) for d in (first.forward_layer, first.backward_layer)], axis=1
    )
    weights = None if word_counts is None else word_counts + 1.0
    factors, projection = low_rank_factors(table, rank, weights, reader)
    small_encoder.embedding.factors.set_weights([factors])
    small_encoder.embedding.projection.set_weights([projection])
    for old, new in zip(encoder.recurrent_layers, small_encoder.recurrent_layers, strict=True):
        new.set_weights(old.get_weights())
    kernel, bias = head.get_weights()
    if bag is not None:
        rows = np.asarray(bag.embedding.embeddings)
        features_dim = kernel.shape[0] - bag.output_dim
        if small_bag.output_dim < bag.output_dim:
            rows, bag_kernel = project_onto_softmax(rows, kernel[features_dim:])
            kernel = np.concatenate([kernel[:features_dim], bag_kernel])
        words, pairs = rows[: bag.vocabulary_size], rows[bag.vocabulary_size :]
        reads = np.ones(len(pairs)) if bucket_counts is None else bucket_counts
        folded = fold_buckets(pairs, small_bag.num_buckets, reads)
        small_bag.embedding.set_weights([np.concatenate([words, folded])])
    small.get_layer("probabilities").set_weights([kernel, bias])
    return small, details


def _length_batches(ids: np.ndarray, batch_size: int, seed: int | None):
    """Batches of row indices of similar length, each cut to its longest row (rounded up to
    `LENGTH_STEP`): padding is masked, so cutting it changes nothing but the cost."""
    lengths = (ids != PAD_ID).sum(axis=1)
    order = np.argsort(lengths, kind="stable")
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if seed is not None:
        np.random.default_rng(seed).shuffle(batches)
    for rows in batches:
        width = max(1, int(lengths[rows].max()))
        width = min(ids.shape[1], -(-width // LENGTH_STEP) * LENGTH_STEP)
        yield rows, ids[rows, :width]


def predict(model: keras.Model, ids: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Probabilities `[rows, classes]` of `model` on padded ids, batched by length."""

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def call(ids):
        return model(ids, training=False)

    out = np.zeros((len(ids), model.output_shape[-1]), np.float32)
    for rows, batch in _length_batches(ids, batch_size, None):
        out[rows] = call(tf.constant(batch)).numpy()
    return out


def distil(
    student: keras.Model, ids: np.ndarray, targets: np.ndarray, settings: CompactSettings
) -> list[float]:
    """Fits `student` to the teacher's probabilities `targets` (cross-entropy on soft
    labels), its recurrent layers frozen; returns each epoch's mean loss."""
    for layer in student.get_layer("encoder").recurrent_layers:
        layer.trainable = False
    optimizer = keras.optimizers.Adam(settings.learning_rate, clipnorm=1.0)
    variables = student.trainable_variables
    optimizer.build(variables)

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None], tf.int32),
            tf.TensorSpec([None, targets.shape[-1]], tf.float32),
        ]
    )
    def step(x, y):
        with tf.GradientTape() as tape:
            p = student(x, training=True)
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(y, p))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    losses = []
    for epoch in range(settings.distil_epochs):
        total, steps = 0.0, 0
        for rows, batch in _length_batches(ids, settings.batch_size, seed=epoch):
            total += float(step(tf.constant(batch), tf.constant(targets[rows])))
            steps += 1
        losses.append(round(total / max(steps, 1), 5))
        stage("phone compaction: distillation epoch %d, loss %.4f", epoch + 1, losses[-1])
    return losses


def agreement(teacher_probs, student_probs, labels) -> dict:
    """How close the student is to the teacher: same answers, accuracies, probabilities."""
    teacher_answers, student_answers = teacher_probs.argmax(-1), student_probs.argmax(-1)
    labels = np.asarray(labels)
    return {
        "texts": len(labels),
        "same_answer": round(float((teacher_answers == student_answers).mean()), 4),
        "server_accuracy": round(float((teacher_answers == labels).mean()), 4),
        "phone_accuracy": round(float((student_answers == labels).mean()), 4),
        "mean_probability_difference": round(
            float(np.abs(teacher_probs - student_probs).max(-1).mean()), 4
        ),
    }


def compact_for_phone(
    trained: TrainedSentimentModel, settings: CompactSettings = CompactSettings()
) -> tuple[keras.Model, dict]:
    """The compact, distilled copy of the run's classifier and its record for export.json:
    what was compressed, the distillation, and the agreement with the server model on the
    run's validation split (Keras outputs; each `.tflite` is then checked against this copy).
    """
    started = time.monotonic()
    stage("phone compaction: reading the run's training and validation texts")
    split = "validation"
    try:
        train_texts, _, val_texts, val_labels = run_splits(trained)
    except DataError as error:
        # Exported where the training data is not: unweighted fits, and the agreement on
        # the app's generated reviews instead of the validation split.
        stage("phone compaction: %s; fitting without word counts", error)
        train_texts, split = [], f"the app's generated reviews (training data not found: {error})"
        val_texts, names = generate_reviews(GENERATED_TEXTS)
        accepted = trained.labels.accepted_labels()
        val_labels = [accepted.get(name, -1) for name in names]  # -1: not one of its classes
    train_ids = token_ids(trained, train_texts) if train_texts else np.zeros((0, 2), np.int32)
    val_ids = token_ids(trained, val_texts)
    bag = "bag_of_ngrams" in {layer.name for layer in trained.classifier.layers}
    buckets = trained.classifier.get_layer("bag_of_ngrams").num_buckets if bag else 0
    counts = pair_bucket_counts(train_ids, buckets) if bag and train_texts else None
    word_counts = None
    if train_texts:
        word_counts = np.bincount(train_ids.ravel(), minlength=trained.vectorizer.vocabulary_size)
        word_counts[PAD_ID] = 0
    vocabulary = trained.vectorizer.get_vocabulary()
    tokenizer = WordTokenizer(
        vocabulary, trained.vectorizer.max_length, trained.vectorizer.truncate_from
    )
    other_bytes = len(vocabulary_file(vocabulary, tokenizer.tokenize))
    student, details = compact_classifier(
        trained.classifier, settings, counts, word_counts, other_bytes
    )
    stage("phone compaction: the server and phone models on %d validation texts", len(val_ids))
    teacher_val = predict(trained.classifier, val_ids)
    record = {
        "phone_size": "compact",
        "compression": details,
        "parameters": {
            "server": int(trained.classifier.count_params()),
            "phone": int(student.count_params()),
        },
    }
    if settings.distil_epochs and train_texts:
        before = agreement(teacher_val, predict(student, val_ids), val_labels)
        stage("phone compaction: the server's probabilities on %d texts", len(train_ids))
        losses = distil(student, train_ids, predict(trained.classifier, train_ids), settings)
        record["distillation"] = {
            **dataclasses.asdict(settings),
            "texts": len(train_ids),
            "epoch_losses": losses,
            "agreement_before": before,
        }
    after = agreement(teacher_val, predict(student, val_ids), val_labels)
    record["agreement"] = {**after, "split": split}
    record["seconds"] = round(time.monotonic() - started, 1)
    return student, record
