"""The baseline every classification report is measured against: TF-IDF + logistic regression.

Saved as one `.npz` archive of plain arrays, read with `allow_pickle=False`: loading a
run folder never runs code from it (a pickle, e.g. the `baseline.joblib` earlier versions
wrote, can). The archive holds

- `settings`: UTF-8 JSON, the vectorizer's and the classifier's settings and a format number;
- `vocabulary`: the UTF-8 terms in column order, joined by newlines (terms hold no newline:
  the token pattern matches word characters, bigrams join two with a space);
- `idf`, `coef`, `intercept`, `classes`: the fitted numbers.

`load_baseline` rebuilds scikit-learn objects that predict exactly as the saved ones.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from shared.training.damage import RunFolderDamaged
from shared.training.run_directory import write_atomic

FORMAT_VERSION = 1
ARRAYS = ("settings", "vocabulary", "idf", "coef", "intercept", "classes")
# The settings that decide what `transform` and `predict` compute (and `fit`'s, for the
# record); the preprocessor is stored by name and looked up in PREPROCESSORS, never imported.
VECTORIZER_SETTINGS = (
    "analyzer", "binary", "lowercase", "max_df", "max_features", "min_df", "ngram_range",
    "norm", "smooth_idf", "strip_accents", "sublinear_tf", "token_pattern", "use_idf",
)  # fmt: skip
CLASSIFIER_SETTINGS = ("C", "max_iter", "random_state")
REFIT = "delete it: `evaluate` then refits the baseline from the run's training data"


def strip_markup_lowercase(text: str) -> str:
    """HTML line breaks (IMDB) are markup, not words."""
    return text.replace("<br />", " ").lower()


PREPROCESSORS = {None: None, "strip_markup_lowercase": strip_markup_lowercase}


def make_tfidf_baseline(seed: int = 0) -> Pipeline:
    """Word 1-2 grams, sublinear TF, L2 logistic regression: the usual strong linear baseline."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=2,
                    max_df=0.95,
                    sublinear_tf=True,
                    strip_accents=None,
                    lowercase=True,
                    preprocessor=strip_markup_lowercase,
                ),
            ),
            ("classifier", LogisticRegression(C=4.0, max_iter=2000, random_state=seed)),
        ]
    )


def fit_baseline(texts: list[str], labels: list[int], seed: int = 0) -> Pipeline:
    return make_tfidf_baseline(seed).fit(texts, labels)


def _bytes_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save_baseline(pipeline: Pipeline, path: Path) -> None:
    """Writes a fitted `make_tfidf_baseline` pipeline to `path` (`.npz`), atomically."""
    tfidf, classifier = pipeline.named_steps["tfidf"], pipeline.named_steps["classifier"]
    names = {function: name for name, function in PREPROCESSORS.items()}
    if tfidf.preprocessor not in names:
        raise ValueError(
            f"Expected a preprocessor among {sorted(filter(None, PREPROCESSORS))} (those a "
            f"saved baseline can name). Received: {tfidf.preprocessor!r}."
        )
    params = tfidf.get_params()
    settings = {
        "format": FORMAT_VERSION,
        "vectorizer": {key: params[key] for key in VECTORIZER_SETTINGS},
        "preprocessor": names[tfidf.preprocessor],
        "classifier": {key: classifier.get_params()[key] for key in CLASSIFIER_SETTINGS},
    }
    terms = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.get)
    if any("\n" in term for term in terms):
        raise ValueError("Expected terms without newlines (the vocabulary's separator).")
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        settings=_bytes_array(json.dumps(settings)),
        vocabulary=_bytes_array("\n".join(terms)),
        idf=np.asarray(tfidf.idf_, dtype=np.float64),
        coef=np.asarray(classifier.coef_, dtype=np.float64),
        intercept=np.asarray(classifier.intercept_, dtype=np.float64),
        classes=np.asarray(classifier.classes_),
    )
    write_atomic(Path(path), buffer.getvalue())


def load_baseline(path: Path) -> Pipeline:
    """Reads a baseline written by `save_baseline`; no code from the file is run.

    Raises:
        RunFolderDamaged: the file is truncated, corrupt, or not a saved baseline.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [name for name in ARRAYS if name not in archive.files]
            if missing:
                raise RunFolderDamaged(path, f"lacks the arrays {missing}", REFIT)
            arrays = {name: archive[name] for name in ARRAYS}
        settings = json.loads(arrays["settings"].tobytes().decode("utf-8"))
        terms = arrays["vocabulary"].tobytes().decode("utf-8").split("\n")
    except RunFolderDamaged:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        # ValueError covers pickled (object) arrays, bad JSON and bad UTF-8 too.
        problem = f"cannot be read as a saved TF-IDF baseline ({type(error).__name__}: {error})"
        raise RunFolderDamaged(path, problem, REFIT) from None
    problem = _inconsistency(settings, terms, arrays)
    if problem is not None:
        raise RunFolderDamaged(path, problem, REFIT)
    try:
        pipeline = _rebuild(settings, terms, arrays)
        pipeline.predict(["a probe sentence"])  # settings that cannot transform fail here
    except (TypeError, ValueError, AttributeError) as error:
        problem = f"holds settings that do not rebuild the baseline ({error})"
        raise RunFolderDamaged(path, problem, REFIT) from None
    return pipeline


def _inconsistency(settings, terms: list[str], arrays: dict) -> str | None:
    """Why the arrays cannot be one fitted baseline, or None."""
    if not isinstance(settings, dict) or settings.get("format") != FORMAT_VERSION:
        return f"is not a saved TF-IDF baseline of format {FORMAT_VERSION}"
    vectorizer, classifier = settings.get("vectorizer"), settings.get("classifier")
    if (
        not isinstance(vectorizer, dict)
        or set(vectorizer) != set(VECTORIZER_SETTINGS)
        or not isinstance(classifier, dict)
        or set(classifier) != set(CLASSIFIER_SETTINGS)
        or settings.get("preprocessor") not in PREPROCESSORS
    ):
        return "holds settings other than a saved TF-IDF baseline's"
    idf, coef, intercept, classes = (arrays[k] for k in ("idf", "coef", "intercept", "classes"))
    if any(a.dtype.kind != "f" or not np.isfinite(a).all() for a in (idf, coef, intercept)):
        return "holds non-numeric or non-finite weights"
    rows = 1 if len(classes) == 2 else len(classes)
    if (
        classes.ndim != 1
        or classes.dtype.kind not in "iuU"
        or len(classes) < 2
        or idf.shape != (len(terms),)
        or coef.shape != (rows, len(terms))
        or intercept.shape != (rows,)
        or len(set(terms)) != len(terms)
    ):
        return (
            f"holds arrays of inconsistent sizes ({len(terms)} terms, idf {idf.shape}, "
            f"coef {coef.shape}, intercept {intercept.shape}, {len(classes)} classes)"
        )
    return None


def _rebuild(settings: dict, terms: list[str], arrays: dict) -> Pipeline:
    vectorizer_settings = dict(settings["vectorizer"])
    if vectorizer_settings["ngram_range"] is not None:
        vectorizer_settings["ngram_range"] = tuple(vectorizer_settings["ngram_range"])
    tfidf = TfidfVectorizer(
        **vectorizer_settings, preprocessor=PREPROCESSORS[settings["preprocessor"]]
    )
    tfidf.vocabulary_ = {term: index for index, term in enumerate(terms)}
    tfidf.idf_ = arrays["idf"]
    classifier = LogisticRegression(**settings["classifier"])
    classifier.classes_ = arrays["classes"]
    classifier.coef_ = arrays["coef"]
    classifier.intercept_ = arrays["intercept"]
    classifier.n_features_in_ = len(terms)
    return Pipeline([("tfidf", tfidf), ("classifier", classifier)])
