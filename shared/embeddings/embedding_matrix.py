"""An embedding matrix for a vocabulary, initialised from a pretrained vector file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from shared.datasets.errors import DataError
from shared.embeddings.vector_files import VocabularyVectors, read_vocabulary_vectors


@dataclasses.dataclass(frozen=True)
class EmbeddingInit:
    """An embedding matrix initialised from a vector file, and its coverage."""

    matrix: np.ndarray  # [vocabulary_size, dim]; row 0 (padding) is zeros
    found: int  # vocabulary words (specials excluded) that the file held
    words: int  # vocabulary words (specials excluded)
    source: VocabularyVectors

    @property
    def coverage(self) -> float:
        return self.found / self.words if self.words else 0.0

    def summary(self) -> str:
        """`18,412 of 20,000 vocabulary words found (92.1%) in FILE (GloVe ..., 300 dims)`."""
        info = self.source.info
        return (
            f"{self.found:,} of {self.words:,} vocabulary words found ({self.coverage:.1%}) "
            f"in {info.path} ({info.describe()}; {self.source.entries:,} words read)"
        )


def embedding_matrix(
    path: str | Path, tokens: list[str], specials: int = 2, seed: int = 0
) -> EmbeddingInit:
    """The embedding matrix for `tokens` (in id order, `specials` reserved ids first).

    Words the file lacks (and the specials but padding) get random normal vectors with
    the found vectors' standard deviation, so they start on the same scale.

    Raises:
        DataError: a malformed file, or none of the vocabulary's words in it.
    """
    found = read_vocabulary_vectors(path, tokens[specials:])
    dim = found.info.dim
    if not found.vectors:
        raise DataError(
            f"{found.info.path}: expected vectors for some of the {len(tokens) - specials:,} "
            f"vocabulary words. Received none among {found.entries:,} words read (another "
            "language or tokenisation?)."
        )
    values = np.stack(list(found.vectors.values()))
    scale = float(values.std()) or 1.0
    matrix = np.random.default_rng(seed).normal(0.0, scale, (len(tokens), dim))
    matrix = matrix.astype(np.float32)
    matrix[0] = 0.0  # padding: masked everywhere, zero keeps it visibly unused
    hits = 0
    for index, token in enumerate(tokens[specials:], specials):
        vector = found.vectors.get(token)
        if vector is not None:
            matrix[index] = vector
            hits += 1
    return EmbeddingInit(matrix, hits, len(tokens) - specials, found)
