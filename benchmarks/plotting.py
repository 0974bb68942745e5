"""Matplotlib set-up for benchmark plots: files only, one style."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # benchmark machines have no display
import matplotlib.pyplot as plt  # noqa: E402


def new_figure(width: float = 7.0, height: float = 4.2, columns: int | None = None):
    """A figure and axes with a light grid; with `columns`, a list of side-by-side axes."""
    figure, axes = plt.subplots(1, columns or 1, figsize=(width, height), dpi=110, squeeze=False)
    for each in axes[0]:
        each.grid(True, alpha=0.3)
    return figure, (list(axes[0]) if columns else axes[0][0])


def save_figure(figure, path: Path) -> Path:
    """Saves and closes `figure` (PNG)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
