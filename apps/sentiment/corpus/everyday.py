"""Everyday review sentences for the embedded corpus: films, products, restaurants, services.

The grammar in `film_reviews.py` keeps every polar word balanced across the labels, so a model
trained on it alone learns word order but not that "great" is good: it read "Great!"
as negative. This generator supplies the other half of what a reader knows: short,
ordinary review sentences in several domains whose polar words and phrases carry their
usual meaning, written the way people write online (fragments, lower case, "!!", no final
full stop), with the everyday operators (negation, "but") used as people use them.

Three sources of polar words:
- hand-written review vocabulary per domain (the words reviews actually use most);
- hand-written phrases that carry a verdict without a polar adjective ("I want my money
  back", "will definitely be back");
- the VADER lexicon (MIT, `lexicon/vader_polar_words.tsv`: 2,999 words with mean
  valence >= 1.5 in magnitude and rater spread <= 1.0) for breadth, in short frames.

Neutral context ("I bought it for my son.") is label-independent, so it teaches the
model to look past it. Only `random.Random(seed)` is used: byte-identical everywhere.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from apps.sentiment.corpus.everyday_vocabulary import (
    DEGREES,
    DOMAINS,
    GENERAL,
    NEGATED_FORMS,
    OPINION_WORDS,
    VERBS,
)
from apps.sentiment.corpus.polarity import balanced_polarities, polarity_labels

LEXICON_PATH = Path(__file__).parents[1] / "lexicon" / "vader_polar_words.tsv"


@cache
def lexicon() -> dict[int, tuple[str, ...]]:
    """VADER's clearly polar single words, by sign: {1: (...), -1: (...)}."""
    words: dict[int, list[str]] = {1: [], -1: []}
    with open(LEXICON_PATH, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            words[1 if float(row["valence"]) > 0 else -1].append(row["word"])
    return {sign: tuple(found) for sign, found in words.items()}


def neutral_sentences(sentences: Sequence[str], max_words: int = 14) -> list[str]:
    """The sentences with no opinion word and no VADER polar word: label-free context."""
    polar = set(lexicon()[1]) | set(lexicon()[-1]) | OPINION_WORDS
    kept = []
    for sentence in sentences:
        words = [w.strip('.,!?;:"').lower() for w in sentence.split()]
        if 3 <= len(words) <= max_words and not polar.intersection(words):
            kept.append(sentence)
    return kept


class EverydayGrammar:
    def __init__(self, rng: random.Random, neutral_sentences: Sequence[str]):
        self.rng = rng
        self.neutral_sentences = neutral_sentences

    def pick(self, options: Sequence[str]) -> str:
        return self.rng.choice(options)

    def adjective(self, domain: dict, polarity: int) -> str:
        pool = domain[polarity] if self.rng.random() < 0.5 else GENERAL[polarity]
        return self.pick(pool)

    def degree(self, adjective: str) -> str:
        # Degrees go before bare adjectives only ("very delicious", not "very a gem").
        if " " in adjective or adjective.startswith(("the ", "a ")):
            return adjective
        return f"{self.pick(DEGREES)} {adjective}".strip()

    def subject_clause(self, domain: dict, polarity: int) -> str:
        subject = self.pick(domain["subjects"])
        verb = self.pick(VERBS)
        if subject.startswith("these ") or subject.endswith("s") and subject != "it":
            verb = "are" if verb in ("is", "are") else "were"
        elif verb in ("are", "were"):
            verb = "is" if verb == "are" else "was"
        if self.rng.random() < 0.2:  # negation of the opposite pole
            adjective = self.adjective(domain, -polarity)
            form = self.pick(NEGATED_FORMS if " " not in adjective else ("not {a}",))
            if polarity > 0:
                form = self.pick(("not {a}", "not {a} at all", "never {a}"))
                adjective = self.pick(("bad", "terrible", "disappointing", "boring", "awful"))
            return f"{subject} {verb} {form.format(a=adjective)}"
        return f"{subject} {verb} {self.degree(self.adjective(domain, polarity))}"

    def clause(self, domain: dict, polarity: int) -> str:
        kind = self.rng.random()
        if kind < 0.45:
            return self.subject_clause(domain, polarity)
        if kind < 0.75:
            side = "positive_phrases" if polarity > 0 else "negative_phrases"
            return self.pick(domain[side])
        if kind < 0.8:
            return self.superlative(domain, polarity)
        if kind < 0.88:
            return self.negated_verdict(domain, polarity)
        if kind < 0.95:
            adjective = self.adjective(domain, polarity)
            if adjective.startswith(("a ", "the ", "not ", "worth", "exactly", "beyond")):
                adjective = self.pick(domain[polarity])
            if adjective.startswith(("a ", "the ")):
                return adjective
            return f"{self.degree(adjective)} {self.pick(domain['nouns'])}"
        return self.lexicon_clause(domain, polarity)

    def lexicon_clause(self, domain: dict, polarity: int) -> str:
        word = self.pick(lexicon()[polarity])
        return self.pick(
            (
                word,
                f"so {word}",
                f"just {word}",
                f"{self.pick(domain['subjects'])} was {word}",
                f"I found it {word}",
                f"{word}, {self.pick(lexicon()[polarity])}",
            )
        )

    def superlative(self, domain: dict, polarity: int) -> str:
        """ "Best pizza ever" and "worst pizza ever" share every other word."""
        best = self.pick(("best", "greatest", "finest") if polarity > 0 else ("worst",))
        noun = self.pick(domain["nouns"])
        return self.pick(
            (
                f"{best} {noun} ever",
                f"the {best} {noun} I've ever had",
                f"one of the {best} {noun}s I've tried",
                f"by far the {best} {noun} in town",
                f"hands down the {best} {noun} this year",
            )
        )

    def negated_verdict(self, domain: dict, polarity: int) -> str:
        """Verdicts that are negations: "Not funny.", "Never had a bad meal here."."""
        opposite = self.pick(domain[-polarity])
        while " " in opposite or opposite.startswith(("a ", "the ")):
            opposite = self.pick(domain[-polarity])
        noun = self.pick(domain["nouns"])
        article = "an" if opposite[0] in "aeiou" else "a"
        forms = [
            f"not {opposite}",
            f"not {opposite}. not even a little",
            f"not {opposite} at all",
            f"never {opposite}",
            f"nothing {opposite} about it",
            f"not one {opposite} moment" if domain is DOMAINS["film"] else f"not {opposite}",
            f"never had {article} {opposite} {noun} here",
            f"never had {article} {opposite} {noun} from them",
        ]
        # Idioms that invert any verdict, nouns included: "anything but a masterpiece".
        verdict = self.pick(domain[-polarity])
        forms += [f"anything but {verdict}", f"far from {verdict}", f"hardly {verdict}"]
        better = "much better than" if polarity > 0 else "much worse than"
        forms.append(f"{self.pick(domain['subjects'])} is {better} the old one")
        forms.append(
            f"the old one was {'much worse' if polarity > 0 else 'much better'}, this one is"
            f" {self.pick(domain[polarity]) if ' ' not in domain[polarity][0] else 'great'}"
            if self.rng.random() < 0.5
            else f"the old {noun} was {'worse' if polarity > 0 else 'better'}"
        )
        return self.pick(forms)

    def review(self, domain: dict, polarity: int) -> str:
        shape = self.rng.random()
        if shape < 0.3:  # one short verdict: "Great!", "Terrible service."
            parts = [_finish(self.clause(domain, polarity), self.rng)]
        elif shape < 0.55:  # two clauses of the same polarity
            first, second = self.clause(domain, polarity), self.clause(domain, polarity)
            joined = self.pick(("{a} and {b}", "{a}, {b}", "{a}. {b}", "{a}! {b}"))
            parts = [_finish(joined.format(a=first, b=second), self.rng)]
        elif shape < 0.75:  # contrast: the clause after "but" decides
            overruled = self.subject_clause(domain, -polarity)
            decisive = self.clause(domain, polarity)
            joined = self.pick(("{o}, but {d}", "{o} but {d}", "{o}. But {d}", "{o}, however {d}"))
            parts = [_finish(joined.format(o=overruled, d=decisive), self.rng)]
        else:  # a verdict with neutral context around it
            parts = [_finish(self.clause(domain, polarity), self.rng)]
            context = self.pick(domain["context"])
            if self.neutral_sentences and self.rng.random() < 0.4:
                context = self.pick(self.neutral_sentences).rstrip(".!?")
            parts.insert(self.rng.randint(0, 1), _finish(context, self.rng, plain=True))
        return " ".join(parts)


def _finish(clause: str, rng: random.Random, plain: bool = False) -> str:
    """Capitalises and punctuates like people do online: mostly, not always."""
    if rng.random() < 0.15:
        return clause.lower()  # "great phone", no capital, no full stop
    text = clause[:1].upper() + clause[1:]
    if plain:
        return text + "."
    return text + rng.choices((".", "!", "!!", "", "..."), weights=(5, 3, 1, 1, 1))[0]


def generate_lexicon_drills(num_examples: int, seed: int) -> tuple[list[str], list[str]]:
    """Short examples that use each VADER word several times, so every one gets an id.

    Cycling through the shuffled lexicon (instead of sampling) spreads the words evenly:
    with 2,999 words, 18,000 drills of one or two words use each word 6-12 times.
    """
    rng = random.Random(seed)
    grammar = EverydayGrammar(rng, ())
    polarities = balanced_polarities(num_examples, rng)
    queues: dict[int, list[str]] = {1: [], -1: []}
    domains = list(DOMAINS.values())
    texts = []
    for polarity in polarities:
        if not queues[polarity]:
            queues[polarity] = list(lexicon()[polarity])
            rng.shuffle(queues[polarity])
        word = queues[polarity].pop()
        domain = rng.choice(domains)
        frame = rng.choice(
            (
                "{w}",
                "so {w}",
                "just {w}",
                "{s} was {w}",
                "{s} is {w}",
                "I found it {w}",
                "{w} and {c}",
                "{c}, {w}",
                "{w}. {c}",
            )
        )
        clause = frame.format(
            w=word, s=rng.choice(domain["subjects"]), c=grammar.clause(domain, polarity)
        )
        texts.append(_finish(clause, rng))
    labels = polarity_labels(polarities)
    return texts, labels


def generate_everyday_reviews(
    num_reviews: int, seed: int, neutral_sentences: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Short everyday reviews over four domains, exactly balanced between the labels.

    Args:
        num_reviews: how many reviews to generate.
        seed: seed for the private `random.Random`.
        neutral_sentences: optional label-free sentences used as context.

    Returns:
        `(texts, labels)` with labels `"negative"`/`"positive"`, in shuffled order.
    """
    if num_reviews < 0:
        raise ValueError(f"Expected `num_reviews` >= 0. Received: {num_reviews}")
    rng = random.Random(seed)
    grammar = EverydayGrammar(rng, neutral_sentences)
    polarities = balanced_polarities(num_reviews, rng)
    domains = list(DOMAINS.values())
    texts = [grammar.review(rng.choice(domains), polarity) for polarity in polarities]
    labels = polarity_labels(polarities)
    return texts, labels
