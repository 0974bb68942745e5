"""What every edge runner shares: a model and its `metadata.json`, checked together."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from shared.edge.fingerprint import verify_fingerprint
from shared.edge.model_files import load_export, verify_sizes
from shared.edge.runtime import LiteModel


class ExportRunner:
    """Base of the app runners (`EdgeSentimentClassifier`, `EdgeTranslator`).

    Subclasses name their app, their model files and the sizes the model must agree on
    with its metadata: the model's interface, which the exporter
    (`shared.export.tflite.phone_export`) reads from here too. The constructor refuses a
    model and metadata that do not belong together.

    Args:
        model: the loaded model.
        metadata: its validated metadata (`shared.edge.metadata.load_metadata`); checked
            against the model here (sizes, and the fingerprint the model carries).
    """

    APP: str
    FILE_PATTERN: str  # the model files' names, with a `{variant}` field
    # metadata list -> (signature, output) whose last axis must have its length.
    OUTPUT_SIZE_CHECKS: Mapping[str, tuple[str, str]] = {}
    # metadata lists whose length must match a tensor named in metadata `size_checks`.
    TENSOR_SIZE_CHECKS: Sequence[str] = ()

    def __init__(self, model: LiteModel, metadata: dict):
        self.model = model
        self.metadata = metadata
        self.signatures = model.describe_signatures()
        verify_sizes(
            metadata,
            model.model_content,
            self.signatures,
            self.OUTPUT_SIZE_CHECKS,
            self.TENSOR_SIZE_CHECKS,
        )
        # Sizes first (the more specific error), then what they cannot see: a vocabulary
        # shuffled, labels swapped, or another export's metadata of the same shape.
        verify_fingerprint(metadata, model.model_content, model.path or "the model")

    @classmethod
    def from_directory(
        cls,
        directory: str | os.PathLike,
        variant: str | None = None,
        num_threads: int | None = None,
    ):
        """Loads `metadata.json` and the model of `variant`, checking they belong together.

        Args:
            directory: an export folder.
            variant: `"float32"`, `"float16"` or `"dynamic_range"`; None takes the
                export's default.
            num_threads: LiteRT CPU threads (None: LiteRT's default).
        """
        metadata, path = load_export(directory, cls.APP, variant)
        return cls(LiteModel.from_file(path, num_threads=num_threads), metadata)
