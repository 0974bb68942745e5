"""Sentiment on the edge: raw text -> class probabilities with LiteRT, never TensorFlow.

Loads an export folder written by `apps.sentiment.tflite.write_tflite_models`: a
`sentiment_<variant>.tflite` and `metadata.json` (vocabulary, labels, tokenisation). The
names below are the model's interface; the exporter imports them from here. Models of
stream-capable runs also read a text chunk by chunk (`stream`, `shared.edge.sentiment_stream`).
"""

from __future__ import annotations

import numpy as np

from shared.answers import sentiment_answer
from shared.edge.runner import ExportRunner
from shared.edge.runtime import LiteModel
from shared.edge.tokenizers import WordTokenizer
from shared.ids import PAD_ID

APP = "sentiment"
FILE_PATTERN = "sentiment_{variant}.tflite"
SIGNATURE = "serving_default"
INPUT_NAME = "token_ids"  # int32 [1, length]
OUTPUT_NAME = "probabilities"  # float32 [1, classes]
# What the runner checks against the model, whatever metadata.json says: one label per
# probability, and one vocabulary entry per embedding row (the table metadata names).
OUTPUT_SIZE_CHECKS = {"labels": (SIGNATURE, OUTPUT_NAME)}
TENSOR_SIZE_CHECKS = ("vocabulary",)


class EdgeSentimentClassifier(ExportRunner):
    """Classifies texts with a `.tflite` sentiment model and its metadata.

    Ids come from `WordTokenizer` (the graph's tokenisation in pure Python). A model with
    a dynamic length gets exactly a text's ids (at least one: an empty text is one
    `[PAD]`, fully masked like an all-padding row); a fixed-length one gets them padded.

    Args: as `ExportRunner` (the model, and its metadata checked against it).

    Example:
        >>> classifier = EdgeSentimentClassifier.from_directory("exports/sentiment")
        >>> classifier.classify(["A gem of a film."])[0]["label"]
        'positive'
    """

    APP, FILE_PATTERN = APP, FILE_PATTERN
    OUTPUT_SIZE_CHECKS, TENSOR_SIZE_CHECKS = OUTPUT_SIZE_CHECKS, TENSOR_SIZE_CHECKS

    def __init__(self, model: LiteModel, metadata: dict):
        super().__init__(model, metadata)
        self.labels = list(metadata["labels"])
        self.tokenizer = WordTokenizer(
            metadata["vocabulary"], metadata["max_length"], metadata["truncate_from"]
        )
        length = self.signatures[SIGNATURE]["inputs"][INPUT_NAME]["shape"][1]
        self.fixed_length = None if length == -1 else length
        self._stream = None  # built by the first `stream` call

    def token_ids(self, text: str) -> np.ndarray:
        """The model input for one text: int32 `[1, length]`."""
        if self.fixed_length is not None:
            return self.tokenizer.encode_padded(text)[None, : self.fixed_length]
        ids = self.tokenizer.encode(text) or [PAD_ID]
        return np.asarray([ids], dtype=np.int32)

    def predict(self, texts: list[str]) -> np.ndarray:
        """Class probabilities `float32 [len(texts), classes]`, one model call per text."""
        rows = [
            self.model.run(SIGNATURE, **{INPUT_NAME: self.token_ids(text)})[OUTPUT_NAME][0]
            for text in texts
        ]
        if not rows:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.stack(rows).astype(np.float32)

    def classify(self, texts: list[str]) -> list[dict]:
        """One answer per text, in the schema every path shares (`shared.answers`):
        `{"label": name, "score": p, "probabilities": {name: p, ...}}`, rounded.
        `predict` gives the unrounded probabilities."""
        return [sentiment_answer(row, self.labels) for row in self.predict(texts)]

    def stream(self, chunk_text: str, state: dict | None = None) -> tuple[dict, dict]:
        """Reads the next chunk of a text with the model's `stream_step` (sentiment as you
        type; `shared.edge.sentiment_stream`): `(answer, new_state)`, the answer for
        everything read so far. `state=None` starts a text.

        Raises:
            ValueError: the model has no `stream_step` (names the file).
        """
        if self._stream is None:
            from shared.edge.sentiment_stream import EdgeSentimentStream  # noqa: PLC0415

            self._stream = EdgeSentimentStream(self)
        return self._stream.step(chunk_text, state)
