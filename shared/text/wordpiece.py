"""WordPiece subword tokenisation inside the graph (tensorflow-text), both directions."""

from __future__ import annotations

import collections
from collections.abc import Iterable

import keras
import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib

from shared.ids import END_ID, JOINER, PAD_ID, START_ID, SUBWORD_RESERVED_TOKENS, UNK_TOKEN
from shared.text.normalization import (
    count_words,
    join_punctuation,
    normalize_text,
    split_words,
)
from shared.text.text_to_ids import TextToIdsLayer


@keras.saving.register_keras_serializable(package="rnn_suite")
class SubwordTokenizer(TextToIdsLayer):
    """Raw strings <-> WordPiece ids with `[PAD]=0 [UNK]=1 [START]=2 [END]=3`.

    Text is normalised (`normalize_text`), split into words and punctuation
    (`split_words`), and each word into WordPiece pieces (`##` marks a continuation).
    Unseen characters become `[UNK]`, never an error. `detokenize` inverts it up to
    normalisation and the spacing of punctuation.

    Args:
        vocabulary: all tokens in id order, the four reserved ones first; None until
            `learn_vocabulary` is called.
        lowercase: fold case before tokenising (sources: yes; targets keep their case).
        max_length: ids per text from `call` (longer texts are truncated).
        **kwargs: standard `keras.layers.Layer` arguments.
    """

    LEARN_CALL = "learn_vocabulary(texts, size)"

    def __init__(self, vocabulary=None, lowercase: bool = True, max_length: int = 64, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.lowercase = lowercase
        self._wordpiece = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    def set_vocabulary(self, vocabulary: list[str]) -> None:
        vocabulary = [str(token) for token in vocabulary]
        if tuple(vocabulary[: len(SUBWORD_RESERVED_TOKENS)]) != SUBWORD_RESERVED_TOKENS:
            raise ValueError(
                f"Expected a vocabulary starting with {list(SUBWORD_RESERVED_TOKENS)}. "
                f"Received: {vocabulary[: len(SUBWORD_RESERVED_TOKENS)]}"
            )
        self.vocabulary = vocabulary
        self._wordpiece = tf_text.FastWordpieceTokenizer(
            vocab=vocabulary,
            suffix_indicator=JOINER,
            unknown_token=UNK_TOKEN,
            token_out_type=tf.int32,
            no_pretokenization=True,  # words come from split_words, the project's splitter
            support_detokenization=True,
        )

    @property
    def vocabulary_size(self) -> int:
        self._require_vocabulary()
        return len(self.vocabulary)

    def learn_vocabulary(self, texts: Iterable[str], vocabulary_size: int, batch_size: int = 2048):
        """Learns a WordPiece vocabulary of about `vocabulary_size` tokens from `texts`.

        Uses tensorflow-text's WordPiece learner on the words this tokenizer splits, so the
        vocabulary and the tokenisation can never disagree about word boundaries.
        """
        counts = count_words(texts, self.lowercase, batch_size)
        # FastWordpiece's trie cannot hold a NUL byte; such words stay [UNK] (a stray NUL in
        # a training file must not make the tokenizer unbuildable).
        counts = collections.Counter({w: c for w, c in counts.items() if "\x00" not in w})
        if not counts:
            raise ValueError("Expected texts with at least one word to learn from. Received none.")
        vocabulary = wordpiece_tokenizer_learner_lib.learn(
            sorted(counts.items()),
            vocab_size=vocabulary_size,
            reserved_tokens=list(SUBWORD_RESERVED_TOKENS),
            lower_thresh=1,
            joiner=JOINER,
        )
        self.set_vocabulary(vocabulary)

    def tokenize(self, texts) -> tf.RaggedTensor:
        """Ids `[batch, (pieces)]` for strings `[batch]`, untruncated, no START/END."""
        self._require_vocabulary()
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        words = split_words(normalize_text(texts, self.lowercase))
        return self._wordpiece.tokenize(words).merge_dims(-2, -1)

    def detokenize(self, token_ids) -> tf.Tensor:
        """Strings `[batch]` for ids `[batch, length]`; stops at `[END]`, drops specials."""
        self._require_vocabulary()
        if isinstance(token_ids, tf.RaggedTensor):
            token_ids = token_ids.to_tensor(default_value=PAD_ID)
        token_ids = tf.convert_to_tensor(token_ids)
        token_ids = tf.cast(token_ids, tf.int32)
        # Everything from the first [END] on is not part of the text.
        before_end = tf.math.cumsum(tf.cast(token_ids == END_ID, tf.int32), axis=-1) == 0
        keep = before_end & (token_ids != PAD_ID) & (token_ids != START_ID)
        kept = tf.ragged.boolean_mask(token_ids, keep)
        text = join_punctuation(self._wordpiece.detokenize(kept))
        # A continuation piece with nothing before it is still text, not "##s".
        return tf.strings.regex_replace(text, "^" + JOINER, "")

    def ids_for(self, texts):
        """Ids `[batch, max_length]`, right-padded with 0 and truncated (what `call` returns)."""
        ids = self.tokenize(texts)[:, : self.max_length]
        return ids.to_tensor(default_value=PAD_ID, shape=[None, self.max_length])

    def get_config(self):
        config = super().get_config()
        config.update({"lowercase": self.lowercase})
        return config
