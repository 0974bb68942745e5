"""Translation on the edge: source text -> target text with LiteRT and numpy, never TensorFlow.

Loads an export folder written by `apps.translation.tflite.write_tflite_models`. The
model's `encode` and `decode_step` signatures do the neural work; greedy and beam search
run in numpy (`shared.edge.decoding`, with exactly the semantics of `shared/decoding`), or
in the model's whole-loop `greedy` and `beam_search` signatures, one sentence per call,
when the export has them. An empty source is finished from the start: it translates to an
empty string, as `apps.translation.translator.Translator` does (`shared.decoding.policy`).
The names below are the model's interface; the exporter imports them from here.
"""

from __future__ import annotations

import numpy as np

from shared.edge.decoding import NEG_INF, beam_search, greedy_search, is_empty_source
from shared.edge.runner import ExportRunner
from shared.edge.runtime import LiteModel
from shared.edge.tokenizers import WordPieceTokenizer
from shared.ids import BANNED_IDS, PAD_ID

APP = "translation"
FILE_PATTERN = "translation_{variant}.tflite"
ENCODE, DECODE_STEP = "encode", "decode_step"  # signatures
GREEDY, BEAM_SEARCH = "greedy", "beam_search"  # optional whole-loop signatures
SOURCE_IDS, TOKENS, LOGITS, TARGET_IDS = "source_ids", "tokens", "logits", "target_ids"
# What the runner checks against the model, whatever metadata.json says: one target piece
# per logit, and one source piece per encoder embedding row (the table metadata names).
OUTPUT_SIZE_CHECKS = {"target_vocabulary": (DECODE_STEP, LOGITS)}
TENSOR_SIZE_CHECKS = ("source_vocabulary",)


class EdgeTranslator(ExportRunner):
    """Translates texts with a `.tflite` seq2seq model and its metadata.

    Sources are encoded one at a time (`encode` has batch 1, its LSTM being a `WHILE`
    loop), then all sentences are decoded together through `decode_step`, whose batch is
    dynamic. The model's whole-loop signatures decode one sentence per call instead, when
    the export has one for the beam width asked: `greedy` for width 1, `beam_search` for
    the width it was exported with (metadata's `beam_search_width`). By default (measured
    on the embedded-corpus model, float32, one thread):
    - beam search (width 4) uses `beam_search` for any number of sentences: 2.4-2.9x
      faster than numpy steps for one sentence (1.2 vs 3.2 ms at 8 source tokens, 4.4 vs
      12.4 ms at 48), and still 0.28 vs 0.42 s for 300 sentences one by one against all
      together step by step;
    - greedy uses `greedy` for a single sentence (1.5x faster: 0.62 vs 0.93 ms at 8
      tokens); several sentences decode faster together step by step (300 sentences:
      0.09 s against 0.18 s one by one).

    Args: as `ExportRunner` (the model, and its metadata checked against it).

    Example:
        >>> translator = EdgeTranslator.from_directory("exports/translation")
        >>> translator.translate(["¿Dónde está la estación?"], beam_width=1)
        ['Where is the station?']
    """

    APP, FILE_PATTERN = APP, FILE_PATTERN
    OUTPUT_SIZE_CHECKS, TENSOR_SIZE_CHECKS = OUTPUT_SIZE_CHECKS, TENSOR_SIZE_CHECKS

    def __init__(self, model: LiteModel, metadata: dict):
        super().__init__(model, metadata)
        self.source_tokenizer = WordPieceTokenizer(
            metadata["source_vocabulary"],
            lowercase=metadata["source_lowercase"],
            max_length=metadata["max_source_length"],
        )
        self.target_tokenizer = WordPieceTokenizer(
            metadata["target_vocabulary"],
            lowercase=metadata["target_lowercase"],
            max_length=metadata["max_target_length"],
        )
        self.state_names = list(metadata["state_names"])
        self.max_target_length = int(metadata["max_target_length"])
        self.beam_width = int(metadata["beam_width"])
        self.length_penalty = float(metadata["length_penalty"])
        self.banned_ids = tuple(metadata.get("banned_ids", BANNED_IDS))
        self.has_greedy_signature = GREEDY in self.signatures
        # The width the `beam_search` signature decodes at; None: no such signature.
        self.beam_search_width = (
            int(metadata["beam_search_width"])
            if BEAM_SEARCH in self.signatures and metadata.get("beam_search_width")
            else None
        )

    def source_ids(self, text: str) -> np.ndarray:
        """int32 `[1, length]`: the text's pieces, cut to `max_source_length`, at least one
        (an empty text is one `[PAD]`, fully masked, as the TF translator's padding column)."""
        ids = self.source_tokenizer.encode_truncated(text) or [PAD_ID]
        return np.asarray([ids], dtype=np.int32)

    def encode(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The decoder's initial states: name -> float32 `[len(texts), units]`."""
        return self.encode_ids([self.source_ids(t) for t in texts])

    def encode_ids(self, sources: list[np.ndarray]) -> dict[str, np.ndarray]:
        """`encode` for `source_ids` arrays `[1, length]`, one model call each."""
        rows = [self.model.run(ENCODE, **{SOURCE_IDS: ids}) for ids in sources]
        return {name: np.concatenate([row[name] for row in rows]) for name in self.state_names}

    def step(self, tokens: np.ndarray, states: dict) -> tuple[np.ndarray, dict]:
        """One decoder step for `n` sequences: `(logits [n, vocab], new states)`."""
        outputs = self.model.run(DECODE_STEP, **{TOKENS: tokens}, **states)
        return outputs[LOGITS], {name: outputs[name] for name in self.state_names}

    def loop_signature(self, beam_width: int) -> str | None:
        """The whole-loop signature decoding at `beam_width` (None: the model has none)."""
        if beam_width == 1:
            return GREEDY if self.has_greedy_signature else None
        return BEAM_SEARCH if beam_width == self.beam_search_width else None

    def translate_ids(
        self,
        texts: list[str],
        beam_width: int | None = None,
        use_loop_signature: bool | None = None,
    ) -> np.ndarray:
        """Target ids int32 `[len(texts), max_target_length]` (`[END]`, then `[PAD]`).

        Args: as `translate`.
        """
        beam_width = beam_width or self.beam_width
        if beam_width < 1:
            raise ValueError(f"Expected beam_width >= 1. Received: {beam_width}")
        if not texts:
            return np.zeros((0, self.max_target_length), np.int32)
        if use_loop_signature is None:  # the faster (see the class docstring)
            use_loop_signature = beam_width > 1 or len(texts) == 1
        sources, finished = self._sources(texts)
        signature = self.loop_signature(beam_width) if use_loop_signature else None
        if signature is not None:
            empty = np.full((1, self.max_target_length), PAD_ID, np.int32)
            return np.concatenate(
                [
                    empty if done else self.model.run(signature, **{SOURCE_IDS: ids})[TARGET_IDS]
                    for ids, done in zip(sources, finished, strict=True)
                ]
            )
        if beam_width == 1:
            states = self.encode_ids(sources)
            return greedy_search(
                self.step, states, len(texts), self.max_target_length, self.banned_ids, finished
            )
        ids, _ = self._beam_search(sources, finished, beam_width)
        return ids

    def _sources(self, texts: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
        """`source_ids` per text, and which are empty: those are finished before they
        start (an empty translation, as in TF)."""
        sources = [self.source_ids(t) for t in texts]
        return sources, np.array([bool(is_empty_source(ids)[0]) for ids in sources])

    def _beam_search(
        self, sources: list[np.ndarray], finished: np.ndarray, beam_width: int, n_best=None
    ):
        """`beam_search` of `sources` step by step in numpy, as the export's settings say."""
        return beam_search(
            self.step,
            self.encode_ids(sources),
            len(sources),
            self.max_target_length,
            beam_width,
            self.length_penalty,
            self.banned_ids,
            finished,
            n_best=n_best,
        )

    def translate_n_best(
        self, texts: list[str], n_best: int, beam_width: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """The `n_best` best translations of each text with their scores, best first.

        Always decodes step by step in numpy (the whole-loop signatures return only the
        best beam); the first hypothesis is `translate`'s answer, scores are the
        length-normalised log-probabilities, as `Translator.translate_n_best` gives.
        """
        beam_width = beam_width or self.beam_width
        if not 1 <= n_best <= beam_width:
            raise ValueError(
                f"Expected n_best between 1 and the beam width ({beam_width}). "
                f"Received: n_best={n_best}; raise the beam width or ask for fewer."
            )
        if not texts:
            return []
        ids, scores = self._beam_search(*self._sources(texts), beam_width, n_best)
        return [
            [
                (self.target_tokenizer.decode(row), float(score))
                for row, score in zip(rows, row_scores, strict=True)
                if score > NEG_INF / 2  # beams that never left the start (empty source)
            ]
            for rows, row_scores in zip(ids, scores, strict=True)
        ]

    def translate(
        self,
        texts: list[str],
        beam_width: int | None = None,
        use_loop_signature: bool | None = None,
    ) -> list[str]:
        """Translations of `texts`.

        Args:
            texts: source sentences.
            beam_width: 1 for greedy; defaults to the exported run's `beam_width`.
            use_loop_signature: True runs the model's whole-loop signature for this
                width (`greedy` for 1, `beam_search` for the exported width) once per
                sentence, when the export has it; False decodes all sentences together
                step by step in numpy; None (default) picks the faster: the signature
                for beam search, and for greedy decoding of one sentence. Both give the
                same ids.
        """
        ids = self.translate_ids(texts, beam_width, use_loop_signature)
        return [self.target_tokenizer.decode(row) for row in ids]
