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
        return make_multi_worker_strategy()
    raise ValueError(f"Expected --strategy to be one of {STRATEGIES}. Received: {name!r}")


def make_multi_worker_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """Synchronous training across the processes `TF_CONFIG` lists (checked first).

    Blocks until every worker has started. Must run before TensorFlow does anything else
    in this process (collective ops are configured at start-up).
    """
    from shared.training import keras_multi_worker  # noqa: PLC0415
    from shared.training.cluster import read_tf_config  # noqa: PLC0415

    read_tf_config()
    keras_multi_worker.install()
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as error:
        if "program startup" not in str(error):
            raise
        raise ValueError(
            "Expected --strategy multi-worker to start before TensorFlow runs anything in "
            "this process. Received: TensorFlow already initialised; start training in a "
            "fresh process (the rnn-* commands do)."
        ) from None


def describe_strategy(name: str, strategy: tf.distribute.Strategy) -> str:
    """`mirrored (2 replica(s))`, `multi-worker (4 replica(s) on 2 workers)`: for the log
    and every run's report."""
    text = f"{name} ({strategy.num_replicas_in_sync} replica(s)"
    resolver = getattr(strategy, "cluster_resolver", None)
    if name == "multi-worker" and resolver is not None:
        workers = sum(len(tasks) for tasks in resolver.cluster_spec().as_dict().values())
        text += f" on {workers} worker(s)"
    return text + ")"


def split_cpu_into_logical_devices(count: int) -> None:
    """Splits the CPU into `count` logical devices (call before TensorFlow starts work).

    Lets `mirrored` be exercised with several replicas on a machine without GPUs.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
    )
