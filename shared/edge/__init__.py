"""On-device (phone-like) runners: pure Python, numpy and LiteRT, never TensorFlow.

    from shared.edge import EdgeSentimentClassifier, EdgeTranslator

    classifier = EdgeSentimentClassifier.from_directory("saved_models/sentiment/1/tflite")
    classifier.classify(["a moving, beautifully acted film"])
    answer, state = classifier.stream("I expected to hate it,")  # `train --streaming` runs
    answer, state = classifier.stream("but it won me over", state)
    translator = EdgeTranslator.from_directory("saved_models/translation/1/tflite")
    translator.translate(["¿Dónde está la estación?"], beam_width=4)

The classes are loaded on first use (PEP 562), so `import shared.edge` stays cheap and
never loads LiteRT, let alone TensorFlow.
"""

from __future__ import annotations

import importlib

# Public name -> the module that defines it.
_EXPORTS = {
    "EdgeSentimentClassifier": "shared.edge.sentiment",
    "EdgeSentimentStream": "shared.edge.sentiment_stream",
    "EdgeTranslator": "shared.edge.translation",
    "ExportRunner": "shared.edge.runner",
    "LiteModel": "shared.edge.runtime",
    "MetadataError": "shared.edge.metadata",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'shared.edge' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
