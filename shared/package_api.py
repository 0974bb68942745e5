"""What an app package exports as its Python API, without importing TensorFlow.

`import apps.sentiment` must stay cheap (its command line reports argument errors before
TensorFlow loads), so the package names its API and each name is imported on first use:

    __getattr__ = lazy_exports(__name__, {"load": "apps.sentiment.api", ...})

`train` is both the API function and the submodule that defines it
(`apps.sentiment.train`). Python binds a package attribute to a submodule whenever the
submodule is imported, so `apps.sentiment.train` is, sooner or later, the module;
`callable_module` makes that module call its function, so `from apps.sentiment import
train; train(config)` works whichever import ran first, and `apps.sentiment.train.<name>`
still reaches the module's other names (and tests can patch them).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from collections.abc import Callable
from pathlib import Path


class LoadedRun:
    """What every API object shares: the loaded run it answers with."""

    def __init__(self, trained):
        self.trained = trained

    @property
    def run_dir(self) -> Path:
        """The run folder the model came from."""
        return self.trained.run_dir.path


def run_folder_to_load(app: str, run_dir) -> Path:
    """The run folder an API `load()` opens (the latest finished one when None).

    Also starts TensorFlow as quietly as the commands do (its C++ start-up lines are
    noise), so call it before importing anything that imports TensorFlow.
    """
    from shared.cli import latest_finished_run  # noqa: PLC0415
    from shared.startup import quiet_tensorflow  # noqa: PLC0415

    quiet_tensorflow()
    return Path(run_dir) if run_dir is not None else latest_finished_run(app)


def load_trained_run(app: str, run_dir, trained_run: str):
    """The finished run an API `load()` opens, as `trained_run` (`"module:Class"`, whose
    `.load(path)` reads it): `run_dir`, or the latest finished run of `app`."""
    path = run_folder_to_load(app, run_dir)
    module_name, _, class_name = trained_run.partition(":")
    return getattr(importlib.import_module(module_name), class_name).load(path)


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` importing `name` from `exports[name]` on first use.

    A name equal to its module's last component (`"train": "apps.sentiment.train"`)
    is that module itself.
    """

    def __getattr__(name: str):
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(module_name)
        value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


class _CallableModule(types.ModuleType):
    """A module whose call is its function named `__call_name__` (looked up per call)."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__call_name__)(*args, **kwargs)


def callable_module(module_name: str, function_name: str) -> None:
    """Makes `sys.modules[module_name](...)` call its `function_name(...)`."""
    module = sys.modules[module_name]
    module.__class__ = _CallableModule
    module.__call_name__ = function_name
    module.__signature__ = inspect.signature(getattr(module, function_name))
