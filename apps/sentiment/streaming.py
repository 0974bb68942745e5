"""Sentiment as you type: a stream-capable run reads a text chunk by chunk.

A run trained with `train --streaming` has a `StreamingRecurrentEncoder` named
`encoder`; its state (recurrent states and pooling accumulators, as named by
`stream_state_sizes`) is explicit, so the caller holds it between
chunks and each chunk costs only its own length. The probabilities after k chunks equal
those of the whole text read at once (within float tolerance), with no `max_length`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel


def require_stream_capable(trained: TrainedSentimentModel) -> TrainedSentimentModel:
    """`trained` if it can stream, else a ValueError that says how to get a run that can."""
    if not trained.config.streaming:
        raise ValueError(
            "Expected a stream-capable run (trained with `rnn-sentiment train --streaming`). "
            f"Received: {trained.run_dir.path}, trained with streaming=False (a "
            "bidirectional encoder, whose backward direction cannot carry its state from "
            "chunk to chunk). Train one with --streaming, or pass its --run-dir."
        )
    return trained


def stream_state_sizes(classifier) -> dict[str, int]:
    """Each state tensor a stream of this classifier carries, by name, and its width.

    The one place that says what the state is (today: the encoder's), for every path.
    """
    return classifier.get_layer("encoder").state_sizes


def initial_stream_state(classifier, batch_size: int) -> dict[str, np.ndarray]:
    """The state of streams that have read nothing (what `state=None` means)."""
    start = classifier.get_layer("encoder").initial_state(batch_size)
    return {name: np.asarray(value) for name, value in start.items()}


def stream_step(classifier, chunk_ids, state=None):
    """One chunk through a stream-capable classifier: the Keras-level entry.

    Args:
        classifier: the Keras model of a streaming run (`build_classifier` with
            `streaming=True`).
        chunk_ids: int32 ids `[batch, length]`, right-padded with 0 (length >= 1).
        state: None to start a stream, else the `new_state` of the previous chunk.

    Returns:
        `(probabilities [batch, classes], new_state)`: the probabilities of everything
        read so far, and the state dict to pass with the next chunk.
    """
    features, new_state = classifier.get_layer("encoder")(chunk_ids, state, training=False)
    # The head dropout is inactive at inference; the classification layer is shared.
    return classifier.get_layer("probabilities")(features), new_state


class SentimentStream:
    """Raw text chunks -> running class probabilities, through one traced graph.

    Each chunk is tokenised whole by the run's vectorizer (no truncation to `max_length`:
    the state carries what came before). Split a text at white space: a word cut in two
    would be read as two words.

    Args:
        trained: a loaded stream-capable run.

    Raises:
        ValueError: the run cannot stream (`require_stream_capable`).
    """

    def __init__(self, trained: TrainedSentimentModel):
        self.trained = require_stream_capable(trained)
        vectorizer, classifier = trained.vectorizer, trained.classifier
        self.state_sizes = stream_state_sizes(classifier)
        state_spec = {
            name: tf.TensorSpec([None, size], tf.float32, name=name)
            for name, size in self.state_sizes.items()
        }

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string), state_spec])
        def step(chunks, state):
            return stream_step(classifier, chunk_ids_of(vectorizer, chunks), state)

        self._step = step

    def initial_state(self, batch_size: int = 1) -> dict[str, np.ndarray]:
        """The state of streams that have read nothing (what `state=None` means)."""
        return initial_stream_state(self.trained.classifier, batch_size)

    def step(self, chunks: list[str], state: dict | None = None) -> tuple[np.ndarray, dict]:
        """Reads one chunk per stream (a chunk may be empty).

        Returns:
            `(probabilities [len(chunks), classes], new_state)`, numpy arrays.
        """
        if state is None:
            state = self.initial_state(len(chunks))
        probabilities, new_state = self._step(tf.constant(chunks, tf.string), state)
        return probabilities.numpy(), {k: v.numpy() for k, v in new_state.items()}


def chunk_ids_of(vectorizer, chunks):
    """Every word's id `[batch, longest + 1]`: no truncation, and one padding column more,
    so an empty chunk is a valid (all-padding, state-preserving) input."""
    ids = vectorizer.vectorize_whole(chunks)
    return tf.pad(ids, [[0, 0], [0, 1]])
