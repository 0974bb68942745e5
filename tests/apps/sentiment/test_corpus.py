"""Tests for the embedded default sentiment corpus (no TensorFlow needed)."""

from __future__ import annotations

import collections
import csv
import functools
import re

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from apps.sentiment import corpus
from apps.sentiment.corpus import (
    NEGATIVE,
    POSITIVE,
    film_vocabulary,
    generate_reviews,
    write_corpus_csv,
)


@functools.cache
def _default_corpus() -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Generated once: several tests read the full default-size corpus.
    texts, labels = generate_reviews()
    return tuple(texts), tuple(labels)


def _labels_matching(pattern: str) -> collections.Counter:
    regex = re.compile(pattern, re.IGNORECASE)
    texts, labels = _default_corpus()
    return collections.Counter(
        label for text, label in zip(texts, labels, strict=True) if regex.search(text)
    )


def test_same_seed_gives_same_corpus_and_other_seed_differs():
    assert generate_reviews(500, seed=7) == generate_reviews(500, seed=7)
    assert generate_reviews(500, seed=7)[0] != generate_reviews(500, seed=8)[0]


def test_default_arguments_give_the_default_corpus():
    texts, labels = _default_corpus()
    assert len(texts) == len(labels) == corpus.DEFAULT_NUM_REVIEWS == 12000
    assert generate_reviews(300) == generate_reviews(300, seed=corpus.DEFAULT_SEED)


@pytest.mark.parametrize("num_reviews", [0, 1, 2, 101, 1000])
def test_classes_are_exactly_balanced(num_reviews):
    texts, labels = generate_reviews(num_reviews)
    counts = collections.Counter(labels)
    assert len(texts) == num_reviews
    assert set(counts) <= {POSITIVE, NEGATIVE}
    assert counts[POSITIVE] == num_reviews // 2
    assert counts[NEGATIVE] == num_reviews - num_reviews // 2


def test_negative_size_is_rejected():
    with pytest.raises(ValueError, match="num_reviews"):
        generate_reviews(-1)


def test_texts_are_non_empty_review_sized_and_mostly_unique():
    texts, _ = _default_corpus()
    lengths = [len(text.split()) for text in texts]
    assert all(text.strip() == text and text for text in texts)
    assert min(lengths) >= 5 and max(lengths) <= 70
    assert sum(10 <= n <= 60 for n in lengths) / len(lengths) >= 0.9
    assert len(set(texts)) / len(texts) >= 0.9
    assert all(text[0].isupper() and text.endswith(".") for text in texts)


def test_the_label_is_a_function_of_the_text():
    texts, labels = _default_corpus()
    seen: dict[str, str] = {}
    for text, label in zip(texts, labels, strict=True):
        assert seen.setdefault(text, label) == label, text


@pytest.mark.parametrize(
    "phrase",
    [
        "not bad at all",
        "never once",
        "as the trailer promised",
        "hardly worth",
        "anything but",
        "far from",
        "nothing short of",
        "could not have been better",
        "I can't say I",
        ", but ",
        "However, ",
        "Although ",
        ", although ",
        "expected to hate it",
        "wanted to love it",
        "and they were wrong",
        "won me over",
    ],
)
def test_every_construction_appears(phrase):
    texts, _ = _default_corpus()
    assert sum(phrase in text for text in texts) >= 10


_STANDALONE_AT_ALL = r"(^|\. )The [a-z ]+ (is|was) not ({}) at all\.(?! However| But in the end)"
# Patterns whose label a reader can check by hand; each holds wherever it occurs.
HAND_CHECKED = [
    (r"anything but a (masterpiece|triumph|gem)", NEGATIVE),
    (r"anything but a (disaster|mess|slog)", POSITIVE),
    (r"nothing short of a (masterpiece|triumph|joy)", POSITIVE),
    (r"could not have been better", POSITIVE),
    (r"could have been better", NEGATIVE),
    (r"I can't say I (\w+ )?(enjoyed|loved) it", NEGATIVE),
    (r"I can't say I (\w+ )?hated it", POSITIVE),
    (r"(hardly|not \w+|never \w+) worth the ticket", NEGATIVE),
    (r"hate it, but (it|the \w+) \w+ won me over", POSITIVE),
    (r"I wanted to love it, but (I did not|I didn't|it (is|was) a mess)", NEGATIVE),
    (r"I (expected|wanted) to love it, and I did", POSITIVE),
    (r"I expected to hate it, and I did", NEGATIVE),
    (r"(told me|said|swore) it was a (disaster|mess|letdown), (and|but) they were wrong", POSITIVE),
    (
        r"(told me|said|swore) it was a (masterpiece|triumph|gem), (and|but) they were right",
        POSITIVE,
    ),
    (r"gorgeous to look at, but", NEGATIVE),
    (r", but painfully dull\.", NEGATIVE),
    # A stand-alone negated sentence decides unless a "However," overrules it next.
    (_STANDALONE_AT_ALL.format("|".join(film_vocabulary.NEG_ADJECTIVES)), POSITIVE),
    (_STANDALONE_AT_ALL.format("|".join(film_vocabulary.POS_ADJECTIVES)), NEGATIVE),
]


@pytest.mark.parametrize(("pattern", "expected"), HAND_CHECKED)
def test_hand_checked_constructions_have_the_right_label(pattern, expected):
    counts = _labels_matching(pattern)
    assert counts[expected] >= 3, f"too few matches to check: {counts}"
    assert set(counts) == {expected}, counts


@pytest.mark.parametrize(
    "word",
    [
        *film_vocabulary.POS_ADJECTIVES,
        *film_vocabulary.NEG_ADJECTIVES,
        *("masterpiece", "disaster", "worth", "waste", "enjoyed", "hated", "won", "lost"),
    ],
)
def test_polar_words_appear_about_equally_in_both_classes(word):
    counts = _labels_matching(rf"\b{word}\b")
    positive_share = counts[POSITIVE] / (counts[POSITIVE] + counts[NEGATIVE])
    assert 0.35 <= positive_share <= 0.65, counts


def test_csv_round_trips_through_csv_reader(tmp_path):
    path = tmp_path / "reviews.csv"
    write_corpus_csv(path, num_reviews=200, seed=3)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    texts, labels = generate_reviews(200, seed=3)
    assert rows[0] == ["text", "label"]
    assert rows[1:] == [[text, label] for text, label in zip(texts, labels, strict=True)]


def test_bag_of_ngrams_baseline_falls_well_short():
    # Documents the point of the corpus: word order decides the label, so a TF-IDF
    # unigram+bigram model stays low (about 0.57 measured) where a BiLSTM reaches ~0.99.
    texts, labels = _default_corpus()
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=0.2, random_state=0, stratify=labels
    )
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(train_x), train_y)
    accuracy = model.score(vectorizer.transform(test_x), test_y)
    assert accuracy < 0.85
