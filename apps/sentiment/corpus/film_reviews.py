"""Synthetic movie reviews that need word order (the grammar half of the embedded corpus).

Every review is built by a small synchronous grammar: the label is chosen first, then
one decisive construction is generated whose meaning is that label, then neutral filler
(plot, actors, setting) is added, chosen independently of the label.

The constructions are the ones a bag of words gets wrong: negation ("not, as the
trailer promised, a triumph"), inverting idioms ("anything but a masterpiece"),
contrast ("gorgeous to look at, but painfully dull") and reversed expectations ("I
expected to hate it, but it won me over"). Each one is generated with both polarities
of its polar words, so every polar word (and every operator such as "not" or "but")
shows up about equally often in positive and negative reviews: only the way the words
are put together decides the label. A TF-IDF n-gram baseline stays far below a model
that reads word order (see tests/apps/sentiment/test_corpus.py).

Only `random.Random(seed)` is used, so the output is byte-identical everywhere.
"""

from __future__ import annotations

import csv
import os
import random
from collections.abc import Sequence

from apps.sentiment.corpus.film_vocabulary import (
    ADVERB_INSERTS,
    ASIDE_INSERTS,
    ASPECTS,
    CONTRASTS,
    DREADED_INSERTS,
    DREADS,
    EFFECT_ADVERBS,
    FEELING_ADVERBS,
    FILLERS,
    FRAGMENT_LAST_CONTRASTS,
    HOPES,
    HYPED_INSERTS,
    NEG_ADJECTIVES,
    NEG_EFFECTS,
    NEG_FEELINGS,
    NEG_FRAGMENTS,
    NEG_NOUNS,
    NOT_DEGREES,
    PLAIN_DEGREES,
    POS_ADJECTIVES,
    POS_EFFECTS,
    POS_FEELINGS,
    POS_FRAGMENTS,
    POS_NOUNS,
    SUBJECTS,
)
from apps.sentiment.corpus.polarity import balanced_polarities, polarity_labels

DEFAULT_NUM_REVIEWS = 12000
DEFAULT_SEED = 20261121


class FilmGrammar:
    """Generates clauses of a requested polarity (+1 positive, -1 negative).

    Every clause kind has an unflipped form (its polar words carry its polarity) and a
    flipped form (negation of the opposite polar words). Both are drawn with equal
    probability, which is what keeps each polar word balanced across the two labels.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        # The aspect the overruled half of a contrast talks about, so the deciding half
        # does not contradict it ("the ending was dull, but the ending was moving").
        self.avoid_aspect = ""

    def pick(self, options: Sequence[str]) -> str:
        return self.rng.choice(options)

    def aspect(self) -> str:
        return self.pick([a for a in ASPECTS if a != self.avoid_aspect])

    def adjective(self, polarity: int, degrees: Sequence[str] = PLAIN_DEGREES) -> str:
        word = self.pick(POS_ADJECTIVES if polarity > 0 else NEG_ADJECTIVES)
        return f"{self.pick(degrees)} {word}".strip()

    def insert(self, negated_polarity: int) -> str:
        """Words to put after "not" when negating a word of `negated_polarity`."""
        hedges = HYPED_INSERTS if negated_polarity > 0 else DREADED_INSERTS
        return self.pick((*ADVERB_INSERTS, *ASIDE_INSERTS, *hedges))

    def noun(self, polarity: int) -> str:
        return self.pick(POS_NOUNS if polarity > 0 else NEG_NOUNS)

    def fragment(self, polarity: int) -> str:
        return self.pick(POS_FRAGMENTS if polarity > 0 else NEG_FRAGMENTS)

    def clause(self, polarity: int) -> str:
        """A clause meaning `polarity`, half the time built by negating its opposite."""
        flip = self.rng.random() < 0.5
        kind = self.pick(("adjective", "adjective", "noun", "feeling", "effect", "worth"))
        return getattr(self, f"{kind}_clause")(polarity, flip)

    def adjective_clause(self, polarity: int, flip: bool) -> str:
        aspect, verb = self.aspect(), self.pick(("is", "was"))
        if not flip:
            adj = self.adjective(polarity)
            bare = self.pick(
                [a for a in (POS_ADJECTIVES if polarity > 0 else NEG_ADJECTIVES) if len(a) > 5]
            )
            return self.pick(
                (
                    f"{aspect} {verb} {adj}",
                    f"{aspect} {verb} {adj} from start to finish",
                    f"I found {aspect} {adj}",
                    f"{aspect} {verb} nothing short of {adj}",
                    # A "not" that negates nothing: a bag of words reads it backwards.
                    f"{aspect} could not have been more {bare}",
                )
            )
        insert = self.insert(-polarity)
        # "not remotely all that dull" is clumsy: an adverb insert takes no degree.
        degrees = NOT_DEGREES if insert.startswith(",") or not insert else ("",)
        adj, bare = self.adjective(-polarity, degrees), self.adjective(-polarity, ("",))
        return self.pick(
            (
                f"{aspect} {verb} not{insert} {adj}",
                f"{aspect} {verb} not{insert} {adj}",
                f"{aspect} {verb}n't {adj}",
                f"{aspect} {verb} not {bare} at all",
                f"{aspect} {verb} never once {bare}",
                f"{aspect} {verb} hardly {bare}",
                f"{aspect} {verb} far from {bare}",
                f"{aspect} {verb} anything but {bare}",
                f"nobody could call {aspect} {bare}",
            )
        )

    def noun_clause(self, polarity: int, flip: bool) -> str:
        subject, verb = self.pick(SUBJECTS), self.pick(("is", "was"))
        # Used by both branches so that nouns keep the same share in each.
        better = "could not have been better" if polarity > 0 else "could have been better"
        if not flip:
            noun = self.noun(polarity)
            return self.pick(
                (
                    f"{subject} {verb} {noun}",
                    f"{subject} {verb} {noun}, plain and simple",
                    f"{subject} {verb} nothing short of {noun}",
                    f"{subject} {verb} every inch {noun}",
                    f"{self.aspect()} makes it {noun}",
                    f"{subject} {better}",
                )
            )
        noun = self.noun(-polarity)
        return self.pick(
            (
                f"{subject} {verb} not{self.insert(-polarity)} {noun}",
                f"{subject} {verb} anything but {noun}",
                f"{subject} {verb} far from {noun}",
                f"{subject} {verb} hardly {noun}",
                f"{subject} {verb} no {noun[2:]}",
                f"calling it {noun} would be a stretch",
                f"{subject} {better}",
            )
        )

    def feeling_clause(self, polarity: int, flip: bool) -> str:
        felt = polarity if not flip else -polarity
        past, base = self.pick(POS_FEELINGS if felt > 0 else NEG_FEELINGS)
        adverb = self.pick(("", *FEELING_ADVERBS))
        # Both branches use past and base forms equally often, each after the shared
        # adverb slot, so neither "enjoy" nor "not enjoy" marks a branch by itself.
        if past.startswith("was "):
            state = f"{adverb} {past[4:]}".strip()
            past, base = f"was {state}", f"be {state}"
            if flip:
                forms = (f"was not {state}", f"wasn't {state}", f"was never {state}")
                return "I " + self.pick((*forms, f"can't say I {past}"))
        else:
            past, base = f"{adverb} {past}".strip(), f"{adverb} {base}".strip()
        if flip:
            forms = (f"never {past}", f"can't say I {past}", f"did not {base}", f"didn't {base}")
            return "I " + self.pick(forms)
        return self.pick(
            (
                f"I {past}",
                f"honestly, I {past}",
                # Negation words that negate nothing.
                f"I could not help but {base}",
                f"I couldn't help but {base}",
            )
        )

    def effect_clause(self, polarity: int, flip: bool) -> str:
        subject = self.pick(("it", "the film", "the story", "the movie"))
        effect = polarity if not flip else -polarity
        past = self.pick(POS_EFFECTS if effect > 0 else NEG_EFFECTS)
        adverb = self.pick(EFFECT_ADVERBS)
        if not flip:
            return self.pick(
                (f"{subject} {adverb} {past}", f"in the end, {subject} {adverb} {past}")
            )
        return self.pick(
            (f"{subject} never {adverb} {past}", f"in the end, {subject} never {adverb} {past}")
        )

    def worth_clause(self, polarity: int, flip: bool) -> str:
        subject, verb = self.pick(SUBJECTS), self.pick(("is", "was"))
        if (polarity if not flip else -polarity) > 0:
            phrase = "worth " + self.pick(("the ticket", "your time", "the price", "the wait"))
        else:
            phrase = "a waste of " + self.pick(("money", "time", "an evening", "a good cast"))
        adverb = self.pick(("really", "truly"))
        if not flip:
            return f"{subject} {verb} {adverb} {phrase}"
        return self.pick(
            (
                f"{subject} {verb} not {adverb} {phrase}",
                f"{subject} {verb} never {adverb} {phrase}",
                f"{subject} {verb} hardly {phrase}",
            )
        )

    # --- Review-level constructions; each returns one or two sentences. ---------------
    def single(self, label: int) -> str:
        return _sentence(self.clause(label))

    def contrast(self, label: int) -> str:
        """Two clauses of opposite polarity; the connective decides which one counts."""
        # The overruled half praises or pans one aspect only; "it lost me, but it won me
        # over" would not read like a review.
        other = self.adjective_clause(-label, self.rng.random() < 0.5)
        self.avoid_aspect = next((a for a in ASPECTS if a in other), "")
        decisive = self.clause(label)
        self.avoid_aspect = ""
        forms = CONTRASTS
        # Fragments ("beautifully shot") go on either side, so they are not a tell.
        if self.rng.random() < 0.3:
            if self.rng.random() < 0.5:
                other = self.fragment(-label)
            else:
                decisive, forms = self.fragment(label), FRAGMENT_LAST_CONTRASTS
        return _capitalize_sentences(self.pick(forms).format(o=other, d=decisive))

    def expectation(self, label: int) -> str:
        """An expectation that the rest of the sentence confirms or overturns."""
        confirmed = self.rng.random() < 0.5
        expected = label if confirmed else -label
        if self.rng.random() < 0.5:
            opening = self.pick(HOPES if expected > 0 else DREADS)
            if confirmed:
                ending = self.pick(("and I did", "and I really did", "and sure enough, I did"))
            else:
                # "I expected to hate it, but it won me over" is the classic, so the
                # won-me-over kind of clause gets an extra share here.
                effect = self.effect_clause(label, self.rng.random() < 0.5)
                ending = self.pick(
                    ("but I didn't", "but I did not", f"but {self.clause(label)}", f"but {effect}")
                )
        else:
            claim = self.adjective(expected) if self.rng.random() < 0.5 else self.noun(expected)
            opening = self.pick(
                (
                    f"everyone told me it was {claim}",
                    f"the reviews said it was {claim}",
                    f"my friends swore it was {claim}",
                )
            )
            # "and" and "but" follow the claim about equally often either way, so the
            # bigram "mess but" cannot stand in for reading the whole sentence.
            if confirmed:
                ending = self.pick(("and they were right", "but they were right"))
            else:
                ending = self.pick(
                    ("and they were wrong", "but they were wrong", f"but {self.clause(label)}")
                )
        return _sentence(f"{opening}, {ending}")

    def rhetorical(self, label: int) -> str:
        """A claim put as a question, then answered: "A masterpiece? Hardly."."""
        claimed = label if self.rng.random() < 0.5 else -label
        claim = self.noun(claimed) if self.rng.random() < 0.6 else self.adjective(claimed, ("",))
        if claimed == label:
            answer = self.pick(("Absolutely.", "Yes, really.", "Without a doubt.", "Oh yes."))
        else:
            answer = self.pick(("Hardly.", "Not even close.", "Far from it.", "Not really."))
        return f"{claim[:1].upper()}{claim[1:]}? {answer}"


def _capitalize_sentences(text: str) -> str:
    """Upper-cases the first letter of the text and of each sentence after ". "."""
    parts = text.split(". ")
    return ". ".join(part[:1].upper() + part[1:] for part in parts)


def _sentence(clause: str) -> str:
    return _capitalize_sentences(clause + ".")


def generate_reviews(
    num_reviews: int = DEFAULT_NUM_REVIEWS, seed: int = DEFAULT_SEED
) -> tuple[list[str], list[str]]:
    """Generates the embedded corpus of synthetic movie reviews.

    Args:
        num_reviews: how many reviews to generate.
        seed: seed for the private `random.Random`; equal seeds give equal corpora.

    Returns:
        `(texts, labels)` with labels `"negative"`/`"positive"`, exactly half each when
        `num_reviews` is even (one more negative when odd), in shuffled order.
    """
    if num_reviews < 0:
        raise ValueError(f"Expected `num_reviews` >= 0. Received: {num_reviews}")
    rng = random.Random(seed)
    grammar = FilmGrammar(rng)
    polarities = balanced_polarities(num_reviews, rng)
    constructions = (grammar.single, grammar.contrast, grammar.expectation, grammar.rhetorical)
    texts = []
    for polarity in polarities:
        # The construction and the filler are drawn without looking at the label.
        construction = rng.choices(constructions, weights=(0.34, 0.38, 0.23, 0.05))[0]
        sentences = [construction(polarity)]
        # A lone clause gets at least one filler sentence so reviews read like reviews;
        # that depends on the construction only, never on the label.
        short = construction in (grammar.single, grammar.rhetorical)
        num_fillers = rng.choice((1, 1, 2) if short else (0, 1, 1, 2))
        for _ in range(num_fillers):
            filler = rng.choice(FILLERS)(rng)
            sentences.insert(rng.randint(0, len(sentences)), filler)
        texts.append(" ".join(sentences))
    labels = polarity_labels(polarities)
    return texts, labels


def write_corpus_csv(
    path: str | os.PathLike,
    num_reviews: int = DEFAULT_NUM_REVIEWS,
    seed: int = DEFAULT_SEED,
) -> None:
    """Writes the corpus as CSV with a `text,label` header (for users who want the file).

    Args:
        path: destination file; its directory must exist.
        num_reviews: how many reviews to generate.
        seed: seed passed to `generate_reviews`.
    """
    texts, labels = generate_reviews(num_reviews, seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels, strict=True))
