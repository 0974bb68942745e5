"""Sentiment settings: the shared training settings plus the model's own."""

from __future__ import annotations

import dataclasses

from shared.cells import CELL_TYPES
from shared.training.config import TrainingConfig, field

POOLING = ("final_state", "mean", "max", "mean_max")


@dataclasses.dataclass(frozen=True)
class SentimentConfig(TrainingConfig):
    """Everything that decides a sentiment model; saved as `config.json` in each run."""

    max_length: int = field(200, "Tokens per text; longer texts are truncated.")
    truncate_from: str = field(
        "end",
        "Which side of a long text to drop: end (keep the opening) or start (keep the ending).",
        choices=("end", "start"),
    )
    max_tokens: int = field(20000, "Vocabulary size cap, [PAD] and [UNK] included.")
    min_count: int = field(2, "Minimum occurrences in the training texts for a word to get an id.")
    embedding_dim: int = field(128, "Size of the word embeddings.")
    units: int = field(64, "Hidden size of each LSTM direction.")
    num_layers: int = field(1, "Number of stacked bidirectional layers.")
    cell: str = field("lstm", "Recurrent cell.", choices=CELL_TYPES)
    dropout: float = field(0.2, "Dropout on the recurrent layers' inputs.")
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
    length_bucketing: bool = field(
        True,
        "Batch texts of similar length together (sorted windows of 20 batches), so short "
        "texts do not pay for a long one's padding.",
    )

    def range_checks(self) -> list[tuple[str, bool, str]]:
        checks = super().range_checks() + [
            ("max_length", self.max_length >= 1, ">= 1"),
            ("max_tokens", self.max_tokens >= 3, ">= 3"),
            ("min_count", self.min_count >= 1, ">= 1"),
            ("embedding_dim", self.embedding_dim >= 1, ">= 1"),
            ("units", self.units >= 1, ">= 1"),
            ("num_layers", self.num_layers >= 1, ">= 1"),
            ("ngram_dim", self.ngram_dim >= 0, ">= 0 (0 disables)"),
            ("ngram_buckets", self.ngram_buckets >= 1, ">= 1"),
            ("ngram_learning_rate_scale", self.ngram_learning_rate_scale > 0, "> 0"),
            (
                "max_tokens",
                self.ngram_dim == 0 or self.max_tokens <= 46340,
                "<= 46340 with ngram_dim > 0 (int32 word-pair ids)",
            ),
        ]
        for name in ("dropout", "embedding_dropout", "head_dropout"):
            checks.append((name, 0 <= getattr(self, name) < 1, "in [0, 1)"))
        return checks
