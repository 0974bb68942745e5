"""Translation presets: the best settings measured per kind of data (BENCHMARKS.md)."""

from __future__ import annotations

from shared.training.presets import AUTO, Preset, ResolvedSettings, resolve_with_preset

# The dataclass defaults: sized for the small generated corpus `make train-translation` uses.
EMBEDDED = Preset("embedded", "the generated demo corpus (the dataclass defaults)", {})
# Spanish -> English Tatoeba pairs (105k training pairs): BLEU 42.50 with beam 4 on the
# held-out split (no source or target sentence in training), 2,317 s of training; the
# constant-LR, 12-epoch preset before it took 4,199 s for 41.97 on a split that leaked
# targets (BENCHMARKS.md, experiment log T1-T2). Five cosine epochs end where the
# constant rate needed eleven; label smoothing and tied embeddings (10.2M -> 6.6M
# parameters) came with them.
SENTENCE_PAIRS = Preset(
    "sentence-pairs",
    "real sentence pairs such as Tatoeba/Anki (~100k pairs)",
    {
        "epochs": 5,
        "lr_schedule": "cosine",
        "label_smoothing": 0.1,
        "tie_embeddings": True,
        "batch_size": 128,
        "learning_rate": 0.002,
        "patience": 2,
        "max_words": 30,
        "test_split": 0.05,
        "validation_split": 0.05,
        "source_vocabulary_size": 8000,
        "target_vocabulary_size": 8000,
        "embedding_dim": 256,
        "encoder_units": 256,
        "decoder_units": 512,
        "dropout": 0.2,
        "beam_width": 4,
    },
)
PRESETS = {p.name: p for p in (EMBEDDED, SENTENCE_PAIRS)}
# Below this many training pairs the sentence-pairs preset's BLEU falls steeply: random
# spa-eng subsets gave 0.3 BLEU (beam 4) at 1.8k training pairs, 1.0 at 9k and 11.9 at
# 27k, against 42.5 at 105k (BENCHMARKS.md, experiment log T3); a constant rate over 12
# epochs did no better at 9k (3.0).
FEW_PAIRS = 50_000


def few_pairs_note(preset: str, training_pairs: int) -> str:
    """What to expect when a real-data preset meets much less data than it was measured
    on ("" otherwise): said before training and again in the report."""
    if preset != SENTENCE_PAIRS.name or training_pairs >= FEW_PAIRS:
        return ""
    return (
        f"note: {training_pairs:,} training pairs. The {preset} preset was measured on "
        "105k Spanish-English pairs (BLEU 42.5); with fewer its BLEU falls steeply (27k "
        "pairs: 11.9, 9k: 1.0; BENCHMARKS.md T3). Expect rough translations below "
        f"~{FEW_PAIRS:,} pairs: add pairs (Tatoeba/Anki files hold 100k+) before tuning.\n"
    )


def choose_preset(requested: str, data_source) -> tuple[Preset, str]:
    """The preset to use and why (`auto`: real data gets the real-data preset)."""
    if requested != AUTO:
        return PRESETS[requested], "chosen with --preset"
    if data_source is None or str(data_source) == "embedded":
        return EMBEDDED, "auto: the embedded corpus"
    return SENTENCE_PAIRS, "auto: a data file"


def resolve_translation_config(args) -> ResolvedSettings:
    """Defaults, the preset, `--config FILE`, then flags; prints which preset and why."""
    from apps.translation.config import TranslationConfig

    preset, reason = choose_preset(args.preset, args.data)
    return resolve_with_preset(TranslationConfig, args, preset, reason)
