"""A Keras layer that turns raw strings into padded token ids inside the graph."""

from __future__ import annotations

from collections.abc import Iterable

import keras
import tensorflow as tf

from shared.ids import CHARS_PER_TOKEN_CAP, PAD_ID, PAD_TOKEN, UNK_TOKEN, checked_truncation_side
from shared.text.normalization import count_words, normalize_text, split_words
from shared.text.text_to_ids import TextToIdsLayer


@keras.saving.register_keras_serializable(package="rnn_suite")
class WordVectorizer(TextToIdsLayer):
    """Raw UTF-8 strings -> int32 token ids `[batch, max_length]`, right-padded with 0.

    Id 0 is padding, id 1 is `[UNK]` (any word not in the vocabulary), words start at 2.
    The vocabulary is learned with `adapt` from training texts only.

    Args:
        vocabulary: words in id order starting at id 2 (no `[PAD]`/`[UNK]`); None until
            `adapt` is called.
        max_length: number of ids per text; longer texts are truncated, shorter padded.
        max_tokens: cap on the vocabulary size including `[PAD]` and `[UNK]` (for `adapt`).
        min_count: a word must occur this often in the training texts to get an id.
        truncate_from: `"end"` drops the words after `max_length` (keeps the opening),
            `"start"` drops the first words (keeps the ending, often the verdict).
        **kwargs: standard `keras.layers.Layer` arguments.
    """

    LEARN_CALL = "adapt(texts)"

    def __init__(
        self,
        vocabulary: list[str] | None = None,
        max_length: int = 256,
        max_tokens: int = 20000,
        min_count: int = 1,
        truncate_from: str = "end",
        **kwargs,
    ):
        super().__init__(max_length=max_length, **kwargs)
        self.truncate_from = checked_truncation_side(truncate_from)
        if max_length < 1:
            raise ValueError(f"Expected `max_length` >= 1. Received: {max_length}")
        self.max_tokens = max_tokens
        self.min_count = min_count
        self._lookup = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # -- vocabulary -------------------------------------------------------------------
    def set_vocabulary(self, vocabulary: list[str]) -> None:
        """Sets the words (ids 2, 3, ...) and builds the in-graph lookup table."""
        vocabulary = [str(word) for word in vocabulary]
        reserved = {PAD_TOKEN, UNK_TOKEN, ""} & set(vocabulary)
        if reserved:
            raise ValueError(
                "Expected a vocabulary of words only; [PAD], [UNK] and '' are reserved. "
                f"Received: {sorted(reserved)}"
            )
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError("Expected unique words in the vocabulary. Received duplicates.")
        self.vocabulary = vocabulary
        self._lookup = keras.layers.StringLookup(
            vocabulary=vocabulary,
            mask_token="",
            oov_token=UNK_TOKEN,
            num_oov_indices=1,
            output_mode="int",
            name="word_lookup",
        )

    def get_vocabulary(self) -> list[str]:
        """All tokens in id order, `[PAD]` and `[UNK]` included (what phones ship)."""
        self._require_vocabulary()
        return [PAD_TOKEN, UNK_TOKEN, *self.vocabulary]

    @property
    def vocabulary_size(self) -> int:
        return len(self.get_vocabulary())

    def adapt(self, texts: Iterable[str], batch_size: int = 1024) -> None:
        """Learns the vocabulary from training texts: most frequent words first.

        Ties are broken alphabetically so the same texts always give the same ids.
        """
        counts = count_words(texts, lowercase=True, batch_size=batch_size)
        if not counts:
            raise ValueError("Expected at least one word in the texts to adapt on. Received none.")
        frequent = [(w, c) for w, c in counts.items() if c >= self.min_count]
        if not frequent:
            raise ValueError(
                f"Expected at least one word occurring >= min_count={self.min_count} times. "
                f"Received none (most frequent: {counts.most_common(3)}). Lower --min-count."
            )
        frequent.sort(key=lambda item: (-item[1], item[0]))
        self.set_vocabulary([w for w, _ in frequent[: self.max_tokens - 2]])

    # -- tokenisation -----------------------------------------------------------------
    def tokenize(self, texts) -> tf.RaggedTensor:
        """Normalised word tokens `[batch, (n)]`, before truncation to `max_length`."""
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        return split_words(normalize_text(self._cap_characters(texts)))

    def count_tokens(self, texts) -> tf.Tensor:
        """Number of words per text before truncation to `max_length` (to say what was cut).

        Counted after the character cap, so a huge text reports a count that is capped
        but still above `max_length`, which is all the truncation notice needs.
        """
        return tf.cast(self.tokenize(texts).row_lengths(), tf.int32)

    def _cap_characters(self, texts):
        # Cut before any regex runs, so a 100 MB request costs no more than a long review.
        max_chars = self.max_length * CHARS_PER_TOKEN_CAP
        if self.truncate_from == "end":
            return tf.strings.substr(texts, 0, max_chars, unit="UTF8_CHAR")
        texts = tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace")
        length = tf.strings.length(texts, unit="UTF8_CHAR")
        start = tf.maximum(length - max_chars, 0)
        return tf.strings.substr(texts, start, length - start, unit="UTF8_CHAR")

    def vectorize(self, texts, pad_to_max_length: bool = True) -> tf.Tensor:
        """Token ids `[batch, max_length]` (or `[batch, longest]` when not padding to max).

        Training pipelines pass `pad_to_max_length=False` so short batches do not pay for
        padding; exported models always see the fixed shape.
        """
        self._require_vocabulary()
        words = self.tokenize(texts)
        if self.truncate_from == "end":
            words = words[:, : self.max_length]
        else:
            words = words[:, -self.max_length :]
        ids = tf.cast(self._lookup(words), tf.int32)
        shape = [None, self.max_length] if pad_to_max_length else None
        return ids.to_tensor(default_value=PAD_ID, shape=shape)

    def vectorize_whole(self, texts) -> tf.Tensor:
        """Ids of every word `[batch, longest]`: no truncation to `max_length`, no cap.

        For streaming, where each chunk of a text is read whole and the model's state
        carries what came before; a chunk costs what its length costs.
        """
        self._require_vocabulary()
        words = split_words(normalize_text(tf.convert_to_tensor(texts, dtype=tf.string)))
        return tf.cast(self._lookup(words), tf.int32).to_tensor(default_value=PAD_ID)

    def build(self, input_shape=None):
        # The lookup table is the only state and has no weights; building is a no-op
        # beyond marking the sublayer built.
        if self._lookup is not None and not self._lookup.built:
            self._lookup.build(None)
        self.built = True

    def ids_for(self, texts):
        return self.vectorize(texts)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_tokens": self.max_tokens,
                "min_count": self.min_count,
                "truncate_from": self.truncate_from,
            }
        )
        return config


def save_vocabulary(path, vocabulary: list[str]) -> None:
    """Writes one token per line, line N holding id N (the format phones load)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for token in vocabulary:
            f.write(token + "\n")


def load_vocabulary(path) -> list[str]:
    """Reads a file written by `save_vocabulary` (all tokens, specials included)."""
    with open(path, encoding="utf-8") as f:
        tokens = [line.rstrip("\n") for line in f]
    if tokens[:2] != [PAD_TOKEN, UNK_TOKEN]:
        raise ValueError(
            f"{path}: expected a vocabulary starting with {PAD_TOKEN}, {UNK_TOKEN}. "
            f"Received: {tokens[:2]}"
        )
    return tokens


__all__ = ["WordVectorizer", "load_vocabulary", "save_vocabulary"]
