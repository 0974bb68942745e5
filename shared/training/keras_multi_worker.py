"""Two fixes that let Keras 3's `fit` run under `MultiWorkerMirroredStrategy`.

Keras 3.15 (keras-team/keras#20585, open) fails twice with several workers:
- before the first step it builds the model from a batch it averages across replicas
  with `strategy.reduce`, which rejects a `(inputs, labels)` structure ("Attempt to
  convert a value (PerReplica...)"); the dataset's element spec is enough to build (only
  shapes and dtypes are used);
- after every step it averages each metric across workers with `axis=0`, which fails on
  scalars ("Invalid reduction dimension 0 for input with 0 dimensions"); scalars are
  averaged with `axis=None` instead. Metric totals are already summed across replicas
  when they are updated, so the average of equal values is the cluster's value.

`install()` patches Keras' TensorFlow trainer for this process; single-worker strategies
take Keras' own path unchanged.
"""

from __future__ import annotations

import tensorflow as tf
from keras.src import tree
from keras.src.backend.tensorflow import trainer as tf_trainer

_original_reduce = tf_trainer.reduce_per_replica
_original_build = tf_trainer.TensorFlowTrainer._maybe_symbolic_build


def _multi_worker(strategy) -> bool:
    return strategy is not None and tf_trainer._collective_all_reduce_multi_worker(strategy)


def _local(strategy, value):
    if isinstance(value, tf.distribute.DistributedValues):
        return strategy.experimental_local_results(value)[0]
    return value


def reduce_per_replica(values, strategy, reduction):
    if reduction not in ("auto", "mean") or not _multi_worker(strategy):
        return _original_reduce(values, strategy, reduction)

    def reduce(value):
        if _local(strategy, value).shape.rank == 0:
            return strategy.reduce("MEAN", value, axis=None)
        return _original_reduce(value, strategy, reduction)

    return tree.map_structure(reduce, values)


def _maybe_symbolic_build(self, iterator=None, data_batch=None):
    if iterator is not None and _multi_worker(self._distribute_strategy):
        # Shapes and dtypes are all the build uses: take them from the dataset's spec, not
        # from a batch, whose iterator would use up the first epoch's shuffle order.
        data_batch = iterator.data_adapter.get_tf_dataset().element_spec
        iterator = None
    return _original_build(self, iterator=iterator, data_batch=data_batch)


def install() -> None:
    """Applies both fixes (idempotent)."""
    tf_trainer.reduce_per_replica = reduce_per_replica
    tf_trainer.TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
