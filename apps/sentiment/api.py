"""The Python API: load a trained run and classify texts, as a pipeline would.

    from apps.sentiment import load
    classifier = load()                      # the latest finished run under runs/sentiment
    classifier.predict(["great film"])
    # [{"label": "positive", "score": 0.97, "probabilities": {"negative": 0.03, "positive": 0.97}}]
    classifier("great film")                 # one text -> one answer
    answer, state = classifier.stream("I expected to hate it,")   # runs trained --streaming
    answer, state = classifier.stream("but it won me over", state)

Importing this module is cheap: TensorFlow loads when a run is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shared.answers import sentiment_answer, text_batch
from shared.package_api import LoadedRun, load_trained_run

if TYPE_CHECKING:
    import numpy as np

    from apps.sentiment.artifacts import TrainedSentimentModel


class SentimentClassifier(LoadedRun):
    """A finished run, ready to classify raw texts.

    Inference goes through `SentimentPredictor` (one traced graph, batched), the same
    path as `rnn-sentiment predict`; answers follow `shared.answers`.

    Args:
        trained: a loaded run (`TrainedSentimentModel.load`).
        batch_size: texts per graph call.
    """

    def __init__(self, trained: TrainedSentimentModel, batch_size: int = 256):
        from apps.sentiment.inference import SentimentPredictor  # noqa: PLC0415

        super().__init__(trained)
        self._predictor = SentimentPredictor(trained, batch_size=batch_size)
        self._stream = None  # built on the first `stream` call

    @property
    def labels(self) -> tuple[str, ...]:
        """Class names, in the order of the probabilities."""
        return tuple(self.trained.labels.names)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Unrounded class probabilities, float32 `[len(texts), len(labels)]`."""
        return self._predictor.predict(text_batch(texts)[0])[0]

    def predict(self, texts: str | Sequence[str]) -> dict | list[dict]:
        """Classifies texts.

        Args:
            texts: a list of texts, or one text.

        Returns:
            One `{"label", "score", "probabilities"}` dict per text (a list for a list,
            a dict for a single string). `score` is the probability of `label`;
            probabilities are rounded to 4 decimals.
        """
        batch, single = text_batch(texts)
        answers = [sentiment_answer(row, self.labels) for row in self.probabilities(batch)]
        return answers[0] if single else answers

    __call__ = predict

    def stream(
        self, chunks: str | Sequence[str], state: dict | None = None
    ) -> tuple[dict | list[dict], dict]:
        """Reads the next chunk of a text (sentiment as you type); stream-capable runs only.

        Args:
            chunks: the next chunk of one text, or one chunk per text of a batch; split
                texts at white space; a chunk may be empty.
            state: None to start, else the state the previous call returned.

        Returns:
            `(answers, new_state)`: the answer(s) for everything read so far (as
            `predict` gives them) and the state for the next chunk (numpy arrays).

        Raises:
            ValueError: the run was not trained with `streaming` (says how to get one).
        """
        from apps.sentiment.streaming import SentimentStream  # noqa: PLC0415

        if self._stream is None:
            self._stream = SentimentStream(self.trained)
        single = isinstance(chunks, str)
        probabilities, new_state = self._stream.step([chunks] if single else list(chunks), state)
        answers = [sentiment_answer(row, self.labels) for row in probabilities]
        return (answers[0] if single else answers), new_state

    def stream_step(self, chunk_ids, state: dict | None = None):
        """The Keras-level step: ids `[batch, length]` -> `(probabilities, new_state)`.

        See `apps.sentiment.streaming.stream_step`; stream-capable runs only.
        """
        from apps.sentiment.streaming import require_stream_capable, stream_step  # noqa: PLC0415

        return stream_step(require_stream_capable(self.trained).classifier, chunk_ids, state)

    def __repr__(self) -> str:
        return f"SentimentClassifier({str(self.run_dir)!r}, labels={list(self.labels)})"


def load(run_dir: str | Path | None = None, *, batch_size: int = 256) -> SentimentClassifier:
    """Loads a finished sentiment run.

    Args:
        run_dir: the run folder; None takes the latest finished run under
            `runs/sentiment` (relative to the working directory), as `predict` does.
        batch_size: texts per graph call.

    Raises:
        FileNotFoundError: no finished run there (or none at all).
    """
    trained_run = "apps.sentiment.artifacts:TrainedSentimentModel"
    trained = load_trained_run("sentiment", run_dir, trained_run)
    return SentimentClassifier(trained, batch_size=batch_size)
