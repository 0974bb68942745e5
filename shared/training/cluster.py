"""Multi-worker training: `TF_CONFIG`, who writes the run folder, and lost workers.

Every worker runs the same command with its own `TF_CONFIG` (TensorFlow's multi-worker
guide). The chief (task `chief`, or `worker` 0 when the cluster has no chief) writes the
run folder; every other worker writes the same files to a private scratch folder that is
removed when it exits (and, after a SIGKILL, when it starts again). Resuming needs the
chief's run folder readable by every worker (one machine, NFS, a shared volume): the
others copy its history and epoch backup before training, so that every worker restores
the same epoch and weights and makes the same early-stopping decisions.

This module imports TensorFlow only inside the functions that need it.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from shared.training.run_directory import RunDirectory

TF_CONFIG = "TF_CONFIG"
EXAMPLE = (
    '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
    '"task": {"type": "worker", "index": 0}}'
)


@dataclasses.dataclass(frozen=True)
class ClusterTask:
    """This process's place in the cluster described by `TF_CONFIG`.

    Attributes:
        chief: the chief's address, or None (then worker 0 is the chief).
        workers: the workers' addresses.
        task_type: `"chief"` or `"worker"`.
        index: the task's index within its type.
    """

    chief: str | None
    workers: tuple[str, ...]
    task_type: str
    index: int

    @property
    def is_chief(self) -> bool:
        if self.chief is not None:
            return self.task_type == "chief"
        return self.index == 0

    @property
    def size(self) -> int:
        """Number of training processes (chief included)."""
        return len(self.workers) + (self.chief is not None)

    @property
    def name(self) -> str:
        return f"{self.task_type} {self.index}"


def _invalid(problem: str, received) -> ValueError:
    return ValueError(
        f"Expected TF_CONFIG (for --strategy multi-worker) to be JSON like {EXAMPLE}; "
        f"{problem}. Received: {received}"
    )


def _addresses(cluster: dict, task_type: str) -> tuple[str, ...]:
    addresses = cluster.get(task_type, [])
    if not isinstance(addresses, list) or not all(
        isinstance(a, str) and a.rpartition(":")[2].isdigit() and a.rpartition(":")[0]
        for a in addresses
    ):
        raise _invalid(f'"cluster"."{task_type}" must list "host:port" strings', addresses)
    return tuple(addresses)


def read_tf_config(environ=os.environ) -> ClusterTask:
    """Parses and checks `TF_CONFIG`; raises ValueError with one line saying what is wrong."""
    raw = environ.get(TF_CONFIG, "")
    if not raw.strip():
        raise ValueError(
            f"Expected the TF_CONFIG environment variable for --strategy multi-worker, e.g. "
            f"{EXAMPLE} (one per machine, see the README). Received: none. To try it on "
            "this machine, pass --workers N instead."
        )
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise _invalid(f"it is not JSON ({error})", repr(raw[:120])) from None
    if not isinstance(value, dict) or not isinstance(value.get("cluster"), dict):
        raise _invalid('it needs a "cluster" object', repr(raw[:120]))
    cluster, task = value["cluster"], value.get("task")
    unsupported = sorted(set(cluster) - {"chief", "worker"})
    if unsupported:
        raise _invalid(
            f"only chief and worker tasks take part in synchronous training, not {unsupported}",
            sorted(cluster),
        )
    chiefs, workers = _addresses(cluster, "chief"), _addresses(cluster, "worker")
    if len(chiefs) > 1:
        raise _invalid('"cluster"."chief" must list at most one address', list(chiefs))
    if not chiefs and not workers:
        raise _invalid('"cluster" must list at least one "worker" (or a "chief")', cluster)
    if not isinstance(task, dict):
        raise _invalid('it needs a "task" object with "type" and "index"', task)
    task_type, index = task.get("type"), task.get("index", 0)
    members = {"chief": chiefs, "worker": workers}
    if task_type not in members or not members[task_type]:
        listed = [name for name, addresses in members.items() if addresses]
        raise _invalid(f'"task"."type" must be one of the cluster\'s {listed}', task_type)
    if isinstance(index, bool) or not isinstance(index, int):
        raise _invalid('"task"."index" must be a whole number', index)
    if not 0 <= index < len(members[task_type]):
        raise _invalid(
            f'"task"."index" must be in 0..{len(members[task_type]) - 1} '
            f"({len(members[task_type])} {task_type} address(es))",
            index,
        )
    return ClusterTask(chiefs[0] if chiefs else None, workers, task_type, index)


def local_tf_configs(ports: list[int], host: str = "127.0.0.1") -> list[str]:
    """`TF_CONFIG` of each of `len(ports)` workers on this machine (worker 0 is the chief)."""
    cluster = {"worker": [f"{host}:{port}" for port in ports]}
    return [
        json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        for index in range(len(ports))
    ]


# -- files: only the chief writes the run folder ------------------------------------------
def scratch_path(run_dir: RunDirectory, task: ClusterTask) -> Path:
    """Where a non-chief worker writes: fixed per run folder and task, so a worker
    restarted after a SIGKILL finds (and removes) what its killed predecessor left."""
    key = hashlib.sha256(str(run_dir.path.resolve()).encode("utf-8")).hexdigest()[:10]
    name = f"rnn-worker-{task.task_type}{task.index}-{key}"
    return Path(tempfile.gettempdir()) / name


class ScratchRunDirectory(RunDirectory):
    """A non-chief worker's private copy of the run folder; `chief` is the real one."""

    def __init__(self, path: Path, chief: RunDirectory):
        super().__init__(path)
        self.chief = chief


def run_directory_for_this_worker(
    run_dir: RunDirectory, strategy, overwrite: bool = False
) -> RunDirectory:
    """The run folder this process writes: `run_dir` itself unless it is a non-chief worker.

    A non-chief worker gets a scratch folder (emptied now, removed at exit), except for a
    finished run, which it only reads, as the chief does (both then report it, nobody
    trains). With `overwrite` the chief deletes and restarts the run: scratch again.
    """
    if not in_multi_worker_mode(strategy):
        return run_dir
    task = read_tf_config()
    if task.is_chief or (run_dir.is_finished and not overwrite):
        return run_dir
    scratch = scratch_path(run_dir, task)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    print(
        f"{task.name} (not the chief): the chief writes {run_dir.path}; this worker's copies "
        f"go to {scratch} (removed at exit)"
    )
    return ScratchRunDirectory(scratch, run_dir)


# -- the same resume point on every worker -------------------------------------------------
def in_multi_worker_mode(strategy) -> bool:
    import tensorflow as tf  # noqa: PLC0415

    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.extended._in_multi_worker_mode()
    )


def _gather_from_workers(strategy, values: list[float]):
    """Every replica's `values`, on every worker (an all-gather: also a barrier)."""
    import tensorflow as tf  # noqa: PLC0415

    mine = tf.constant([values], tf.float32)

    @tf.function  # eager collectives work too, with a warning about their overhead
    def gather():
        return strategy.gather(strategy.run(lambda: tf.identity(mine)), axis=0)

    return gather().numpy().tolist()


def _resume_epoch(run_dir: RunDirectory) -> int:
    from shared.training.callbacks import make_backup  # noqa: PLC0415

    try:
        with open(make_backup(run_dir)._training_metadata_path, encoding="utf-8") as f:
            return int(json.load(f)["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def share_resume_state(run_dir: RunDirectory, strategy) -> None:
    """Gives every worker the chief's history and checkpoints before training starts.

    The chief first makes its backup loadable (`recover_backup`); after a barrier, other
    workers copy its history and checkpoints into their scratch folder. Saving and loading
    a model are collective steps too (metric variables are summed across workers when
    read; new variables take the chief's values), so every worker must make the same
    decisions and save and load the same checkpoints, each to its own folder. All then
    compare the epoch they would resume from: a worker that cannot read the chief's folder
    would start afresh while the others resume, so that is an error, not a silent hang.
    """
    if not in_multi_worker_mode(strategy):
        return
    from shared.training.callbacks import make_backup, recover_backup  # noqa: PLC0415
    from shared.training.history import renumber_zero_based_history  # noqa: PLC0415

    chief = getattr(run_dir, "chief", None)
    if chief is None:
        renumber_zero_based_history(run_dir.history_path)
        recover_backup(run_dir, make_backup(run_dir))
    _gather_from_workers(strategy, [0.0])  # barrier: the chief's files are ready
    if chief is not None:
        # The best checkpoint too: whether it exists decides whether a worker loads it
        # at the end, which creates variables, a collective step every worker must take.
        if chief.history_path.is_file():
            shutil.copy(chief.history_path, run_dir.history_path)
        checkpoints = chief.backup_dir.parent
        if checkpoints.is_dir():
            shutil.rmtree(run_dir.backup_dir.parent, ignore_errors=True)
            shutil.copytree(checkpoints, run_dir.backup_dir.parent)
    resume_epochs = _gather_from_workers(strategy, [_resume_epoch(run_dir)])
    epochs = sorted({int(row[0]) for row in resume_epochs})
    if len(epochs) > 1:
        raise ValueError(
            "Expected every worker to resume from the chief's last completed epoch. "
            f"Received: epochs {epochs} (a worker could not read the chief's run folder). "
            "Put --run-dir on storage every worker can read (NFS, a shared volume)."
        )


def all_workers_have(path: Path, strategy) -> bool:
    """Whether `path` exists for every worker (each in its own folder); `path.is_file()`
    on one machine. Loading a model is a collective step: all load, or none."""
    if not in_multi_worker_mode(strategy):
        return path.is_file()
    return all(row[0] for row in _gather_from_workers(strategy, [float(path.is_file())]))


def shard_across_workers(dataset, strategy):
    """`dataset` with every worker reading its own part of each global batch.

    DATA auto-sharding: each worker runs the whole (seeded, identical) pipeline, every
    global batch of `batch_size` is split across all replicas and each worker keeps its
    replicas' parts, so a step sees the same examples as one machine would. (FILE
    sharding needs one input file per worker; the pipelines read from memory.)
    """
    if not in_multi_worker_mode(strategy):
        return dataset
    import tensorflow as tf  # noqa: PLC0415

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def worker_lost_message(error: BaseException) -> str | None:
    """A one-line explanation when `error` says another worker of the cluster is gone."""
    tf = sys.modules.get("tensorflow")
    if tf is None or not os.environ.get(TF_CONFIG):
        return None
    lost = (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.DeadlineExceededError)
    while error is not None and not isinstance(error, lost):  # Keras wraps it (load_model)
        error = error.__cause__ or error.__context__
    if error is None:
        return None
    detail = " ".join(str(error.message).split())
    return (
        f"another worker of the cluster stopped or cannot be reached ({detail[:200]}). "
        "Restart every stopped worker with the same command and TF_CONFIG: training "
        "resumes from the last completed epoch."
    )
