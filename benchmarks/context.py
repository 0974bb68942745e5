"""What every benchmark section gets: where the data is, where to work, how much to do."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

DEFAULT_DATA_DIR = Path("../shared/data")
DEFAULT_WORK_DIR = Path("bench_runs")
PLOTS_DIR = Path("benchmarks/plots")


def cpu_cores() -> int:
    """CPU cores this process may run on (what TensorFlow's thread pools get)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@dataclasses.dataclass(frozen=True)
class BenchContext:
    """Settings shared by all sections.

    Attributes:
        data_dir: the real data sets (`imdb/train.csv.gz`, `sst2/`, `translation/`).
        work_dir: runs, exports and raw results of this benchmark (git-ignored).
        plots_dir: where PNG plots go; BENCHMARKS.md links them relative to itself.
        quick: the few-minute subset (`make bench-quick`): small slices, short training.
        seed: one seed for every split and model, so reruns compare like with like.
    """

    data_dir: Path = DEFAULT_DATA_DIR
    work_dir: Path = DEFAULT_WORK_DIR
    plots_dir: Path = PLOTS_DIR
    quick: bool = False
    seed: int = 1337

    def data_file(self, relative: str) -> Path | None:
        """`data_dir / relative` if it exists, else None (the section reports it as skipped)."""
        path = self.data_dir / relative
        return path if path.is_file() else None

    def work(self, *parts: str) -> Path:
        """A folder under `work_dir` (created); quick runs never reuse full-run folders."""
        path = self.work_dir.joinpath("quick" if self.quick else "full", *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def plot_path(self, name: str) -> Path:
        """Where to save plot `name` (a `.png` file name)."""
        # Quick runs write beside their own markdown file, never over the committed plots.
        folder = self.work_dir / "quick" / "plots" if self.quick else self.plots_dir
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
