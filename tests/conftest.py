"""Test-wide set-up. Runs before any test imports TensorFlow work."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from shared.training.distribution import split_cpu_into_logical_devices  # noqa: E402

# Two logical CPUs, so `mirrored` training really runs two replicas on this machine.
# Must happen before TensorFlow creates its first tensor, hence here, at import.
split_cpu_into_logical_devices(2)

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """Real data sets (../shared/data), or the folder named by $SHARED_DATA."""
    return Path(os.environ.get("SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data sets not found at {path} (set SHARED_DATA to their folder)")
    return path


assert tf.config.list_logical_devices("CPU")  # fail loudly if the split did not apply
