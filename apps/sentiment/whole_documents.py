"""Whole-document training of a stream-capable classifier (`train --streaming
--document-window W`).

Instead of texts cut to `max_length`, every training text is read whole, as consecutive
windows of W words, with the streaming encoder's state (recurrent states and pooling
accumulators) carried from window to window of the same text and started afresh for the
next text; gradients stop at window boundaries (truncated BPTT). The machinery is
`shared.training.document_windows` and `shared.training.stateful_steps`; this module only
fits the sentiment classifier into it and back.
"""

from __future__ import annotations

import keras
import numpy as np

from shared.ids import PAD_ID
from shared.training.document_windows import document_windows_dataset, estimated_steps_per_epoch
from shared.training.history import read_history
from shared.training.stateful_steps import WholeDocumentTrainer
from shared.training.trainer import fit_resumable, make_optimizer

# Texts vectorized per call when turning the training texts into whole-document ids.
VECTORIZE_BATCH = 256


def document_ids(vectorizer, texts: list[str]) -> list[np.ndarray]:
    """Every word's id of each text: no truncation to `max_length` (padding dropped)."""
    documents = []
    for start in range(0, len(texts), VECTORIZE_BATCH):
        ids = vectorizer.vectorize_whole(texts[start : start + VECTORIZE_BATCH]).numpy()
        documents.extend(row[: int(np.count_nonzero(row != PAD_ID))] for row in ids)
    return documents


def stream_training_model(classifier: keras.Model) -> keras.Model:
    """`(ids, *state) -> (probabilities, *new_state)` on the classifier's own layers (so
    training it trains the classifier), the state in the encoder's `state_sizes` order."""
    encoder = classifier.get_layer("encoder")
    ids = keras.Input((None,), dtype="int32", name="ids")
    state = {name: keras.Input((size,), name=name) for name, size in encoder.state_sizes.items()}
    features, new_state = encoder(ids, state)
    features = classifier.get_layer("head_dropout")(features)
    probabilities = classifier.get_layer("probabilities")(features)
    return keras.Model(
        [ids, *state.values()],
        [probabilities, *(new_state[name] for name in state)],
        name="sentiment_stream_training",
    )


def copy_weights_by_layer(source: keras.Model, target: keras.Model) -> None:
    """Each weighted layer of `source` into `target`'s layer of the same name."""
    for layer in source.layers:
        if layer.weights:
            target.get_layer(layer.name).set_weights(layer.get_weights())


def fit_whole_documents(
    classifier: keras.Model,
    config,
    vectorizer,
    training: tuple[list[str], list[int]],
    validation: tuple[list[str], list[int]],
    run_dir,
    callbacks=(),
) -> tuple[keras.Model, dict[str, float]]:
    """Trains `classifier` (built with `streaming`) over whole documents, resumably.

    Args:
        classifier: an uncompiled stream-capable classifier.
        config: the run's `SentimentConfig` (`document_window`, `batch_size` slots, ...).
        vectorizer: the run's vocabulary.
        training: the training texts and their label ids.
        validation: the validation texts and their label ids.
        run_dir: the run folder (checkpoints, history, resume).
        callbacks: extra Keras callbacks.

    Returns:
        The classifier with the best checkpoint's weights, and the validation metrics of
        whole-document reading (`whole_document_accuracy`: the prediction after each
        text's last window; `whole_document_loss`: the loss over every window).
    """
    encoder = classifier.get_layer("encoder")
    initial = [value[0] for value in encoder.initial_state(1).values()]
    training_ids = document_ids(vectorizer, training[0])

    def windows(documents, labels, shuffle):
        return document_windows_dataset(
            documents,
            labels,
            window=config.document_window,
            batch_slots=config.batch_size,
            shuffle=shuffle,
            seed=config.seed,
            # A resumed run goes on with the document orders of the epochs it has not had.
            first_epoch=len(read_history(run_dir.history_path)),
        )

    trainer = WholeDocumentTrainer(
        stream_training_model(classifier), config.batch_size, initial_state=initial
    )
    steps = estimated_steps_per_epoch(
        training_ids, window=config.document_window, batch_slots=config.batch_size
    )
    trainer.compile(optimizer=make_optimizer(config, steps_per_epoch=steps))
    validation_windows = windows(document_ids(vectorizer, validation[0]), validation[1], False)
    best = fit_resumable(
        trainer,
        windows(training_ids, training[1], True),
        validation_windows,
        run_dir,
        epochs=config.epochs,
        patience=config.patience,
        title=f"sentiment, whole documents in windows of {config.document_window}",
        extra_callbacks=tuple(callbacks),
    )
    copy_weights_by_layer(best.stream_model, classifier)
    scores = best.evaluate(validation_windows, return_dict=True, verbose=0)
    metrics = {
        "whole_document_accuracy": float(scores["document_accuracy"]),
        "whole_document_loss": float(scores["loss"]),
    }
    return classifier, metrics
