"""What the inference section measures and how often: path names, input sizes, repeats.

Shared by every module of the section, with the one exception they raise for a missing
run or data file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from benchmarks.context import BenchContext

KEY = "inference"

# Path names, as they appear in the tables and `results`.
KERAS = "Keras"
SAVED_MODEL_TEXT = "SavedModel serving_default"
SAVED_MODEL_IDS = "SavedModel classify_token_ids"
SAVED_MODEL = "SavedModel"
KERAS_FILE = "model.keras"

SENTIMENT_LENGTHS = (32, 256)  # words per input text
THROUGHPUT_BATCH = 32
TRANSLATION_SOURCE_TOKENS = 32  # capped at the run's max_source_length
LITE_THREADS = 1  # what a phone app typically gives LiteRT


@dataclasses.dataclass(frozen=True)
class Repeats:
    """Timed calls per candidate and case, after `warmup` untimed ones (XLA compiles)."""

    latency: int  # sentiment, batch 1
    throughput: int  # sentiment, batch 32
    translation: int  # one sentence
    eager: int  # Keras `model(x)`, for the note only (it is slow)
    warmup: int = 3


QUICK_REPEATS = Repeats(latency=20, throughput=10, translation=20, eager=3)
FULL_REPEATS = Repeats(latency=200, throughput=50, translation=100, eager=10)


@dataclasses.dataclass(frozen=True)
class RunToMeasure:
    """One exported run, as every `measure_*` function of the section takes it.

    Attributes:
        context: where data and work folders are, and whether this is the quick subset.
        name: the run's name in the tables (`"sst2"`, `"spa-eng"`).
        run_dir: the finished run folder.
        export: `exports.export_run`'s summary of its export.
        repeats: how often to time each call.
        skipped: notes of what could not be measured; appended to.
    """

    context: BenchContext
    name: str
    run_dir: Path
    export: dict
    repeats: Repeats
    skipped: list[str]


class MissingInput(Exception):
    """A run or data file the section needs is not there; the message is the note."""


def tflite_path(variant: str) -> str:
    return f"TFLite {variant}"
