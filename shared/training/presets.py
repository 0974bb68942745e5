"""Named bundles of settings, picked automatically from the training data.

Config flows one way: dataclass defaults -> preset -> `--config FILE` -> typed flags. The
dataclass defaults fit the small embedded demo corpora; real data wants other settings
(longer inputs, bigger models, schedules), measured in BENCHMARKS.md. `--preset auto`
(the default) picks the app's best measured preset for the data it is given, and says
which and why.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

AUTO = "auto"


@dataclasses.dataclass(frozen=True)
class Preset:
    """Settings that replace dataclass defaults.

    Attributes:
        name: what `--preset` accepts.
        description: one line for `--help` and the training log.
        values: setting name -> value, checked like a config file's.
    """

    name: str
    description: str
    values: dict[str, Any]


def add_preset_argument(parser: argparse.ArgumentParser, presets: dict[str, Preset]) -> None:
    """`--preset {auto, <names>}`; auto lets the app choose from the data."""
    lines = "; ".join(f"{p.name}: {p.description}" for p in presets.values())
    parser.add_argument(
        "--preset",
        choices=(AUTO, *presets),
        default=AUTO,
        help=f"Settings bundle under --config and flags (default: auto, chosen from the "
        f"data). {lines}",
    )


def announce(preset: Preset, reason: str) -> str:
    return f"preset: {preset.name} ({reason}; --preset to choose another)"


@dataclasses.dataclass(frozen=True)
class ResolvedSettings:
    """What a `train` command line resolves to, handed to the app's `train_command`.

    Attributes:
        config: the app's config (defaults, preset, `--config FILE`, typed flags).
        preset: the name of the preset it started from (recorded in the run's settings).
        data: the training data, when choosing the preset had to read it (so training
            does not read it again); None otherwise.
    """

    config: Any
    preset: str
    data: Any = None


def resolve_with_preset(
    config_cls, args: argparse.Namespace, preset: Preset, reason: str, data: Any = None
) -> ResolvedSettings:
    """Says which preset and why, then resolves the config over its values."""
    from shared.training.config import resolve_config  # noqa: PLC0415

    print(announce(preset, reason))
    return ResolvedSettings(resolve_config(config_cls, args, preset.values), preset.name, data)
