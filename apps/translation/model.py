"""The attention-free seq2seq translator: BiRNN encoder -> bridge -> RNN decoder."""

from __future__ import annotations

import keras

from apps.translation.config import TranslationConfig
from shared.layers import BidirectionalRecurrentEncoder, RecurrentDecoder, StateBridge


def build_translator(
    config: TranslationConfig, source_vocabulary_size: int, target_vocabulary_size: int
) -> keras.Model:
    """The teacher-forced training model `(source_ids, decoder_inputs) -> logits`.

    Inference reuses its layers by name (`encoder`, `bridge`, `decoder`): the encoder's
    final states, mapped by the bridge, are the decoder's only view of the source.
    """
    source_ids = keras.Input(shape=(None,), dtype="int32", name="source_ids")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    _, encoder_states = BidirectionalRecurrentEncoder(
        vocabulary_size=source_vocabulary_size, **config.encoder_arguments(), name="encoder"
    )(source_ids)
    initial_states = StateBridge(
        decoder_units=config.decoder_units,
        decoder_cell=config.cell,
        decoder_num_layers=config.decoder_layers,
        mode=config.bridge,
        name="bridge",
    )(encoder_states)
    logits = RecurrentDecoder(
        vocabulary_size=target_vocabulary_size,
        embedding_dim=config.embedding_dim,
        units=config.decoder_units,
        num_layers=config.decoder_layers,
        cell=config.cell,
        dropout=config.dropout,
        tie_embeddings=config.tie_embeddings,
        name="decoder",
    )(decoder_inputs, initial_states)
    return keras.Model([source_ids, decoder_inputs], logits, name="translator")
