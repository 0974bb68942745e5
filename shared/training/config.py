"""Config flows one way: dataclass defaults -> optional config file -> CLI flags.

Every app describes its settings as a frozen dataclass. This module turns that dataclass
into argparse flags (with help text taken from the field metadata), overlays a JSON or
TOML file, then the flags the user typed, and validates types on the way.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tomllib
import typing
from pathlib import Path
from typing import Any, TypeVar

ConfigT = TypeVar("ConfigT")


def field(default: Any, help: str, choices: tuple | None = None):  # noqa: A002
    """A dataclass field that carries its CLI help text (and allowed values)."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices})


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Settings every trainer shares. Apps subclass this and add their own fields."""

    seed: int = field(1337, "Seed for data shuffling, splits and weight initialisation.")
    epochs: int = field(10, "Maximum number of epochs (early stopping may end sooner).")
    batch_size: int = field(64, "Examples per training step (global, across replicas).")
    learning_rate: float = field(2e-3, "Adam learning rate (the peak, with a schedule).")
    lr_schedule: str = field(
        "constant",
        "Learning-rate schedule: constant, or cosine (linear warm-up over the first "
        "`warmup_fraction` of the steps, then cosine decay to 0 at the last epoch).",
        choices=("constant", "cosine"),
    )
    warmup_fraction: float = field(0.05, "Share of all training steps spent warming up (cosine).")
    weight_decay: float = field(0.0, "Decoupled weight decay (AdamW); 0 disables.")
    clipnorm: float = field(1.0, "Clip each gradient to this L2 norm (0 disables).")
    patience: int = field(3, "Stop after this many epochs without val_loss improvement.")
    validation_split: float = field(0.1, "Fraction of the training data held out for validation.")
    strategy: str = field(
        "default",
        "tf.distribute strategy: default (one device), mirrored (all local devices), "
        "multi-worker (reads TF_CONFIG).",
        choices=("default", "mirrored", "multi-worker"),
    )
    deterministic: bool = field(
        False, "Make TensorFlow ops deterministic (bit-identical reruns, somewhat slower)."
    )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def range_checks(self) -> list[tuple[str, bool, str]]:
        """`(setting, is_valid, expected)` for every bounded setting; apps extend it."""
        return [
            ("epochs", self.epochs >= 1, ">= 1"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("learning_rate", self.learning_rate > 0, "> 0"),
            ("warmup_fraction", 0 <= self.warmup_fraction < 1, "in [0, 1)"),
            ("weight_decay", self.weight_decay >= 0, ">= 0 (0 disables)"),
            ("clipnorm", self.clipnorm >= 0, ">= 0 (0 disables clipping)"),
            ("patience", self.patience >= 1, ">= 1"),
            ("validation_split", 0 < self.validation_split < 1, "between 0 and 1"),
        ]

    def validate(self) -> None:
        """Raises a ValueError naming the first setting out of its range."""
        for name, ok, expected in self.range_checks():
            if not ok:
                raise ValueError(
                    f"Expected `{name}` {expected}. Received: {name}={getattr(self, name)!r}"
                )


def _field_types(config_cls) -> dict[str, type]:
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def add_config_arguments(parser: argparse.ArgumentParser, config_cls) -> None:
    """Adds one `--flag` per dataclass field; defaults stay None so we know what was typed."""
    group = parser.add_argument_group("training settings (defaults shown; --config FILE overlays)")
    types = _field_types(config_cls)
    for f in dataclasses.fields(config_cls):
        flag = "--" + f.name.replace("_", "-")
        help_text = f"{f.metadata.get('help', '')} (default: {f.default})"
        kind = types[f.name]
        if kind is bool:
            group.add_argument(
                flag,
                dest=f.name,
                default=None,
                action=argparse.BooleanOptionalAction,
                help=help_text,
            )
        else:
            choices = f.metadata.get("choices")
            group.add_argument(
                flag,
                dest=f.name,
                default=None,
                type=kind,
                # With choices, argparse's own metavar lists them: --cell {lstm,gru,simple_rnn}.
                metavar=None if choices else kind.__name__.upper(),
                choices=choices,
                help=help_text,
            )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="JSON or TOML file of settings, applied over the defaults; flags win over it.",
    )


def read_config_file(path: Path) -> dict[str, Any]:
    """Reads a `.json` or `.toml` settings file into a dict."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"Expected a config file at {path}. Received: no such file.")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        if path.suffix == ".json":
            values = json.loads(text)
            if not isinstance(values, dict):
                raise ValueError(
                    f"{path}: expected a JSON object of settings. Received: {type(values).__name__}"
                )
            return values
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: not a valid {path.suffix[1:].upper()} file: {error}") from None
    raise ValueError(f"Expected a .json or .toml config file. Received: {path.name}")


def coerce_values(config_cls, values: dict[str, Any], source: str) -> dict[str, Any]:
    """Checks keys and types of `values` against `config_cls`; ints are accepted as floats."""
    types = _field_types(config_cls)
    choices = {f.name: f.metadata.get("choices") for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise ValueError(
            f"{source}: unknown setting(s) {unknown}. Expected names from: {sorted(types)}"
        )
    coerced = {}
    for name, value in values.items():
        kind = types[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(
                f"{source}: expected `{name}` to be {kind.__name__}. "
                f"Received: {value!r} ({type(value).__name__})"
            )
        # argparse enforces choices for flags; config files need the same check.
        if choices[name] is not None and value not in choices[name]:
            raise ValueError(
                f"{source}: expected `{name}` to be one of {list(choices[name])}. "
                f"Received: {value!r}"
            )
        coerced[name] = value
    return coerced


def resolve_config(
    config_cls: type[ConfigT], args: argparse.Namespace, preset_values: dict | None = None
) -> ConfigT:
    """Builds the config: dataclass defaults, then a preset's values, then `--config FILE`,
    then typed flags."""
    values: dict[str, Any] = {}
    if preset_values:
        values.update(coerce_values(config_cls, preset_values, "preset"))
    config_file = getattr(args, "config", None)
    if config_file is not None:
        values.update(coerce_values(config_cls, read_config_file(config_file), str(config_file)))
    typed = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(config_cls)
        if getattr(args, f.name, None) is not None
    }
    values.update(coerce_values(config_cls, typed, "command line"))
    config = config_cls(**values)
    validate = getattr(config, "validate", None)
    if validate is not None:
        validate()
    return config
