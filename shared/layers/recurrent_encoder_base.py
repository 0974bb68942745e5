"""The token embedding and its whole-token dropout, as every encoder builds them."""

from __future__ import annotations

import keras


def make_token_embedding(
    vocabulary_size: int, embedding_dim: int, trainable: bool = True
) -> keras.layers.Embedding:
    """An embedding named `token_embedding` (warm starts and word vectors find it by name).

    `mask_zero=True` keeps the masking policy visible on the layer, though the encoders
    pass their padding mask explicitly.
    """
    return keras.layers.Embedding(
        vocabulary_size,
        embedding_dim,
        mask_zero=True,
        trainable=trainable,
        name="token_embedding",
    )


def make_token_dropout(rate: float) -> keras.layers.Dropout:
    """Dropout of whole token vectors: a stronger regulariser for text than single values."""
    return keras.layers.Dropout(rate, noise_shape=(None, None, 1), name="embedding_dropout")
