"""A text's words and hashed word pairs, embedded and averaged (fastText-style)."""

from __future__ import annotations

import keras
from keras import ops

from shared.ids import PAD_ID

# Pair ids are `left * PAIR_MULTIPLIER + right` in int32 (TFLite's integer type), then
# taken modulo the bucket count. The multiplier is a prime, so it shares no factor with a
# round bucket count: with `left * vocabulary_size` instead, 20,000 words into 1,000,000
# buckets gave only 50 distinct `left` rows per `right` word, and half of a pair's bucket
# came from other pairs. 46,337 is the largest prime for which no id overflows int32.
PAIR_MULTIPLIER = 46337
MAX_VOCABULARY_SIZE = 46340


@keras.saving.register_keras_serializable(package="rnn_suite")
class HashedBagOfNgrams(keras.layers.Layer):
    """Mean embedding of every word and every adjacent word pair of a padded id sequence.

    The wide half of a wide-and-deep classifier: a bag of unigrams and bigrams sees
    "not good" wherever it sits in a long review, which complements what the recurrent
    encoder's state keeps (Mesnil et al. 2015 ensembled exactly these two views on IMDB).
    Pairs are hashed into `num_buckets` ids, so no pair vocabulary is stored; pairs that
    touch padding are ignored.

    Args:
        vocabulary_size: number of word ids (pad 0 included), at most 46,340.
        num_buckets: hash buckets for word pairs.
        output_dim: embedding size.
        learning_rate_scale: the output is the mean embedding times this, with the table
            initialised this much smaller. Adam moves each weight by about the learning
            rate whatever its gradient, so the branch learns this many times faster than
            the rest of the model: a bag of n-grams wants ~5x the BiLSTM's rate.
        **kwargs: standard `keras.layers.Layer` arguments.

    Call arguments:
        token_ids: int tensor `[batch, length]`, right-padded with 0.

    Returns:
        `[batch, output_dim]`; a row with no words gives zeros.
    """

    def __init__(
        self,
        vocabulary_size: int,
        num_buckets: int,
        output_dim: int,
        learning_rate_scale: float = 1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_buckets % PAIR_MULTIPLIER == 0:
            raise ValueError(
                f"Expected `num_buckets` not divisible by {PAIR_MULTIPLIER} (the pair hash's "
                f"multiplier). Received: num_buckets={num_buckets}"
            )
        if not 2 <= vocabulary_size <= MAX_VOCABULARY_SIZE:
            raise ValueError(
                f"Expected 2 <= `vocabulary_size` <= {MAX_VOCABULARY_SIZE} (word-pair ids "
                f"are int32). Received: vocabulary_size={vocabulary_size}"
            )
        if num_buckets < 1 or output_dim < 1 or learning_rate_scale <= 0:
            raise ValueError(
                "Expected `num_buckets` >= 1, `output_dim` >= 1 and `learning_rate_scale` "
                f"> 0. Received: num_buckets={num_buckets}, output_dim={output_dim}, "
                f"learning_rate_scale={learning_rate_scale}"
            )
        self.vocabulary_size = vocabulary_size
        self.num_buckets = num_buckets
        self.output_dim = output_dim
        self.learning_rate_scale = learning_rate_scale
        limit = 0.05 / learning_rate_scale  # Keras' default uniform(-0.05, 0.05), rescaled
        self.embedding = keras.layers.Embedding(
            vocabulary_size + num_buckets,
            output_dim,
            embeddings_initializer=keras.initializers.RandomUniform(-limit, limit),
            name="ngram_embedding",
        )

    def build(self, token_ids_shape):
        self.embedding.build(token_ids_shape)

    def call(self, token_ids):
        token_ids = ops.cast(token_ids, "int32")
        is_word = token_ids != PAD_ID
        left, right = token_ids[:, :-1], token_ids[:, 1:]
        is_pair = ops.logical_and(is_word[:, :-1], is_word[:, 1:])
        pair_ids = self.vocabulary_size + ops.mod(left * PAIR_MULTIPLIER + right, self.num_buckets)
        ids = ops.concatenate([token_ids, ops.where(is_pair, pair_ids, 0)], axis=1)
        weights = ops.cast(ops.concatenate([is_word, is_pair], axis=1), self.compute_dtype)
        vectors = self.embedding(ids) * ops.expand_dims(weights, -1)
        count = ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1.0)
        return ops.sum(vectors, axis=1) * (self.learning_rate_scale / count)

    def compute_output_shape(self, token_ids_shape):
        return (token_ids_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "num_buckets": self.num_buckets,
                "output_dim": self.output_dim,
                "learning_rate_scale": self.learning_rate_scale,
            }
        )
        return config
