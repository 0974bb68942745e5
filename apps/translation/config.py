"""Translation settings: the shared training settings plus the seq2seq model's own."""

from __future__ import annotations

import dataclasses

from shared.cli import MAX_BEAM_WIDTH
from shared.ids import CELL_TYPES
from shared.training.config import EncoderSettings, TrainingConfig, field


@dataclasses.dataclass(frozen=True)
class TranslationConfig(EncoderSettings, TrainingConfig):
    """Everything that decides a translation model; saved as `config.json` in each run."""

    epochs: int = field(12, "Maximum number of epochs (early stopping may end sooner).")
    learning_rate: float = field(1e-3, "Adam learning rate.")
    source_language: str = field("spanish", "Column/language to translate from.")
    target_language: str = field("english", "Column/language to translate into.")
    max_words: int = field(30, "Drop training pairs with more words than this on either side.")
    test_split: float = field(
        0.05, "Fraction of pairs held out for the final BLEU, by unique source sentence."
    )
    source_vocabulary_size: int = field(4000, "Target size of the source WordPiece vocabulary.")
    target_vocabulary_size: int = field(4000, "Target size of the target WordPiece vocabulary.")
    max_source_length: int = field(48, "Source subword tokens read; longer inputs are truncated.")
    max_target_length: int = field(48, "Maximum decoder steps, [END] included.")
    embedding_dim: int = field(128, "Size of source and target token embeddings.")
    encoder_units: int = field(128, "Hidden size of each encoder direction.")
    decoder_units: int = field(256, "Decoder hidden size (2 x encoder_units lets states copy).")
    decoder_layers: int = field(1, "Stacked decoder layers.")
    cell: str = field("lstm", "Recurrent cell of encoder and decoder.", choices=CELL_TYPES)
    bridge: str = field(
        "auto",
        "Encoder->decoder state mapping: copy, dense, or auto (copy when sizes fit).",
        choices=("auto", "copy", "dense"),
    )
    dropout: float = field(0.2, "Dropout on recurrent inputs and before the projection.")
    beam_width: int = field(4, "Beam width for evaluation and export (1 = greedy).")
    length_penalty: float = field(0.6, "GNMT length-penalty exponent for beam search.")
    # Peer-toolkit training features (OpenNMT-tf, fairseq, Marian); all off by default
    # until measured here (BENCHMARKS.md, "Translation features").
    label_smoothing: float = field(
        0.0, "Label smoothing of the target distribution (e.g. 0.1); padding stays excluded."
    )
    ema_momentum: float = field(
        0.0,
        "Keep an exponential moving average of the weights with this momentum (e.g. "
        "0.999) and validate, keep and export the averaged weights; 0 disables.",
    )
    tie_embeddings: bool = field(
        False,
        "Decoder output projection = transposed target embedding (+ a linear adapter "
        "when decoder_units != embedding_dim).",
    )
    average_last: int = field(
        0,
        "Checkpoint averaging: the final model is the mean of the last N epochs' weights "
        "(kept in checkpoints/epochs/); 0 keeps the best-validation checkpoint.",
    )

    def range_checks(self) -> list[tuple[str, bool, str]]:
        return [
            *super().range_checks(),
            ("test_split", 0 < self.test_split < 1, "between 0 and 1"),
            *self.at_least_one("max_words"),
            ("beam_width", 1 <= self.beam_width <= MAX_BEAM_WIDTH, f"in [1, {MAX_BEAM_WIDTH}]"),
            ("label_smoothing", 0 <= self.label_smoothing < 1, "in [0, 1) (0 disables)"),
            ("ema_momentum", 0 <= self.ema_momentum < 1, "in [0, 1) (0 disables)"),
            ("average_last", self.average_last >= 0, ">= 0 (0 disables)"),
            ("max_target_length", self.max_target_length >= 2, ">= 2"),
            (
                "decoder_units",
                self.bridge != "copy" or self.decoder_units == 2 * self.encoder_units,
                f"== 2 * encoder_units (= {2 * self.encoder_units}) with --bridge copy "
                "(or --bridge dense/auto to project the states)",
            ),
            *self.at_least_one(
                "source_vocabulary_size",
                "target_vocabulary_size",
                "max_source_length",
                "decoder_units",
                "decoder_layers",
            ),
        ]
