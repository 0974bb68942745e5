"""Writes `registered_ops.txt`: the ops TF Serving 2.21's stock binary registers.

    python shared/export/tf_serving_ops/make_op_list.py [--text-env /tmp/tf-text-2.12.1]

The stock `tensorflow/serving` images link TensorFlow core of their own version and embed
TensorFlow Text 2.12.1 (tensorflow/serving PR #4057), all of its op libraries (its Bazel
`ops_lib`). So the list is made from the real packages, each asked in a process of its own:
- core: every op registered in a process that imported only the installed tensorflow
  (2.21, this venv), read from the C registry (`TF_GetAllOpList`), which also has the ops
  without Python wrappers;
- TF Text: a side virtualenv with tensorflow-cpu 2.12.1 and tensorflow-text 2.12.1 (created
  with pip when missing) loads every op library (`*.so`) of the 2.12.1 wheel with
  `TF_LoadLibrary` and reads the ops each one registers (`TF_GetOpList`). The wheel ships
  no generated `gen_*.py` wrappers, so the libraries are the source.
Run as a file (not `-m`), so that nothing else of the project is imported beside TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

TENSORFLOW_SERVING_VERSION = "2.21"
TEXT_VERSION = "2.12.1"
OP_LIST = Path(__file__).with_name("registered_ops.txt")
CORE, TEXT = "tensorflow", "tensorflow-text"


def ops_in_this_process(libraries: list[str]) -> dict:
    """Ops of this process' registry (`""`), or those each library registers when loaded."""
    import tensorflow as tf  # noqa: PLC0415
    from tensorflow.core.framework import op_def_pb2  # noqa: PLC0415
    from tensorflow.python.client import pywrap_tf_session as c_api  # noqa: PLC0415

    def names(serialized: bytes) -> list[str]:
        ops = op_def_pb2.OpList()
        ops.ParseFromString(serialized)
        return sorted(op.name for op in ops.op)

    if not libraries:
        all_ops = c_api.TF_GetAllOpList()  # a TF_Buffer, unlike TF_GetOpList's bytes
        return {"": names(c_api.TF_GetBuffer(all_ops)), "version": tf.__version__}
    return {lib: names(c_api.TF_GetOpList(c_api.TF_LoadLibrary(lib))) for lib in libraries}


def ask(python: str, libraries: list[str] = ()) -> dict:
    """`ops_in_this_process` run by another interpreter, in a fresh process."""
    out = subprocess.run(
        [python, __file__, "--worker", *libraries], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.splitlines()[-1])


def text_environment(env: Path, base_python: str) -> str:
    """Python of a side virtualenv holding tensorflow(-text) 2.12.1, made when missing."""
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([base_python, "-m", "venv", str(env)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "tensorflow-cpu==2.12.1"], check=True)
        # --no-deps: the wheel asks for tensorflow (GPU build) where tensorflow-cpu is enough.
        subprocess.run([*pip, "--no-deps", f"tensorflow-text=={TEXT_VERSION}"], check=True)
    return str(python)


def text_libraries(python: str) -> list[str]:
    """The op libraries (`*.so`) of the tensorflow_text package that `python` has."""
    # find_spec locates the package without importing it (its __init__ needs tensorflow_hub).
    code = (
        "import importlib.util as u; "
        "print(*u.find_spec('tensorflow_text').submodule_search_locations)"
    )
    package = Path(
        subprocess.run(
            [python, "-c", code], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    version = subprocess.run(
        [python, "-m", "pip", "show", "tensorflow-text"], check=True, capture_output=True, text=True
    ).stdout
    if f"Version: {TEXT_VERSION}" not in version:
        raise SystemExit(
            f"Expected tensorflow-text {TEXT_VERSION} in {python}. Received:\n{version}"
        )
    return sorted(str(p) for p in package.rglob("*.so"))


def op_list_text(core: list[str], core_version: str, text: dict[str, list[str]]) -> str:
    """The file: a header, then `<op> <package>` per line, sorted by op name."""
    source = dict.fromkeys(core, CORE)
    for ops in text.values():
        source.update(dict.fromkeys(ops, TEXT))
    header = [
        f"# Ops registered by TF Serving {TENSORFLOW_SERVING_VERSION}'s stock binary:",
        f"# TensorFlow core {core_version} plus TensorFlow Text {TEXT_VERSION}, which the stock",
        "# images embed (tensorflow/serving PR #4057). Made by make_op_list.py (this folder)",
        "# from the real packages: core from the op registry (TF_GetAllOpList) of a process",
        f"# importing only tensorflow {core_version}; TF Text from TF_GetOpList of every op",
        f"# library of the tensorflow-text {TEXT_VERSION} wheel, loaded by tensorflow-cpu 2.12.1.",
        f"# {len(core)} core ops, {sum(map(len, text.values()))} TF Text ops. "
        "Format: <op> <package>.",
    ]
    return "\n".join([*header, *(f"{op} {source[op]}" for op in sorted(source))]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-env", type=Path, default=Path("/tmp/tf-text-2.12.1"))
    parser.add_argument("--base-python", default="python3.11", help="Makes the side env.")
    parser.add_argument("--out", type=Path, default=OP_LIST)
    parser.add_argument("--worker", nargs="*", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(ops_in_this_process(args.worker)))
        return 0
    core = ask(sys.executable)
    side_python = text_environment(args.text_env, args.base_python)
    text = {
        Path(lib).name: ops for lib, ops in ask(side_python, text_libraries(side_python)).items()
    }
    args.out.write_text(op_list_text(core[""], core["version"], text))
    print(f"{args.out}: {len(core[''])} core ops; TF Text {TEXT_VERSION}: {json.dumps(text)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
