"""What a sentiment run records as its settings, and finding the folder they belong to."""

from __future__ import annotations

import dataclasses

from apps.sentiment.config import SentimentConfig
from apps.sentiment.data import EMBEDDED, DataOptions
from shared.cli import default_run_dir
from shared.datasets.examples import LabelledTexts
from shared.training.config import with_old_names
from shared.training.run_directory import RunDirectory, unfinished_run_without

# Recorded only for grouped splits (so runs split at random keep their hash); runs
# started before grouped splits lack it.
GROUP_SETTING = "group_column"
# Recorded only when set (streaming runs, whole-document training, adversarial training),
# so every run from before the setting keeps its hash (and its folder): a missing one
# loads as False / 0.
OPTIONAL_FALSE_SETTINGS = ("streaming", "document_window", "adversarial_epsilon")


def run_settings(
    config: SentimentConfig,
    data,
    validation_data,
    options: DataOptions,
    label_names: tuple[str, ...] | None,
    init_from,
    preset: str | None,
) -> dict:
    """Everything that decides the run's result: config, data source and how it is read.

    The keys and values are those the command line has always written (`label_names` as
    `--label-names` spells it), so a run folder's fingerprint does not depend on whether
    the CLI or the Python API started it.
    """
    recorded = config.to_dict()
    for name in OPTIONAL_FALSE_SETTINGS:
        if not recorded[name]:
            del recorded[name]
    return {
        **recorded,
        "preset": preset,
        "data": str(data) if data else EMBEDDED,
        "validation_data": str(validation_data) if validation_data else None,
        "text_column": options.text_column,
        "label_column": options.label_column,
        "label_names": ",".join(label_names) if label_names else None,
        "on_bad_rows": options.on_bad_rows,
        "init_from": str(init_from) if init_from else None,
    }


def run_folder(
    settings: dict, run_dir, data: LabelledTexts
) -> tuple[RunDirectory, dict, LabelledTexts]:
    """The run folder for `settings` (`run_dir`, or the default one), and the settings and
    data to use in it.

    An interrupted run started under older code (before grouped splits, or before the
    encoder settings were renamed) is found and finished as it began: with its recorded
    settings and, without a recorded group column, a random split.
    """

    def folder_for(old: dict):
        return run_dir or default_run_dir("sentiment", old, old["data"])

    def old_names(values: dict) -> dict:
        return with_old_names(SentimentConfig, values)

    older = (((GROUP_SETTING,), None), ((), old_names), ((GROUP_SETTING,), old_names))
    legacy = None
    for new_keys, renamed in older:
        legacy = legacy or unfinished_run_without(settings, new_keys, folder_for, renamed)
    if legacy is None:
        return RunDirectory(folder_for(settings)), settings, data
    folder, settings = legacy
    if GROUP_SETTING not in settings and data.groups is not None:
        data = dataclasses.replace(data, groups=None, group_name=None)
        print(f"{folder.path} was started with a random validation split; it keeps it")
    return folder, settings, data
