"""The Python API: load a trained run and translate sentences, as a pipeline would.

    from apps.translation import load
    translator = load()                      # the latest finished run under runs/translation
    translator.translate(["¿Dónde está?"], beam=4)
    # [{"translation": "Where is it?", "beam": 4}]
    translator.translate("¿Dónde está?", n_best=2)   # the 2 best beams, with scores
    # {"translation": "Where is it?", "beam": 4, "n_best": [{"translation": "Where is
    #  it?", "score": -0.21}, {"translation": "Where is he?", "score": -0.93}]}
    translator("Hola.")                      # one sentence -> one answer (the run's beam)

Importing this module is cheap: TensorFlow loads when a run is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from shared.answers import text_batch, translation_answer
from shared.cli import MAX_BEAM_WIDTH
from shared.package_api import LoadedRun, load_trained_run

if TYPE_CHECKING:
    from apps.translation.artifacts import TrainedTranslator


class SentenceTranslator(LoadedRun):
    """A finished run, ready to translate raw sentences.

    Decoding goes through `Translator` (traced graphs, batched), the same path as
    `rnn-translate translate`; answers follow `shared.answers`.

    Args:
        trained: a loaded run (`TrainedTranslator.load`).
        batch_size: sentences per graph call.
    """

    def __init__(self, trained: TrainedTranslator, batch_size: int = 64):
        from apps.translation.translator import Translator  # noqa: PLC0415

        super().__init__(trained)
        self._translator = Translator(trained, batch_size=batch_size)

    @property
    def beam(self) -> int:
        """The run's beam width, used when `translate` is given none."""
        return self.trained.config.beam_width

    def translate(
        self, texts: str | Sequence[str], beam: int | None = None, n_best: int | None = None
    ) -> dict | list[dict]:
        """Translates sentences.

        Args:
            texts: a list of sentences, or one sentence.
            beam: beam width, 1 for greedy; None: the run's (`self.beam`).
            n_best: also return the `n_best` best beam hypotheses with their scores
                (`"n_best"`, best first, see `shared.answers`); at most `beam`.

        Returns:
            One `{"translation", "beam"[, "n_best"]}` dict per sentence (a list for a
            list, a dict for a single string).
        """
        beam = self.beam if beam is None else beam
        if isinstance(beam, bool) or not isinstance(beam, int) or not 1 <= beam <= MAX_BEAM_WIDTH:
            raise ValueError(
                f"Expected beam to be a whole number from 1 to {MAX_BEAM_WIDTH}. Received: {beam!r}"
            )
        if n_best is not None and (
            isinstance(n_best, bool) or not isinstance(n_best, int) or not 1 <= n_best <= beam
        ):
            raise ValueError(
                f"Expected n_best to be a whole number from 1 to the beam width ({beam}). "
                f"Received: {n_best!r}"
            )
        batch, single = text_batch(texts, what="sentences")
        if n_best is None:
            translations, _ = self._translator.translate(batch, beam_width=beam)
            answers = [translation_answer(t, beam) for t in translations]
        else:
            hypotheses, _ = self._translator.translate_n_best(batch, n_best, beam)
            answers = [translation_answer(h[0][0] if h else "", beam, h) for h in hypotheses]
        return answers[0] if single else answers

    __call__ = translate

    def __repr__(self) -> str:
        config = self.trained.config
        return (
            f"SentenceTranslator({str(self.run_dir)!r}, "
            f"{config.source_language} -> {config.target_language}, beam={self.beam})"
        )


def load(run_dir: str | Path | None = None, *, batch_size: int = 64) -> SentenceTranslator:
    """Loads a finished translation run.

    Args:
        run_dir: the run folder; None takes the latest finished run under
            `runs/translation` (relative to the working directory), as `translate` does.
        batch_size: sentences per graph call.

    Raises:
        FileNotFoundError: no finished run there (or none at all).
    """
    trained_run = "apps.translation.artifacts:TrainedTranslator"
    trained = load_trained_run("translation", run_dir, trained_run)
    return SentenceTranslator(trained, batch_size=batch_size)
