"""Layers, text processing, data loading, training and evaluation shared by every app.

`import shared` registers the custom Keras layers (`shared.layers`), so
`keras.models.load_model("runs/<app>/<run>/model.keras")` works after it, without
importing TensorFlow where it is not needed: `shared.edge` (the phone side) and the
command lines' argument checks must stay TensorFlow-free. Keras has no lookup hook for
unknown classes (it imports a class's module itself only for Keras' own packages), so
registration must happen before `load_model` runs; it happens here at once when Keras
is already loaded, else right after the process first imports Keras.
"""

import importlib.abc
import sys

_WATCHED = ("keras", "tensorflow")  # importing either imports Keras


def _register_layers_if_keras_is_ready() -> bool:
    """Imports `shared.layers` once Keras (and TensorFlow, if loading) finished loading."""
    if sys.modules.get("keras") is None:  # not imported, or blocked (None) on purpose
        return False
    for name in _WATCHED:
        spec = getattr(sys.modules.get(name), "__spec__", None)
        if getattr(spec, "_initializing", False):  # still executing its __init__
            return False
    import shared.layers  # noqa: F401, PLC0415  (registers the layers)
    import shared.training.losses  # noqa: F401, PLC0415  (and the label-smoothed loss)

    return True


class _RegisterLayersAfterImport(importlib.abc.MetaPathFinder):
    """Wraps the loaders of `keras` and `tensorflow` to register the layers once done.

    TensorFlow imports Keras halfway through its own `__init__`, when `shared.layers`
    cannot be imported yet; the registration then waits for TensorFlow to finish.
    """

    def find_spec(self, name, path=None, target=None):
        if name not in _WATCHED:
            return None
        for finder in sys.meta_path:  # the spec the import would have found without us
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _RegisteringLoader(spec.loader, self)
        return spec


class _RegisteringLoader(importlib.abc.Loader):
    def __init__(self, loader, finder: _RegisterLayersAfterImport):
        self._loader = loader
        self._finder = finder

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        # importlib clears `_initializing` only after exec_module returns.
        module.__spec__._initializing = False
        if _register_layers_if_keras_is_ready() and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)

    def __getattr__(self, name):  # resources, get_code, ...: the real loader's
        return getattr(self._loader, name)


if not _register_layers_if_keras_is_ready() and not any(
    isinstance(f, _RegisterLayersAfterImport) for f in sys.meta_path
):
    sys.meta_path.insert(0, _RegisterLayersAfterImport())
