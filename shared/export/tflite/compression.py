"""Smaller copies of trained tables for phone models: low-rank factors, folded buckets.

Both keep what a trained table computes as far as its size allows, so a phone copy
starts next to the server model (and distillation, `apps.sentiment.phone_compression`,
closes most of the rest):

- `low_rank_factors`: a `[rows, dim]` embedding as `[rows, rank] @ [rank, dim]`, the best
  such pair in squared error (truncated SVD), for `shared.layers.FactorizedEmbedding`.
- `fold_buckets`: hashed rows `h mod N` as rows `h mod M` for a divisor `M` of `N`: as
  `(h mod N) mod M == h mod M`, the smaller table is one a layer hashing modulo `M` reads
  exactly where the big one read a row, holding the mean of the rows that now share it,
  weighted by how often each is read.
"""

from __future__ import annotations

import numpy as np


def low_rank_factors(
    table: np.ndarray,
    rank: int,
    row_weights: np.ndarray | None = None,
    reader: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`(factors [rows, rank], projection [rank, dim])` with `factors @ projection` the
    closest rank-`rank` table to `table` (truncated SVD, singular values on the factors).

    Closest in squared error weighted by `row_weights` (how often each row is read: a
    frequent word keeps its vector before a rare one) and measured after `reader
    [dim, k]`, the layer that reads the rows (an LSTM's input kernel: only `row @ reader`
    reaches the gates, so error in directions it ignores costs nothing). Both default to
    plain squared error.
    """
    table = np.asarray(table, np.float64)
    if not 1 <= rank <= min(table.shape):
        raise ValueError(
            f"Expected 1 <= rank <= {min(table.shape)} for a table of shape {table.shape}. "
            f"Received: rank={rank}"
        )
    dim = table.shape[1]
    root, inverse_root = np.eye(dim), np.eye(dim)
    if reader is not None:
        # The metric `reader @ reader.T`, its square root and inverse (floored eigenvalues).
        values, vectors = np.linalg.eigh(np.asarray(reader, np.float64) @ np.asarray(reader).T)
        values = np.maximum(values, values.max() * 1e-6)
        root = (vectors * np.sqrt(values)) @ vectors.T
        inverse_root = (vectors / np.sqrt(values)) @ vectors.T
    scale = np.ones(len(table)) if row_weights is None else np.sqrt(np.asarray(row_weights))
    scale = np.maximum(scale, 1e-6)
    left, singular, right = np.linalg.svd(scale[:, None] * table @ root, full_matrices=False)
    factors = left[:, :rank] * singular[:rank] / scale[:, None]
    projection = right[:rank] @ inverse_root
    return factors.astype(np.float32), projection.astype(np.float32)


def folded_bucket_count(num_buckets: int, target: int, forbidden_factor: int = 0) -> int:
    """The largest divisor of `num_buckets` at most `target` (not a multiple of
    `forbidden_factor`, when given: a hash multiplier the count must not share)."""
    for count in range(min(target, num_buckets), 0, -1):
        if num_buckets % count == 0 and not (forbidden_factor and count % forbidden_factor == 0):
            return count
    raise ValueError(f"Expected target >= 1. Received: target={target}")


def fold_buckets(rows: np.ndarray, count: int, weights: np.ndarray | None = None) -> np.ndarray:
    """`rows [N, dim]` (row `h mod N` of a hash `h`) folded to `[count, dim]` (row
    `h mod count`), from the rows `i` with `i mod count` equal.

    Args:
        rows: the hashed table.
        count: a divisor of `N`.
        weights: `[N]` how often each row is read (e.g. in the training texts): each new
            row is the weighted mean of its old rows, the row closest to them over the
            reads (least squares), so a frequent pair keeps its row when a rare one folds
            onto it; rows never read drop out (their untrained initial values would only
            add noise). Bool weights give the mean of the rows read. None: the plain sum.
    """
    rows = np.asarray(rows, np.float64)
    if rows.shape[0] % count:
        raise ValueError(
            f"Expected `count` to divide the {rows.shape[0]} rows. Received: count={count}"
        )
    if weights is None:
        return rows.reshape(-1, count, rows.shape[1]).sum(axis=0).astype(np.float32)
    weights = np.asarray(weights, np.float64)
    total = (rows * weights[:, None]).reshape(-1, count, rows.shape[1]).sum(axis=0)
    mass = weights.reshape(-1, count).sum(axis=0)
    return (total / np.maximum(mass, 1e-12)[:, None]).astype(np.float32)


def project_onto_softmax(rows: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A table whose (linearly pooled) rows only reach a softmax, cut to `classes - 1` dims.

    The softmax reads the rows through `kernel [dim, classes]` and ignores what all classes'
    logits share, so `rows @ (kernel[:, c] - kernel[:, 0])` for the other classes `c` is all
    it uses: with the returned kernel (0 for the first class, 1 for each other on its own
    dim) the probabilities are the same, exactly, for a table `dim / (classes - 1)` times
    smaller (8x for a binary classifier's 8-dim bag of n-grams).

    Returns:
        `(rows [N, classes - 1], kernel [classes - 1, classes])`.
    """
    kernel = np.asarray(kernel, np.float64)
    differences = kernel[:, 1:] - kernel[:, :1]
    others = kernel.shape[1] - 1
    new_kernel = np.concatenate([np.zeros((others, 1)), np.eye(others)], axis=1)
    projected = np.asarray(rows, np.float64) @ differences
    return projected.astype(np.float32), new_kernel.astype(np.float32)
