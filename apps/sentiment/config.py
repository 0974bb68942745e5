"""Sentiment settings: the shared training settings plus the model's own."""

from __future__ import annotations

import dataclasses

from shared.training.config import EncoderSettings, TrainingConfig, field

POOLING = ("final_state", "mean", "max", "mean_max")


# Named `units` and `num_layers` before both apps shared the encoder's settings.
RENAMED_ENCODER_SETTINGS = {"units": "encoder_units", "num_layers": "encoder_layers"}


@dataclasses.dataclass(frozen=True)
class SentimentConfig(EncoderSettings, TrainingConfig):
    """Everything that decides a sentiment model; saved as `config.json` in each run."""

    RENAMED_SETTINGS = RENAMED_ENCODER_SETTINGS

    max_length: int = field(200, "Tokens per text; longer texts are truncated.")
    truncate_from: str = field(
        "end",
        "Which side of a long text to drop: end (keep the opening) or start (keep the ending).",
        choices=("end", "start"),
    )
    max_tokens: int = field(20000, "Vocabulary size cap, [PAD] and [UNK] included.")
    min_count: int = field(2, "Minimum occurrences in the training texts for a word to get an id.")
    embedding_dim: int = field(128, "Size of the word embeddings.")
    embedding_dropout: float = field(0.1, "Dropout of whole word vectors.")
    pooling: str = field(
        "mean_max",
        "How the BiLSTM outputs become one vector: final_state, mean, max, mean_max.",
        choices=POOLING,
    )
    head_dropout: float = field(0.3, "Dropout before the classification layer.")
    ngram_dim: int = field(
        0,
        "Size of a hashed bag-of-words-and-word-pairs embedding concatenated to the pooled "
        "BiLSTM features (wide and deep); 0 disables it.",
    )
    ngram_buckets: int = field(100000, "Hash buckets for word pairs (with ngram_dim > 0).")
    ngram_learning_rate_scale: float = field(
        5.0, "How many times faster than the BiLSTM the bag of n-grams learns (Adam)."
    )
    streaming: bool = field(
        False,
        "Build a stream-capable classifier (predict --stream, the SavedModel `stream` "
        "signature): a forward-only encoder whose state and pooling carry across chunks. "
        "It has no backward direction and no bag of n-grams (a preset's is dropped).",
    )
    document_window: int = field(
        0,
        "With --streaming: train on whole texts (no max_length cut), each read as windows of "
        "this many words with the state carried from window to window and reset between "
        "texts (truncated BPTT); batch_size texts are read side by side. 0: texts cut to "
        "max_length.",
    )
    adversarial_epsilon: float = field(
        0.0,
        "Adversarial training on the word embeddings (Miyato et al. 2017): each step also "
        "trains on the batch with its word vectors moved up the loss gradient by this "
        "fraction of their L2 norm (e.g. 0.02); about twice the time per step. 0 disables.",
    )
    length_bucketing: bool = field(
        True,
        "Batch texts of similar length together (sorted windows of 20 batches), so short "
        "texts do not pay for a long one's padding.",
    )

    def range_checks(self) -> list[tuple[str, bool, str]]:
        return [
            *super().range_checks(),
            *self.at_least_one("max_length"),
            ("max_tokens", self.max_tokens >= 3, ">= 3"),
            *self.at_least_one("min_count"),
            ("ngram_dim", self.ngram_dim >= 0, ">= 0 (0 disables)"),
            *self.at_least_one("ngram_buckets"),
            ("ngram_learning_rate_scale", self.ngram_learning_rate_scale > 0, "> 0"),
            ("adversarial_epsilon", self.adversarial_epsilon >= 0, ">= 0 (0 disables)"),
            (
                "adversarial_epsilon",
                not self.adversarial_epsilon or not self.document_window,
                "0 with --document-window (whole-document training has its own step)",
            ),
            (
                "adversarial_epsilon",
                not self.adversarial_epsilon or self.strategy == "default",
                "0 with --strategy mirrored/multi-worker (the table is perturbed in place)",
            ),
            (
                "max_tokens",
                self.ngram_dim == 0 or self.max_tokens <= 46340,
                "<= 46340 with ngram_dim > 0 (int32 word-pair ids)",
            ),
            *self.fractions("embedding_dropout", "head_dropout"),
            ("ngram_dim", not (self.streaming and self.ngram_dim), "0 with streaming"),
            ("document_window", self.document_window >= 0, ">= 0 (0: texts cut to max_length)"),
            (
                "document_window",
                not self.document_window or self.streaming,
                "0 without --streaming (only a stream-capable model carries its state)",
            ),
            (
                "document_window",
                not self.document_window or self.strategy == "default",
                "0 with --strategy mirrored/multi-worker (one device holds every text's state)",
            ),
        ]


def _as_in_classifier(name: str):
    """The classifier's field: a pretrained encoder must have the classifier's shapes."""
    classifier_field = SentimentConfig.__dataclass_fields__[name]
    return dataclasses.field(default=classifier_field.default, metadata=classifier_field.metadata)


@dataclasses.dataclass(frozen=True)
class PretrainingConfig(EncoderSettings, TrainingConfig):
    """Sequence-autoencoder pretraining (Dai & Le 2015) of the classifier's encoder."""

    RENAMED_SETTINGS = RENAMED_ENCODER_SETTINGS

    max_tokens: int = _as_in_classifier("max_tokens")
    min_count: int = _as_in_classifier("min_count")
    embedding_dim: int = _as_in_classifier("embedding_dim")
    embedding_dropout: float = _as_in_classifier("embedding_dropout")
    epochs: int = field(3, "Passes over the chunks (early stopping may end sooner).")
    batch_size: int = field(128, "Chunks per training step.")
    validation_split: float = field(0.01, "Fraction of the chunks held out for validation.")
    chunk_length: int = field(40, "Tokens per reconstructed chunk (texts are cut into chunks).")
    min_chunk_tokens: int = field(5, "Shorter chunks (text tails) are left out.")
    decoder_vocabulary: int = field(
        5000,
        "The decoder reconstructs only this many most frequent ids (the rest as [UNK]): "
        "a softmax over the whole vocabulary would cost more than the rest of the model.",
    )
    max_chunks: int = field(0, "Use at most this many chunks, drawn at random (0: all).")

    def range_checks(self) -> list[tuple[str, bool, str]]:
        return [
            *super().range_checks(),
            ("max_tokens", self.max_tokens >= 3, ">= 3"),
            *self.at_least_one("min_count"),
            *self.fractions("embedding_dropout"),
            ("chunk_length", self.chunk_length >= 2, ">= 2"),
            (
                "min_chunk_tokens",
                1 <= self.min_chunk_tokens <= self.chunk_length,
                ">= 1 and <= chunk_length",
            ),
            ("decoder_vocabulary", self.decoder_vocabulary >= 3, ">= 3"),
            ("max_chunks", self.max_chunks >= 0, ">= 0 (0: all)"),
        ]
