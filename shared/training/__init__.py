"""Training utilities shared by every app: config, run folders, callbacks, resume."""

from shared.training.config import TrainingConfig, add_config_arguments, resolve_config
from shared.training.distribution import make_strategy
from shared.training.reproducibility import set_seeds
from shared.training.run_directory import RunDirectory, config_fingerprint, write_json_atomic
from shared.training.trainer import fit_resumable, make_optimizer, save_model_atomic

__all__ = [
    "RunDirectory",
    "TrainingConfig",
    "add_config_arguments",
    "config_fingerprint",
    "fit_resumable",
    "make_optimizer",
    "make_strategy",
    "resolve_config",
    "save_model_atomic",
    "set_seeds",
    "write_json_atomic",
]
