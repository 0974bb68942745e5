"""Raw source strings -> translated strings, entirely in TensorFlow graphs."""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from shared.decoding.logits import NEG_INF
from shared.decoding.policy import decode
from shared.ids import PAD_ID


class Translator:
    """Greedy or beam-search translation through traced `tf.function`s (never eager).

    Args:
        trained: a loaded run (model and tokenizers).
        batch_size: sentences per graph call.
    """

    def __init__(self, trained: TrainedTranslator, batch_size: int = 64):
        self.trained = trained
        self.batch_size = batch_size
        self.encoder = trained.model.get_layer("encoder")
        self.bridge = trained.model.get_layer("bridge")
        self.decoder = trained.model.get_layer("decoder")

    def source_ids(self, texts):
        """Source strings -> `(ids [n, <= max_source_length], untruncated piece counts)`."""
        pieces = self.trained.source_tokenizer.tokenize(texts)
        ids = pieces[:, : self.trained.config.max_source_length].to_tensor(default_value=PAD_ID)
        return ids, tf.cast(pieces.row_lengths(), tf.int32)

    def encode_ids(self, ids):
        """Source ids `[n, length]` -> the decoder's initial states."""
        _, states = self.encoder(ids, training=False)
        return self.bridge(states)

    def step(self, tokens, states):
        return self.decoder.step(tokens, states)

    def decode_ids(self, ids, beam_width: int):
        """Source ids `[n, length]` -> target ids `[n, max_target_length]` (graph code).

        Decodes as `shared.decoding.policy` says (an empty source gives an empty target).
        Static shapes throughout, so it compiles with XLA (the serving export does).
        """
        return self._decode(ids, beam_width)

    def decode_n_best(self, ids, beam_width: int, n_best: int):
        """Source ids `[n, length]` -> the `n_best` best beams (graph code).

        Returns:
            `(target_ids [n, n_best, max_target_length], scores [n, n_best])`, best first;
            hypothesis 0 is what `decode_ids(ids, beam_width)` returns. Scores are the
            length-normalised log-probabilities beam search ranks by.
        """
        return self._decode(ids, beam_width, n_best)

    def _decode(self, ids, beam_width: int, n_best: int | None = None):
        config = self.trained.config
        # One padding column keeps an all-empty batch at length >= 1; masking ignores it.
        ids = tf.pad(ids, [[0, 0], [0, 1]], constant_values=PAD_ID)
        return decode(
            self.step,
            self.encode_ids(ids),
            ids,
            config.max_target_length,
            beam_width,
            config.length_penalty,
            n_best,
        )

    @functools.cache  # noqa: B019  (one traced graph per setting, for the object's life)
    def _n_best_graph(self, beam_width: int, n_best: int):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def translate_batch(texts):
            ids, source_lengths = self.source_ids(texts)
            target_ids, scores = self.decode_n_best(ids, beam_width, n_best)
            length = tf.shape(target_ids)[-1]
            texts = self.trained.target_tokenizer.detokenize(tf.reshape(target_ids, [-1, length]))
            return tf.reshape(texts, tf.shape(scores)), scores, source_lengths

        return translate_batch

    def translate_n_best(self, texts: list[str], n_best: int, beam_width: int | None = None):
        """The `n_best` best translations of each text with their scores, best first.

        Args:
            texts: source sentences.
            n_best: hypotheses per sentence, at most `beam_width`.
            beam_width: defaults to the run's `beam_width`.

        Returns:
            `(hypotheses, source_token_counts)`: per text a list of `(translation,
            score)`, the first being `translate`'s answer at this beam width. A
            hypothesis the search could not fill (an empty source has only one) is
            left out.
        """
        beam_width = beam_width or self.trained.config.beam_width
        if not 1 <= n_best <= beam_width:
            raise ValueError(
                f"Expected n_best between 1 and the beam width ({beam_width}). "
                f"Received: n_best={n_best}; raise the beam width or ask for fewer."
            )
        graph = self._n_best_graph(beam_width, n_best)
        results, counts = [], []
        for start in range(0, len(texts), self.batch_size):
            translated, scores, lengths = graph(tf.constant(texts[start : start + self.batch_size]))
            counts.append(lengths.numpy())
            for row, row_scores in zip(translated.numpy(), scores.numpy(), strict=True):
                results.append(
                    [
                        (text.decode("utf-8"), float(score))
                        for text, score in zip(row, row_scores, strict=True)
                        # Beams that never left the -1e9 start (e.g. of an empty source).
                        if score > NEG_INF / 2
                    ]
                )
        return results, (np.concatenate(counts) if counts else np.zeros(0, np.int32))

    @functools.cache  # noqa: B019  (one traced graph per beam width, for the object's life)
    def _graph(self, beam_width: int):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def translate_batch(texts):
            ids, source_lengths = self.source_ids(texts)
            target_ids = self.decode_ids(ids, beam_width)
            return self.trained.target_tokenizer.detokenize(target_ids), source_lengths

        return translate_batch

    def translate(self, texts: list[str], beam_width: int | None = None, progress=None):
        """Returns `(translations, source_token_counts)` for `texts`.

        Args:
            texts: source sentences.
            beam_width: 1 for greedy; defaults to the run's `beam_width`.
            progress: optional `shared.progress.ProgressLine`, advanced per batch.
        """
        graph = self._graph(beam_width or self.trained.config.beam_width)
        outputs, counts = [], []
        for start in range(0, len(texts), self.batch_size):
            translated, lengths = graph(tf.constant(texts[start : start + self.batch_size]))
            outputs += [t.decode("utf-8") for t in translated.numpy()]
            counts.append(lengths.numpy())
            if progress is not None:
                progress.advance(len(lengths))
        return outputs, (np.concatenate(counts) if counts else np.zeros(0, np.int32))
