"""The sentiment classifier: token ids -> class probabilities."""

from __future__ import annotations

import keras

from apps.sentiment.config import PretrainingConfig, SentimentConfig
from shared.layers import (
    BidirectionalRecurrentEncoder,
    HashedBagOfNgrams,
    MaskedSequencePooling,
    PaddingMask,
    RecurrentDecoder,
    StateBridge,
    StreamingRecurrentEncoder,
)


def _encoder(config: SentimentConfig | PretrainingConfig, vocabulary_size: int):
    """The shared encoder, named `encoder` in both models: warm starts copy it by name."""
    return BidirectionalRecurrentEncoder(
        vocabulary_size=vocabulary_size,
        **config.encoder_arguments(),
        embedding_dropout=config.embedding_dropout,
        name="encoder",
    )


def _streaming_encoder(config: SentimentConfig, vocabulary_size: int):
    """The forward-only encoder of stream-capable classifiers, pooling included."""
    return StreamingRecurrentEncoder(
        vocabulary_size=vocabulary_size,
        **config.encoder_arguments(),
        pooling=config.pooling,
        embedding_dropout=config.embedding_dropout,
        name="encoder",
    )


def build_classifier(
    config: SentimentConfig, vocabulary_size: int, num_classes: int
) -> keras.Model:
    """Embedding -> stacked BiRNN (shared encoder) -> pooling -> dropout -> softmax.

    With `ngram_dim > 0`, a hashed bag of words and word pairs is concatenated to the
    pooled features before the dropout (wide and deep). With `streaming`, the encoder is
    a `StreamingRecurrentEncoder` (forward only, pooling inside, no bag of n-grams), so
    `apps.sentiment.streaming` can run the same weights chunk by chunk.

    Args:
        config: model settings (`cell`, `encoder_units`, `pooling`, ...).
        vocabulary_size: ids the vectorizer produces, `[PAD]` and `[UNK]` included.
        num_classes: number of labels; binary tasks use 2 so every app sees
            `probabilities [batch, classes]`.

    Returns:
        An uncompiled functional model taking int32 ids `[batch, length]`.
    """
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    if config.streaming:
        features, _ = _streaming_encoder(config, vocabulary_size)(token_ids)
    else:
        features = _bidirectional_features(config, vocabulary_size, token_ids)
    if config.ngram_dim:
        bag = HashedBagOfNgrams(
            vocabulary_size,
            config.ngram_buckets,
            config.ngram_dim,
            learning_rate_scale=config.ngram_learning_rate_scale,
            name="bag_of_ngrams",
        )(token_ids)
        features = keras.layers.Concatenate(name="wide_and_deep")([features, bag])
    features = keras.layers.Dropout(config.head_dropout, name="head_dropout")(features)
    probabilities = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(
        features
    )
    return keras.Model(token_ids, probabilities, name="sentiment_classifier")


def _bidirectional_features(config: SentimentConfig, vocabulary_size: int, token_ids):
    """The shared BiRNN encoder's outputs pooled (or its final states) into one vector."""
    sequence, states = _encoder(config, vocabulary_size)(token_ids)
    if config.pooling == "final_state":
        forward, backward = states[-1]
        return keras.layers.Concatenate(name="final_hidden_states")([forward[0], backward[0]])
    padding_mask = PaddingMask(name="padding_mask")(token_ids)
    return MaskedSequencePooling(config.pooling, name="pooling")(sequence, padding_mask)


def build_sequence_autoencoder(config: PretrainingConfig, vocabulary_size: int) -> keras.Model:
    """The classifier's encoder -> bridge -> teacher-forced decoder (Dai & Le 2015).

    `(token_ids, decoder_inputs) -> logits` over the `decoder_vocabulary` most frequent
    ids plus `[START]` (id `decoder_vocabulary`). The decoder sees the text only through
    the encoder's final states, so reconstructing it trains the encoder to summarise.
    """
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    _, states = _encoder(config, vocabulary_size)(token_ids)
    decoder_units = 2 * config.encoder_units  # both directions' states, copied by the bridge
    initial_states = StateBridge(
        decoder_units=decoder_units,
        decoder_cell=config.cell,
        decoder_num_layers=1,
        mode="auto",
        name="bridge",
    )(states)
    logits = RecurrentDecoder(
        vocabulary_size=config.decoder_vocabulary + 1,
        embedding_dim=config.embedding_dim,
        units=decoder_units,
        cell=config.cell,
        dropout=config.dropout,
        name="decoder",
    )(decoder_inputs, initial_states)
    return keras.Model([token_ids, decoder_inputs], logits, name="sequence_autoencoder")
