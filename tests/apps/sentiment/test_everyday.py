"""Tests for the everyday half of the embedded sentiment corpus (no TensorFlow needed)."""

from __future__ import annotations

import collections
import lzma
import re

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from apps.sentiment.corpus import NEGATIVE, POSITIVE, everyday
from apps.sentiment.corpus.everyday import (
    generate_everyday_reviews,
    generate_lexicon_drills,
    lexicon,
    neutral_sentences,
)
from apps.sentiment.data import EVERYDAY_REVIEWS, GRAMMAR_REVIEWS, LEXICON_DRILLS, embedded_corpus
from shared.corpora import tatoeba


def test_same_seed_same_reviews_and_classes_exactly_balanced():
    first = generate_everyday_reviews(501, seed=4, neutral_sentences=["Tom lives in Boston."])
    assert first == generate_everyday_reviews(501, 4, ["Tom lives in Boston."])
    assert first[0] != generate_everyday_reviews(501, 5, ["Tom lives in Boston."])[0]
    counts = collections.Counter(first[1])
    assert counts == {POSITIVE: 250, NEGATIVE: 251}
    with pytest.raises(ValueError, match="num_reviews"):
        generate_everyday_reviews(-1, seed=0)


def test_polar_words_carry_their_usual_meaning():
    # The opposite of the grammar corpus, where "great" is as often negative as positive:
    # here a bag of words does well (0.84 measured; the contrasts and negations keep it
    # from 1.0), where on the grammar corpus it stays near 0.57.
    texts, labels = generate_everyday_reviews(6000, seed=1)
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=0.2, random_state=0, stratify=labels
    )
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(train_x), train_y)
    assert model.score(vectorizer.transform(test_x), test_y) > 0.8
    # "great" with no negation or contrast is praise; the grammar corpus keeps it 50/50.
    great = collections.Counter(
        y
        for x, y in zip(texts, labels, strict=True)
        if re.search(r"\bgreat\b", x, re.I)
        and not re.search(r"\b(not|never|but|however|waste)\b", x)
    )
    assert great[POSITIVE] >= 50 and great[NEGATIVE] <= great[POSITIVE] * 0.1, great


def test_every_lexicon_word_is_drilled_often_enough_to_get_an_id():
    # The vocabulary keeps words seen at least twice (min_count 2).
    words = lexicon()
    assert len(words[1]) > 1000 and len(words[-1]) > 1000
    texts, labels = generate_lexicon_drills(LEXICON_DRILLS, seed=3)
    counts = collections.Counter(
        token for text in texts for token in re.findall(r"[a-z]+", text.lower())
    )
    for sign in (1, -1):
        assert min(counts[word] for word in words[sign]) >= 2
    assert collections.Counter(labels) == {
        POSITIVE: LEXICON_DRILLS // 2,
        NEGATIVE: LEXICON_DRILLS // 2,
    }


def test_neutral_context_has_no_opinion_words():
    kept = neutral_sentences(
        [
            "Tom lives in Boston.",
            "I love this town.",
            "The movie was terrible.",
            "This is not my car.",
            "Hi.",
            "We took the train to Madrid on Monday.",
        ]
    )
    assert kept == ["Tom lives in Boston.", "We took the train to Madrid on Monday."]


def test_embedded_corpus_mixes_the_three_parts_deterministically():
    texts, labels = embedded_corpus()
    assert len(texts) == GRAMMAR_REVIEWS + EVERYDAY_REVIEWS + LEXICON_DRILLS
    assert collections.Counter(labels) == {POSITIVE: len(texts) // 2, NEGATIVE: len(texts) // 2}
    assert embedded_corpus(scale=0.01) == embedded_corpus(scale=0.01)
    # Tatoeba sentences appear as context: real everyday vocabulary the grammar lacks.
    pool = neutral_sentences(sorted({e for _, e in tatoeba.tatoeba_spanish_english()}))
    stems = {sentence.rstrip(".!?") for sentence in pool}
    with_context = sum(
        any(part.rstrip(".!?") in stems for part in re.split(r"(?<=[.!?]) ", text))
        for text in texts
    )
    assert with_context > 1000


def test_tatoeba_slice_is_small_real_and_checked(tmp_path, monkeypatch):
    pairs = tatoeba.tatoeba_spanish_english()
    assert len(pairs) > 40000
    assert tatoeba.TATOEBA_SPA_ENG.stat().st_size < 2_000_000  # "a few MB at most" in git
    assert all(spanish and english for spanish, english in pairs)
    bad = tmp_path / "bad.tsv.xz"
    with lzma.open(bad, "wt", encoding="utf-8") as handle:
        handle.write("spanish\tenglish\nHola.\tHello.\n")
    monkeypatch.setattr(tatoeba, "TATOEBA_SPA_ENG", bad)
    tatoeba.tatoeba_spanish_english.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"expected the header \['english', 'spanish'\]"):
            tatoeba.tatoeba_spanish_english()
    finally:
        tatoeba.tatoeba_spanish_english.cache_clear()


def test_lexicon_file_keeps_its_licence():
    licence = everyday.LEXICON_PATH.with_name("LICENSE-VADER.txt").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Hutto" in licence
