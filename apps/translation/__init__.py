"""Spanish -> English translation with an attention-free seq2seq model.

Python API (importing the package is cheap; TensorFlow loads on first use):

    from apps.translation import TranslationConfig, load, train

    translator = load()  # the latest finished run, or load("runs/translation/<run>")
    translator.translate(["¿Dónde está?"], beam=4)
    # [{"translation": "Where is it?", "beam": 4}]
    result = train(TranslationConfig(epochs=5), "spa-eng.tsv")  # -> result.run_dir, .metrics
"""

from shared.package_api import lazy_exports

__all__ = ["SentenceTranslator", "TranslationConfig", "load", "train"]

__getattr__ = lazy_exports(
    __name__,
    {
        "load": "apps.translation.api",
        "SentenceTranslator": "apps.translation.api",
        "TranslationConfig": "apps.translation.config",
        "train": "apps.translation.train",
    },
)
