"""The baseline every classification report is measured against: TF-IDF + logistic regression."""

from __future__ import annotations

from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def strip_markup_lowercase(text: str) -> str:
    """HTML line breaks (IMDB) are markup, not words. Module-level so joblib can pickle it."""
    return text.replace("<br />", " ").lower()


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


def save_baseline(pipeline: Pipeline, path: Path) -> None:
    joblib.dump(pipeline, path)


def load_baseline(path: Path) -> Pipeline:
    return joblib.load(path)
