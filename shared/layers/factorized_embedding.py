"""An embedding stored as two low-rank factors, and the BiRNN encoder that uses one."""

from __future__ import annotations

import keras
from keras import ops

from shared.layers.bidirectional_encoder import BidirectionalRecurrentEncoder


@keras.saving.register_keras_serializable(package="rnn_suite")
class FactorizedEmbedding(keras.layers.Layer):
    """`ids -> [vocabulary, rank] table -> dense rank -> output_dim` (no bias).

    A `[vocabulary, output_dim]` table of rank `rank` at a fraction of the size: phone
    models of real-data runs keep the encoder's input width with 20,000 x 32 + 32 x 128
    weights instead of 20,000 x 128 (`shared.export.tflite.compression.low_rank_factors`
    gives the factors of a trained table). Both halves are TFLite builtins (`GATHER`,
    `FULLY_CONNECTED`).

    Args:
        input_dim: number of ids (pad 0 included).
        output_dim: width of the vectors returned.
        rank: width of the stored table.
        **kwargs: standard `keras.layers.Layer` arguments.

    Call arguments:
        ids: int tensor of any shape.

    Returns:
        `ids.shape + (output_dim,)`.
    """

    def __init__(self, input_dim: int, output_dim: int, rank: int, **kwargs):
        super().__init__(**kwargs)
        if not 1 <= rank <= output_dim:
            raise ValueError(
                f"Expected 1 <= `rank` <= `output_dim`. Received: rank={rank}, "
                f"output_dim={output_dim}"
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.rank = rank
        self.factors = keras.layers.Embedding(input_dim, rank, name="factors")
        self.projection = keras.layers.Dense(output_dim, use_bias=False, name="projection")

    def build(self, ids_shape):
        self.factors.build(ids_shape)
        self.projection.build(tuple(ids_shape) + (self.rank,))

    def call(self, ids):
        return self.projection(self.factors(ids))

    @property
    def embeddings(self):
        """The full `[input_dim, output_dim]` table the factors stand for."""
        return ops.matmul(self.factors.embeddings, self.projection.kernel)

    def compute_output_shape(self, ids_shape):
        return tuple(ids_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"input_dim": self.input_dim, "output_dim": self.output_dim, "rank": self.rank}
        )
        return config


@keras.saving.register_keras_serializable(package="rnn_suite")
class FactorizedBidirectionalEncoder(BidirectionalRecurrentEncoder):
    """`BidirectionalRecurrentEncoder` whose token embedding is a `FactorizedEmbedding`.

    Same sub-layer names, so the recurrent layers' weights copy over by name, and the
    same call: the phone export's fused LSTM path (`encoder.embedding(ids)`) runs as is.

    Args:
        vocabulary_size: number of token ids, including pad (0) and unknown.
        embedding_rank: width of the stored table (`FactorizedEmbedding`'s `rank`).
        **kwargs: `BidirectionalRecurrentEncoder`'s settings.
    """

    CONFIG_ARGUMENTS = (*BidirectionalRecurrentEncoder.CONFIG_ARGUMENTS, "embedding_rank")

    def __init__(self, vocabulary_size: int, embedding_rank: int, **kwargs):
        super().__init__(vocabulary_size, **kwargs)
        self.embedding_rank = embedding_rank
        trainable = self.embedding.trainable
        del self.embedding  # untracked, so its (unbuilt) table is not a weight
        self.embedding = FactorizedEmbedding(
            vocabulary_size,
            self.embedding_dim,
            embedding_rank,
            trainable=trainable,
            name="token_embedding",
        )
