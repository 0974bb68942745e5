"""Reads the per-epoch history CSV and draws learning curves from it."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; training machines have no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def read_history(path: Path) -> list[dict[str, float]]:
    """Rows of `history.csv`, one per epoch, last write winning for a repeated epoch.

    Epochs are numbered from 1, as Keras' progress bar and the learning-curve plot count
    them. A file written before that change (its first epoch is 0) is read shifted by one.
    A run killed between logging an epoch and checkpointing it logs that epoch again
    after resuming; keeping the last row per epoch makes the history exact.
    """
    path = Path(path)
    if not path.is_file():
        return []
    by_epoch: dict[int, dict[str, float]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            try:
                epoch = int(row["epoch"])
                by_epoch[epoch] = {k: float(v) for k, v in row.items() if v not in ("", None)}
            except (KeyError, ValueError):
                continue  # a torn last line from a killed run
    shift = 1 if by_epoch and min(by_epoch) == 0 else 0  # a 0-based file from before
    return [{**by_epoch[e], "epoch": float(e + shift)} for e in sorted(by_epoch)]


def write_history(path: Path, rows: list[dict[str, float]]) -> None:
    """Rewrites `history.csv` from `rows` (as `read_history` returns them)."""
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "epoch": int(row["epoch"])})


def trim_history(path: Path, epochs: int) -> None:
    """Keeps only the rows of epochs 1..`epochs` (those a restored backup holds)."""
    rows = read_history(path)
    if rows:
        write_history(path, [row for row in rows if row["epoch"] <= epochs])


def renumber_zero_based_history(path: Path) -> None:
    """Rewrites a `history.csv` that counts from 0 (runs from before) to count from 1,
    so that rows a resumed run appends (1-based) continue it."""
    path = Path(path)
    if not path.is_file():
        return
    with open(path, newline="", encoding="utf-8") as f:
        first = next(csv.DictReader(f), None)
    if first is not None and first.get("epoch") == "0":
        write_history(path, read_history(path))


def plot_learning_curves(history: list[dict[str, float]], path: Path, title: str = "") -> None:
    """Writes a PNG with one panel per metric: training and validation per epoch."""
    metrics = sorted(
        {k for row in history for k in row if k != "epoch" and not k.startswith("val_")}
    )
    metrics = [m for m in metrics if m != "learning_rate"] or ["loss"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.8), squeeze=False)
    epochs = [int(row["epoch"]) for row in history]
    for ax, metric in zip(axes[0], metrics, strict=True):
        for key, style in ((metric, "o-"), (f"val_{metric}", "s--")):
            values = [row.get(key) for row in history]
            if any(v is not None for v in values):
                ax.plot(
                    epochs,
                    values,
                    style,
                    label="validation" if key.startswith("val_") else "training",
                )
        validation_losses = [row.get("val_loss") for row in history]
        if any(v is not None for v in validation_losses):
            best = min(
                (v, e) for v, e in zip(validation_losses, epochs, strict=True) if v is not None
            )[1]
            ax.axvline(best, color="gray", linestyle=":", label=f"best val_loss (epoch {best})")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
