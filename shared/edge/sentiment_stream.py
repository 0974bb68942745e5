"""Sentiment as you type on the edge: a phone model's `stream_step`, with LiteRT only.

Phone models of stream-capable runs (`rnn-sentiment train --streaming`) have a
`stream_step` signature besides `serving_default` (`apps.sentiment.stream_tflite`): one
chunk's ids and the state in, the probabilities of everything read so far and the new
state out. The model keeps nothing between calls; the caller holds the state (numpy
arrays by name), starting from metadata's `stream_state` initial values.
"""

from __future__ import annotations

import sys

import numpy as np

from shared.answers import sentiment_answer
from shared.edge.sentiment import INPUT_NAME, OUTPUT_NAME, EdgeSentimentClassifier
from shared.edge.tokenizers import WordTokenizer
from shared.ids import PAD_ID

STREAM_SIGNATURE = "stream_step"
# Chunks are read whole, as the graph reads them (`WordVectorizer.vectorize_whole`): the
# state carries what came before, so no `max_length` cut and no character cap.
UNLIMITED_LENGTH = sys.maxsize // 64


class EdgeSentimentStream:
    """Reads a text chunk by chunk through a phone model's `stream_step`.

    Args:
        classifier: a loaded `EdgeSentimentClassifier` whose model has `stream_step`.

    Raises:
        ValueError: the model has no `stream_step` (names the file and how to get one), or
            its metadata has no `stream_state`.

    Example:
        >>> stream = EdgeSentimentStream(EdgeSentimentClassifier.from_directory(folder))
        >>> answer, state = stream.step("I expected to hate it,")
        >>> answer, state = stream.step("but it won me over", state)  # the whole text's
    """

    def __init__(self, classifier: EdgeSentimentClassifier):
        where = classifier.model.path or "the model"
        if STREAM_SIGNATURE not in classifier.signatures:
            raise ValueError(
                f"Expected a phone model with a {STREAM_SIGNATURE!r} signature (exported from "
                "a run trained with `rnn-sentiment train --streaming`). Received "
                f"{where}, whose signatures are {sorted(classifier.signatures)}: it reads "
                "whole texts only. Export a stream-capable run and use its tflite/ folder."
            )
        if "stream_state" not in classifier.metadata:
            raise ValueError(
                f"Expected `stream_state` in the metadata of {where} (each state's size and "
                "initial value). Received metadata without it: export the run again."
            )
        self.classifier = classifier
        self.state_spec = {
            name: (int(spec["size"]), float(spec["initial"]))
            for name, spec in classifier.metadata["stream_state"].items()
        }
        metadata = classifier.metadata
        self.tokenizer = WordTokenizer(
            metadata["vocabulary"], UNLIMITED_LENGTH, metadata["truncate_from"]
        )

    def initial_state(self) -> dict[str, np.ndarray]:
        """The state of a text not read yet: float32 `[1, size]` per name."""
        return {
            name: np.full((1, size), initial, np.float32)
            for name, (size, initial) in self.state_spec.items()
        }

    def token_ids(self, chunk: str | bytes) -> np.ndarray:
        """One chunk's ids `int32 [1, n]`, every word (an empty chunk is one `[PAD]`,
        which changes nothing)."""
        ids = self.tokenizer.encode(chunk) or [PAD_ID]
        return np.asarray([ids], dtype=np.int32)

    def probabilities(
        self, chunk: str | bytes, state: dict | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`(probabilities float32 [classes], new_state)` after reading `chunk`."""
        if state is None:
            state = self.initial_state()
        outputs = self.classifier.model.run(
            STREAM_SIGNATURE,
            **{INPUT_NAME: self.token_ids(chunk)},
            **{name: np.asarray(state[name], np.float32) for name in self.state_spec},
        )
        new_state = {name: outputs[name] for name in self.state_spec}
        return outputs[OUTPUT_NAME][0].astype(np.float32), new_state

    def step(self, chunk: str | bytes, state: dict | None = None) -> tuple[dict, dict]:
        """`(answer, new_state)`: the answer for everything read so far, in the schema every
        path shares (`shared.answers`), and the state to pass with the next chunk."""
        probabilities, new_state = self.probabilities(chunk, state)
        return sentiment_answer(probabilities, self.classifier.labels), new_state
