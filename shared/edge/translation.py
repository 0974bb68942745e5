"""Translation on the edge: source text -> target text with LiteRT and numpy, never TensorFlow.

Loads an export folder written by `apps.translation.tflite.write_tflite_models`. The
model's `encode` and `decode_step` signatures do the neural work; greedy and beam search
run here in numpy (or in the model's whole-loop `greedy` and `beam_search` signatures, one
sentence per call, when the export has them) with exactly the semantics of
`shared/decoding` (same banned ids, GNMT length penalty, finished beams extending with
padding at no cost, only the first beam live at the start, ties broken towards the lower
index as `tf.math.top_k` does, and an empty source finished from the start: it translates
to an empty string, as `apps.translation.translator.Translator` does). The names below
are the model's interface; the exporter imports them from here.
"""

from __future__ import annotations

import numpy as np

from shared.edge.runner import ExportRunner
from shared.edge.runtime import LiteModel
from shared.edge.tokenizers import WordPieceTokenizer
from shared.ids import BANNED_IDS, END_ID, PAD_ID, START_ID

APP = "translation"
FILE_PATTERN = "translation_{variant}.tflite"
ENCODE, DECODE_STEP = "encode", "decode_step"  # signatures
GREEDY, BEAM_SEARCH = "greedy", "beam_search"  # optional whole-loop signatures
SOURCE_IDS, TOKENS, LOGITS, TARGET_IDS = "source_ids", "tokens", "logits", "target_ids"
NEG_INF = np.float32(-1e9)  # shared/decoding/logits.py
# What the runner checks against the model, whatever metadata.json says: one target piece
# per logit, and one source piece per encoder embedding row (the table metadata names).
OUTPUT_SIZE_CHECKS = {"target_vocabulary": (DECODE_STEP, LOGITS)}
TENSOR_SIZE_CHECKS = ("source_vocabulary",)


def ban_tokens(logits: np.ndarray, banned_ids) -> np.ndarray:
    """`logits [n, vocab]` with `banned_ids` pushed to -1e9, as `shared.decoding` does."""
    logits = np.array(logits, dtype=np.float32)
    if banned_ids:
        logits[:, list(banned_ids)] += NEG_INF
    return logits


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """float32 log-softmax over the last axis (the max-shifted form TensorFlow computes)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def length_penalty(lengths: np.ndarray, alpha: float) -> np.ndarray:
    """GNMT's `((5 + length) / 6) ** alpha` in float32."""
    base = (np.float32(5.0) + lengths.astype(np.float32)) / np.float32(6.0)
    return np.power(base, np.float32(alpha)).astype(np.float32)


def top_k_indices(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` largest entries per row, largest first; among equal values the
    lower index first (what `tf.math.top_k` returns)."""
    return np.argsort(-values, axis=-1, kind="stable")[:, :k]


def greedy_search(step_fn, states: dict, batch: int, max_length: int, banned_ids=(), finished=None):
    """`shared.decoding.greedy_decode` in numpy.

    Args:
        step_fn: `(tokens int32 [n], states) -> (logits [n, vocab], states)`.
        states: name -> `[batch, units]` initial states.
        batch: number of sequences.
        max_length: most tokens generated, `[END]` included.
        banned_ids: ids never generated.
        finished: optional bool `[batch]`: sequences with nothing to decode (an empty
            source); they yield only `[PAD]` and never keep the loop running.

    Returns:
        int32 `[batch, max_length]`; `[END]` kept, `[PAD]` after it.
    """
    tokens = np.full(batch, START_ID, np.int32)
    finished = _initially_finished(finished, batch)
    outputs = np.full((batch, max_length), PAD_ID, np.int32)
    for t in range(max_length):
        if finished.all():
            break
        logits, states = step_fn(tokens, states)
        next_tokens = np.argmax(ban_tokens(logits, banned_ids), axis=-1).astype(np.int32)
        next_tokens = np.where(finished, PAD_ID, next_tokens).astype(np.int32)
        outputs[:, t] = next_tokens
        finished |= next_tokens == END_ID
        tokens = next_tokens
    return outputs


def beam_search(
    step_fn,
    states: dict,
    batch: int,
    max_length: int,
    beam_width: int,
    alpha: float,
    banned_ids=(),
    finished=None,
    observe=None,
    n_best: int | None = None,
):
    """`shared.decoding.beam_search_decode` in numpy, float32 throughout.

    Args:
        step_fn: `(tokens int32 [n], states) -> (logits [n, vocab], states)`, called with
            `n = batch * beam_width`, the beams of one sequence adjacent.
        states: name -> `[batch, units]` initial states.
        batch: number of sequences.
        max_length: most tokens generated, `[END]` included.
        beam_width: hypotheses kept per sequence.
        alpha: GNMT length-penalty exponent.
        banned_ids: ids never generated.
        finished: optional bool `[batch]`: sequences with nothing to decode (an empty
            source); they yield only `[PAD]` (score 0) and never keep the loop running.
        observe: optional `(values, kept) -> None`, shown every choice the search makes:
            at each step the scores `[batch, beam_width * vocab]` of which the best
            `kept = beam_width` are kept, and at the end the beams' final scores
            `[batch, beam_width]` of which the best (`kept = 1`) is returned. (The export
            uses it to tell near ties from real differences.)
        n_best: return this many final beams per sequence, best first (on a tie the
            lower beam first, as `shared.decoding.beam_search_decode`); at most
            `beam_width`.

    Returns:
        `(ids int32 [batch, max_length], scores float32 [batch])`; with `n_best`,
        `(ids [batch, n_best, max_length], scores [batch, n_best])`.
    """
    if n_best is not None and not 1 <= n_best <= beam_width:
        raise ValueError(
            f"Expected n_best between 1 and the beam width ({beam_width}). "
            f"Received: n_best={n_best}"
        )
    k = beam_width
    states = {name: np.repeat(value, k, axis=0) for name, value in states.items()}
    tokens = np.full(batch * k, START_ID, np.int32)
    # Only the first beam is live at the start, else k copies of one hypothesis compete.
    log_probs = np.full((batch, k), NEG_INF, np.float32)
    log_probs[:, 0] = 0.0
    finished = np.repeat(_initially_finished(finished, batch)[:, None], k, axis=1)
    lengths = np.zeros((batch, k), np.int32)
    sequences = np.full((batch, k, max_length), PAD_ID, np.int32)
    rows = np.arange(batch)[:, None]
    for t in range(max_length):
        if finished.all():
            break
        logits, states = step_fn(tokens, states)
        logits = ban_tokens(logits, banned_ids)
        vocab = logits.shape[-1]
        step_log_probs = log_softmax(logits).reshape(batch, k, vocab)
        # A finished beam may only append padding, at no cost.
        pad_only = np.full(vocab, NEG_INF, np.float32)
        pad_only[PAD_ID] = 0.0
        step_log_probs = np.where(finished[:, :, None], pad_only, step_log_probs)
        totals = log_probs[:, :, None] + step_log_probs
        new_lengths = lengths + (~finished).astype(np.int32)
        ranked = totals / length_penalty(new_lengths, alpha)[:, :, None]

        if observe is not None:
            observe(ranked.reshape(batch, k * vocab), k)
        best = top_k_indices(ranked.reshape(batch, k * vocab), k)
        parents, next_tokens = best // vocab, (best % vocab).astype(np.int32)
        log_probs = np.take_along_axis(totals.reshape(batch, k * vocab), best, axis=1)
        lengths = np.take_along_axis(new_lengths, parents, axis=1)
        finished = np.take_along_axis(finished, parents, axis=1) | (next_tokens == END_ID)
        sequences = sequences[rows, parents]
        sequences[:, :, t] = next_tokens
        flat_parents = (parents + rows * k).reshape(-1)
        states = {name: value[flat_parents] for name, value in states.items()}
        tokens = next_tokens.reshape(-1)
    scores = log_probs / length_penalty(lengths, alpha)
    if observe is not None:
        observe(scores, 1)
    if n_best is not None:
        order = top_k_indices(scores, n_best)
        return sequences[rows, order], np.take_along_axis(scores, order, axis=1)
    best_beam = np.argmax(scores, axis=-1)
    return sequences[np.arange(batch), best_beam], scores[np.arange(batch), best_beam]


def _initially_finished(finished, batch: int) -> np.ndarray:
    if finished is None:
        return np.zeros(batch, bool)
    finished = np.array(finished, dtype=bool).reshape(-1)
    if finished.shape != (batch,):
        raise ValueError(f"Expected `finished` of shape ({batch},). Received: {finished.shape}")
    return finished


def is_empty_source(source_ids: np.ndarray) -> np.ndarray:
    """bool `[batch]`: rows of source ids that are all `[PAD]` (an empty source)."""
    return np.all(np.asarray(source_ids) == PAD_ID, axis=-1)


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
