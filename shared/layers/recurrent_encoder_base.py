"""What every token encoder shares: the embedding, its dropout and a stack's settings."""

from __future__ import annotations

import keras

from shared.layers.recurrent import check_cell, make_recurrent_layer


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


class RecurrentEncoderBase(keras.layers.Layer):
    """Embedding -> whole-token dropout -> a stack of recurrent layers, set up once.

    `BidirectionalRecurrentEncoder` and `StreamingRecurrentEncoder` differ in how they
    run the stack, not in what it is: the settings, their checks, the sub-layers' names
    (so weights and warm starts find them) and the config live here.

    Args:
        vocabulary_size: number of token ids, including pad (0) and unknown.
        embedding_dim: size of the token embeddings.
        units: hidden size of each recurrent layer (of each direction, if bidirectional).
        num_layers: how many recurrent layers are stacked.
        cell: one of `shared.ids.CELL_TYPES` (`"lstm"` by default).
        dropout: dropout rate on the inputs of every recurrent layer.
        recurrent_dropout: dropout rate on the recurrent state (slower; 0 by default).
        embedding_dropout: dropout rate on the embeddings (whole-token vectors).
        embedding_trainable: False freezes the embedding (pretrained word vectors kept
            as they are); saved in the config, so a reloaded model stays frozen.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    # Every constructor argument, as `get_config` returns it; subclasses add their own.
    CONFIG_ARGUMENTS = (
        "vocabulary_size",
        "embedding_dim",
        "units",
        "num_layers",
        "cell",
        "dropout",
        "recurrent_dropout",
        "embedding_dropout",
        "embedding_trainable",
    )

    def __init__(
        self,
        vocabulary_size: int,
        embedding_dim: int = 128,
        units: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        embedding_dropout: float = 0.0,
        embedding_trainable: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if vocabulary_size < 2:
            raise ValueError(
                "Expected `vocabulary_size` >= 2 (pad id 0 and at least one token). "
                f"Received: vocabulary_size={vocabulary_size}"
            )
        if num_layers < 1:
            raise ValueError(f"Expected `num_layers` >= 1. Received: num_layers={num_layers}")
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.units = units
        self.num_layers = num_layers
        self.cell = check_cell(cell)
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.embedding_dropout = embedding_dropout
        self.embedding = make_token_embedding(vocabulary_size, embedding_dim, embedding_trainable)
        self.embedding_dropout_layer = make_token_dropout(embedding_dropout)

    def make_recurrent_layer(self, index: int) -> keras.layers.Layer:
        """Layer `index` of the stack: sequences and states out, named `<cell>_<index>`."""
        return make_recurrent_layer(
            self.cell,
            self.units,
            return_sequences=True,
            return_state=True,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            name=f"{self.cell}_{index}",
        )

    @property
    def embedding_trainable(self) -> bool:
        """Whether the embedding learns; the sub-layer's flag, so setting either is one."""
        return self.embedding.trainable

    @embedding_trainable.setter
    def embedding_trainable(self, value: bool) -> None:
        self.embedding.trainable = value

    def build_stack(self, token_ids_shape, layer_output_dim: int) -> None:
        """Builds the embedding and `self.recurrent_layers` (each `layer_output_dim` wide)."""
        self.embedding.build(token_ids_shape)
        feature_shape = tuple(token_ids_shape) + (self.embedding_dim,)
        for layer in self.recurrent_layers:
            layer.build(feature_shape)
            feature_shape = tuple(token_ids_shape) + (layer_output_dim,)

    def embed(self, token_ids, training=None):
        """Token vectors `[batch, length, embedding_dim]`, whole tokens dropped in training."""
        return self.embedding_dropout_layer(self.embedding(token_ids), training=training)

    def get_config(self):
        config = super().get_config()
        config.update({name: getattr(self, name) for name in self.CONFIG_ARGUMENTS})
        return config
