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
from typing import Any, ClassVar, TypeVar

from shared.ids import CELL_TYPES

ConfigT = TypeVar("ConfigT")


def field(default: Any, help: str, choices: tuple | None = None):  # noqa: A002
    """A dataclass field that carries its CLI help text (and allowed values)."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices})


class _AcceptsOldNames(type):
    """Configs also accept settings under the names they had before a rename
    (`RENAMED_SETTINGS`): `SentimentConfig(units=32)` and `config.units` keep working."""

    def __call__(cls, *args, **kwargs):
        return super().__call__(*args, **with_new_names(cls, kwargs))


@dataclasses.dataclass(frozen=True)
class TrainingConfig(metaclass=_AcceptsOldNames):
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

    # Settings renamed since runs were first recorded: old name -> new name. Run folders'
    # config.json, --config files and the old flags keep working under the old names.
    RENAMED_SETTINGS: ClassVar[dict[str, str]] = {}

    def __getattr__(self, name: str):  # only reached for names that are not attributes
        new_name = type(self).RENAMED_SETTINGS.get(name)
        if new_name is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self, new_name)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]):
        """The config recorded in a run's settings (`config.json`), whatever its age.

        Extra keys (`data`, `preset`, ...) are left out; settings renamed since the run
        was written are read under their new names.
        """
        settings = with_new_names(cls, settings)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in settings.items() if k in names})

    def range_checks(self) -> list[tuple[str, bool, str]]:
        """`(setting, is_valid, expected)` for every bounded setting; apps extend it."""
        return [
            *self.at_least_one("epochs", "batch_size"),
            ("learning_rate", self.learning_rate > 0, "> 0"),
            *self.fractions("warmup_fraction"),
            ("weight_decay", self.weight_decay >= 0, ">= 0 (0 disables)"),
            ("clipnorm", self.clipnorm >= 0, ">= 0 (0 disables clipping)"),
            *self.at_least_one("patience"),
            ("validation_split", 0 < self.validation_split < 1, "between 0 and 1"),
        ]

    def at_least_one(self, *names: str) -> list[tuple[str, bool, str]]:
        """Range checks of settings that count something (sizes, layers, epochs)."""
        return [(name, getattr(self, name) >= 1, ">= 1") for name in names]

    def fractions(self, *names: str) -> list[tuple[str, bool, str]]:
        """Range checks of dropout-like rates: in [0, 1)."""
        return [(name, 0 <= getattr(self, name) < 1, "in [0, 1)") for name in names]

    def validate(self) -> None:
        """Raises a ValueError naming the first setting out of its range."""
        for name, ok, expected in self.range_checks():
            if not ok:
                raise ValueError(
                    f"Expected `{name}` {expected}. Received: {name}={getattr(self, name)!r}"
                )


@dataclasses.dataclass(frozen=True)
class EncoderSettings:
    """The bidirectional encoder's settings, named alike in every app that has one.

    A mixin listed before `TrainingConfig` (`class AppConfig(EncoderSettings,
    TrainingConfig)`); an app redeclares a field to change its default or help. The range
    checks here are the config's only ones for the encoder (the layers check their own
    arguments again when built directly).
    """

    embedding_dim: int = field(128, "Size of the token embeddings.")
    encoder_units: int = field(64, "Hidden size of each encoder direction.")
    encoder_layers: int = field(1, "Stacked bidirectional encoder layers.")
    cell: str = field("lstm", "Recurrent cell.", choices=CELL_TYPES)
    dropout: float = field(0.2, "Dropout on the recurrent layers' inputs.")

    def encoder_arguments(self) -> dict[str, Any]:
        """Keyword arguments of `shared.layers.BidirectionalRecurrentEncoder`."""
        return {
            "embedding_dim": self.embedding_dim,
            "units": self.encoder_units,
            "num_layers": self.encoder_layers,
            "cell": self.cell,
            "dropout": self.dropout,
        }

    def range_checks(self) -> list[tuple[str, bool, str]]:
        return [
            *super().range_checks(),
            *self.at_least_one("embedding_dim", "encoder_units", "encoder_layers"),
            *self.fractions("dropout"),
        ]


def with_new_names(config_cls, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with settings renamed since (`config_cls.RENAMED_SETTINGS`) under new names.

    An old name wins over its new one: `dataclasses.replace(config, units=8)` passes every
    other setting too, `encoder_units` included.
    """
    renamed = getattr(config_cls, "RENAMED_SETTINGS", {})
    new = {name: value for name, value in values.items() if name not in renamed}
    new.update({renamed[name]: value for name, value in values.items() if name in renamed})
    return new


def with_old_names(config_cls, values: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `with_new_names`: settings as runs recorded them before the renames."""
    old_name = {new: old for old, new in getattr(config_cls, "RENAMED_SETTINGS", {}).items()}
    return {old_name.get(name, name): value for name, value in values.items()}


def _field_types(config_cls) -> dict[str, type]:
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def add_config_arguments(parser: argparse.ArgumentParser, config_cls) -> None:
    """Adds one `--flag` per dataclass field; defaults stay None so we know what was typed."""
    group = parser.add_argument_group("training settings (defaults shown; --config FILE overlays)")
    types = _field_types(config_cls)
    old_names = {new: old for old, new in getattr(config_cls, "RENAMED_SETTINGS", {}).items()}
    for f in dataclasses.fields(config_cls):
        # A renamed setting keeps its old flag as an alias (scripts and docs use it).
        flags = [f"--{name.replace('_', '-')}" for name in (f.name, old_names.get(f.name)) if name]
        help_text = f"{f.metadata.get('help', '')} (default: {f.default})"
        kind = types[f.name]
        if kind is bool:
            group.add_argument(
                *flags,
                dest=f.name,
                default=None,
                action=argparse.BooleanOptionalAction,
                help=help_text,
            )
        else:
            choices = f.metadata.get("choices")
            group.add_argument(
                *flags,
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
    """Checks keys and types of `values` against `config_cls`; ints are accepted as floats.

    Settings renamed since (`RENAMED_SETTINGS`) are accepted under their old names too,
    named as given in errors, and returned under their new names.
    """
    types = _field_types(config_cls)
    choices = {f.name: f.metadata.get("choices") for f in dataclasses.fields(config_cls)}
    renamed = getattr(config_cls, "RENAMED_SETTINGS", {})
    unknown = sorted(name for name in values if renamed.get(name, name) not in types)
    if unknown:
        raise ValueError(
            f"{source}: unknown setting(s) {unknown}. Expected names from: {sorted(types)}"
        )
    coerced = {}
    for given_name, value in values.items():
        field_name = renamed.get(given_name, given_name)
        name, kind = given_name, types[field_name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(
                f"{source}: expected `{name}` to be {kind.__name__}. "
                f"Received: {value!r} ({type(value).__name__})"
            )
        # argparse enforces choices for flags; config files need the same check.
        if choices[field_name] is not None and value not in choices[field_name]:
            raise ValueError(
                f"{source}: expected `{name}` to be one of {list(choices[field_name])}. "
                f"Received: {value!r}"
            )
        coerced[field_name] = value
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
