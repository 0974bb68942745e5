"""Every op an exported SavedModel uses, checked against the ops TF Serving registers.

A server loads a SavedModel only if its binary registers every op in it, in any function
(a signature, the functions it calls, the ones the warmup replays): "Op type not
registered" otherwise. The ops are read from `saved_model.pb` itself, so nothing is traced
or loaded and custom-op libraries need not be imported.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tensorflow.core.protobuf import saved_model_pb2

from shared.export.tf_serving_ops.make_op_list import OP_LIST, TENSORFLOW_SERVING_VERSION

# Where an op sits when it is in a meta graph's top-level graph rather than a function.
TOP_LEVEL_GRAPH = "<graph>"


def registered_ops(op_list: Path = OP_LIST) -> dict[str, str]:
    """`{op: package}` from an op list file (`make_op_list.py` writes it)."""
    lines = Path(op_list).read_text().splitlines()
    return dict(line.split() for line in lines if line and not line.startswith("#"))


def saved_model_ops(saved_model_dir: Path) -> dict[str, set[str]]:
    """`{op: functions using it}` over every meta graph and every library function.

    A node whose op is the name of a library function (a direct function call) is a
    call, not an op, and is left out; `StatefulPartitionedCall` and friends are ops.
    """
    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((Path(saved_model_dir) / "saved_model.pb").read_bytes())
    users = defaultdict(set)
    for meta_graph in saved_model.meta_graphs:
        graph = meta_graph.graph_def
        functions = {f.signature.name for f in graph.library.function}
        for node in graph.node:
            users[node.op].add(TOP_LEVEL_GRAPH)
        for function in graph.library.function:
            for node in function.node_def:
                users[node.op].add(function.signature.name)
    return {op: names for op, names in users.items() if op not in functions}


def unregistered_ops(saved_model_dir: Path, registered: dict | None = None) -> dict[str, list]:
    """`{op: functions using it}` for the ops missing from `registered` (default: the list)."""
    registered = registered_ops() if registered is None else registered
    used = saved_model_ops(saved_model_dir)
    return {op: sorted(used[op]) for op in sorted(used) if op not in registered}


def describe_unregistered(missing: dict[str, list]) -> str:
    """One message naming each op of `missing` (from `unregistered_ops`) and where it is used."""
    where = "; ".join(f"{op} (used in {', '.join(names[:3])})" for op, names in missing.items())
    return (
        f"this SavedModel uses ops TF Serving {TENSORFLOW_SERVING_VERSION}'s stock binary does "
        f"not register ({OP_LIST.name}), so it would fail to load there with 'Op type not "
        f"registered': {where}. Build the graph from core ops (tf.strings can replace newer "
        "TF Text ops) or serve it with a TF Serving built with those ops."
    )


def check_tf_serving_ops(saved_model_dir: Path, registered: dict | None = None) -> None:
    """Raises `ValueError` naming each op TF Serving's stock binary would not know."""
    missing = unregistered_ops(saved_model_dir, registered)
    if missing:
        raise ValueError(
            f"Expected only registered ops ({saved_model_dir}): " + describe_unregistered(missing)
        )
