"""tf.distribute strategies by name, for `--strategy`."""

from __future__ import annotations

import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi-worker")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """Returns the strategy to build and train the model under.

    Args:
        name: `"default"` (the current device), `"mirrored"` (every local GPU, or every
            logical CPU device when there is no GPU) or `"multi-worker"` (synchronous
            training across the machines described by the `TF_CONFIG` variable).
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=devices)
    if name == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Expected --strategy to be one of {STRATEGIES}. Received: {name!r}")


def split_cpu_into_logical_devices(count: int) -> None:
    """Splits the CPU into `count` logical devices (call before TensorFlow starts work).

    Lets `mirrored` be exercised with several replicas on a machine without GPUs.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    )
