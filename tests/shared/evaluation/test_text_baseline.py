"""Tests for the TF-IDF + logistic regression baseline."""

import numpy as np
import pytest

from shared.evaluation.text_baseline import (
    fit_baseline,
    load_baseline,
    save_baseline,
    strip_markup_lowercase,
)
from shared.training.damage import RunFolderDamaged

# --- TF-IDF baseline -------------------------------------------------------------------

# Sentiment words each occur in several documents (the vectorizer's min_df is 2), and
# "movie" occurs in every document so it is dropped by max_df and cannot be a cue.
POSITIVE = [
    "great movie, loved it",
    "loved this great movie",
    "wonderful movie, great cast",
    "a wonderful loved movie",
]
NEGATIVE = [
    "terrible movie, hated it",
    "hated this boring movie",
    "boring terrible movie",
    "a boring hated movie<br />terrible",
]
TOY_TEXTS = POSITIVE + NEGATIVE
TOY_LABELS = [1] * len(POSITIVE) + [0] * len(NEGATIVE)


@pytest.fixture(scope="module")
def baseline():
    return fit_baseline(TOY_TEXTS, TOY_LABELS, seed=0)


def test_baseline_separates_a_trivially_separable_set(baseline):
    assert list(baseline.predict(TOY_TEXTS)) == TOY_LABELS
    assert list(baseline.predict(["great and wonderful", "boring and terrible"])) == [1, 0]
    vocabulary = baseline.named_steps["tfidf"].vocabulary_
    assert "movie" not in vocabulary  # in 100% of documents > max_df
    assert "br" not in vocabulary  # markup is not a word


def test_strip_markup_lowercase():
    assert strip_markup_lowercase("Great<br />FILM") == "great film"


@pytest.mark.parametrize("classes", [2, 3])
def test_baseline_save_load_round_trip_predicts_identically_without_pickle(tmp_path, classes):
    labels = TOY_LABELS if classes == 2 else [2, 1, 2, 1, 0, 0, 1, 0]
    fitted = fit_baseline(TOY_TEXTS, labels, seed=0)
    path = tmp_path / "baseline.npz"
    save_baseline(fitted, path)
    with np.load(path, allow_pickle=False) as archive:  # plain arrays only: no code inside
        assert all(archive[name].dtype != object for name in archive.files)
    restored = load_baseline(path)
    probe = [*TOY_TEXTS, "loved it", "hated it", "unseen words only", "GREAT<br />boring"]
    np.testing.assert_array_equal(restored.predict(probe), fitted.predict(probe))
    np.testing.assert_array_equal(restored.predict_proba(probe), fitted.predict_proba(probe))


def test_a_baseline_with_inconsistent_arrays_is_damaged(tmp_path, baseline):
    path = tmp_path / "baseline.npz"
    save_baseline(baseline, path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    np.savez(path, **{**arrays, "idf": arrays["idf"][:-1]})
    with pytest.raises(RunFolderDamaged, match=r"run folder damaged: .*baseline.npz holds arrays"):
        load_baseline(path)


def test_baseline_is_deterministic_for_a_seed(baseline):
    again = fit_baseline(TOY_TEXTS, TOY_LABELS, seed=0)
    np.testing.assert_array_equal(
        again.named_steps["classifier"].coef_, baseline.named_steps["classifier"].coef_
    )
