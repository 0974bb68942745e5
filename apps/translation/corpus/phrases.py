"""Phrases in both languages at once: noun phrases, subjects, objects, places, clauses."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from apps.translation.corpus.lexicon import (
    ADJECTIVES,
    DETERMINERS,
    ESTAR,
    FREQUENCY_ADVERBS,
    NAMES,
    NOUNS,
    NUMBERS,
    PREPOSITIONS,
    SER,
    TIME_ADVERBS,
)
from apps.translation.corpus.words import FUTURE, P1, P3, PAST, PRESENT, S1, S2, S3, Noun, Verb


@dataclass(frozen=True)
class Phrase:
    """A phrase in both languages, with what agreement needs to know about it."""

    es: str
    en: str
    gender: str = "m"
    plural: bool = False
    slot: int = S3  # Spanish verb slot when this phrase is the subject
    droppable: bool = False  # pro-drop allowed (first and second person)
    # The English of a definite plural or mass phrase used generically, as the liked
    # thing of "gustar": "me gustan los gatos" -> "I like cats".
    en_generic: str = ""
    noun: Noun | None = None

    @property
    def en_person(self) -> str:
        """What English verb agreement looks at: "I", "3s" or "pl" ("you" is "pl")."""
        if self.en == "I":
            return "I"
        return "pl" if self.plural or self.en == "you" else "3s"


def en_present(verb: Verb, person: str) -> str:
    return verb.en[1] if person == "3s" else verb.en[0]


def en_be(tense: str, person: str) -> str:
    if tense == PRESENT:
        return {"I": "am", "3s": "is"}.get(person, "are")
    if tense == PAST:
        return "were" if person == "pl" else "was"
    return "will be"


def en_do(tense: str, person: str) -> str:
    """The auxiliary of English negation and questions."""
    return {PRESENT: "does" if person == "3s" else "do", PAST: "did", FUTURE: "will"}[tense]


def join_words(*parts: str) -> str:
    return " ".join(part for part in parts if part)


SUBJECT_DETERMINERS = ("the", "the", "the", "a", "my", "your", "our", "this", "that")
DEFINITE_DETERMINERS = ("the", "the", "the", "my", "your", "our", "this", "that")


class PhraseGrammar:
    """Expands both languages at once: the phrases every construction is built from.

    Phrase methods return `Phrase`s; `clause` puts one together into `(spanish, english,
    is_question)` without capitals or final punctuation. The constructions themselves are
    functions of a grammar (`statements`, `questions`).
    """

    def __init__(self, rng: random.Random):
        self.rng = rng

    def pick(self, options: Sequence):
        return self.rng.choice(options)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def tense(self) -> str:
        return self.rng.choices((PRESENT, PAST, FUTURE), weights=(0.5, 0.3, 0.2))[0]

    @staticmethod
    def nouns(kinds: frozenset[str], count: bool = False) -> list[Noun]:
        return [n for n in NOUNS if n.kinds & kinds and not (count and n.mass)]

    # -- noun phrases --------------------------------------------------------------------
    def noun_phrase(
        self,
        kinds: frozenset[str] = frozenset(),
        *,
        noun: Noun | None = None,
        determiners: Sequence[str] = SUBJECT_DETERMINERS,
        plural: bool | None = None,
        bare: bool = False,
        numbers: bool = True,
        adjective_chance: float = 0.3,
        possessor_chance: float = 0.08,
    ) -> Phrase:
        """A determiner, a noun and maybe an adjective or a possessor ("de Juan").

        Args:
            kinds: noun kinds to choose the noun from.
            noun: the noun to use instead of choosing one.
            determiners: names from `DETERMINERS` to choose from.
            plural: force the number; None picks it (mass nouns are always singular).
            bare: allow a bare plural or mass noun ("como manzanas" -> "I eat apples").
            numbers: allow "dos".."diez" before plurals.
            adjective_chance: how often an adjective follows the noun.
            possessor_chance: how often "el perro de Juan" -> "Juan's dog" is used.
        """
        noun = noun or self.pick(self.nouns(kinds))
        plural = False if noun.mass else self.chance(0.4) if plural is None else plural
        es_noun = noun.es_plural if plural else noun.es
        en_noun = noun.en_plural if plural else noun.en
        adjectives = [a for a in ADJECTIVES if a.fits(noun) and a.copula == "ser"]
        if adjectives and self.chance(adjective_chance):
            adjective = self.pick(adjectives)
            # The adjective follows the noun in Spanish and precedes it in English.
            es_noun = f"{es_noun} {adjective.agree(noun.gender, plural)}"
            en_noun = f"{adjective.en} {en_noun}"
        kind = self.pick(determiners)
        possessives = ("my", "your", "our")
        if "relative" in noun.kinds and kind == "the" and self.chance(0.6):
            # "el hermano" alone is odd: relatives are someone's.
            kind = self.pick(possessives)
        elif kind in possessives and (
            "public" in noun.kinds or ("person" in noun.kinds and "relative" not in noun.kinds)
        ):
            kind = "the"  # no "mi hospital", no "mi mujer"
        article = DETERMINERS["the"][0][2 * plural + (noun.gender == "f")]
        generic = ""
        if bare and (plural or noun.mass) and self.chance(0.3):
            es, en = es_noun, en_noun
        elif plural and numbers and kind != "the" and self.chance(0.35):
            es_number, en_number = self.pick(NUMBERS)
            es, en = f"{es_number} {es_noun}", f"{en_number} {en_noun}"
        elif kind == "the" and self.chance(0.8 if "relative" in noun.kinds else possessor_chance):
            es_name, en_name, _ = self.pick(NAMES)
            es, en = f"{article} {es_noun} de {es_name}", f"{en_name}'s {en_noun}"
        elif kind == "a" and noun.mass:
            # No "un pan": a mass noun goes bare where that is allowed, else definite.
            es, en = (es_noun, en_noun) if bare else (f"{article} {es_noun}", f"the {en_noun}")
        else:
            es_forms, en_forms = DETERMINERS[kind]
            es = f"{es_forms[2 * plural + (noun.gender == 'f')]} {es_noun}"
            en = f"{en_forms[plural]} {en_noun}"
            if kind == "the" and (plural or noun.mass):
                generic = en_noun
        return Phrase(es, en, noun.gender, plural, P3 if plural else S3, False, generic, noun)

    def name(self) -> Phrase:
        es, en, gender = self.pick(NAMES)
        return Phrase(es, en, gender)

    def pronoun(self, *, first_person: bool = True) -> Phrase:
        """A subject pronoun; only "yo", "tú" and "nosotros" may be dropped later."""
        gender = self.pick("mf")
        options = [
            Phrase("tú", "you", gender, False, S2, True),
            Phrase("tú", "you", gender, False, S2, True),
            Phrase("él", "he", "m", False, S3),
            Phrase("ella", "she", "f", False, S3),
            Phrase("ellos" if gender == "m" else "ellas", "they", gender, True, P3),
            Phrase("ustedes", "you", gender, True, P3),
        ]
        if first_person:
            we = "nosotros" if gender == "m" else "nosotras"
            options += [
                Phrase("yo", "I", gender, False, S1, True),
                Phrase("yo", "I", gender, False, S1, True),
                Phrase(we, "we", gender, True, P1, True),
            ]
        return self.pick(options)

    def subject(self, kinds: frozenset[str], *, first_person: bool = True) -> Phrase:
        """A pronoun, a name or a noun phrase that can do what the verb says."""
        pronoun_below, name_below = (0.45, 0.6) if "person" in kinds else (0, 0)
        return self.pronoun_name_or_noun_phrase(
            pronoun_below, name_below, kinds, first_person=first_person
        )

    def pronoun_name_or_noun_phrase(
        self, pronoun_below: float, name_below: float, *args, first_person: bool = True, **kwargs
    ) -> Phrase:
        """One roll in [0, 1): a pronoun below `pronoun_below`, a name below `name_below`,
        else `noun_phrase(*args, **kwargs)`."""
        roll = self.rng.random()
        if roll < pronoun_below:
            return self.pronoun(first_person=first_person)
        if roll < name_below:
            return self.name()
        return self.noun_phrase(*args, **kwargs)

    def question_subject(self, kinds: frozenset[str]) -> Phrase:
        """Questions ask about "you" or a third person, never "I" or "we"."""
        return self.subject(kinds, first_person=False)

    def person_object(self) -> Phrase:
        """A person as object: Spanish marks it with the personal "a" ("veo a Ana")."""
        phrase = self.name() if self.chance(0.35) else self.noun_phrase(frozenset({"person"}))
        return Phrase(f"a {phrase.es}", phrase.en, phrase.gender, phrase.plural)

    def object(self, verb: Verb) -> Phrase:
        things = verb.objects - {"person"}
        if not things or ("person" in verb.objects and self.chance(0.25)):
            return self.person_object()
        return self.noun_phrase(things, bare=True)

    def location(
        self, kinds: frozenset[str], prepositions: Sequence[str] = ("en", "en", "cerca de")
    ) -> Phrase:
        """A prepositional phrase: "en la mesa" -> "on the table"."""
        noun = self.pick(
            [n for n in self.nouns(kinds) if any(n.kinds & p[2] for p in PREPOSITIONS)]
        )
        options = [p for p in PREPOSITIONS if noun.kinds & p[2] and p[0] in prepositions]
        options = options or [PREPOSITIONS[0]]
        preposition, en, _ = self.pick(options)
        phrase = self.noun_phrase(
            noun=noun,
            determiners=DEFINITE_DETERMINERS,
            plural=False,
            adjective_chance=0.15,
            possessor_chance=0.05,
        )
        # "en" is "on" a table, "in" a box, "at" the beach.
        return Phrase(f"{preposition} {phrase.es}", f"{en or noun.en_in} {phrase.en}")

    def time_adverb(self, tense: str, verb: Verb, slot: int, chance: float) -> tuple[str, str]:
        """Maybe a time adverb; always one where the Spanish verb form hides the tense."""
        if tense == PAST and verb.ambiguous_past(slot):
            chance = 1.0
        return self.pick(TIME_ADVERBS[tense]) if self.chance(chance) else ("", "")

    # -- English verb groups -------------------------------------------------------------
    @staticmethod
    def en_verb(verb: Verb, tense: str, person: str, negative: bool, adverb: str = "") -> str:
        """The English verb group: "eats", "does not eat", "will eat", "always eats", "is"."""
        if verb in (SER, ESTAR):
            if tense == FUTURE:
                return join_words("will", "not" if negative else adverb, "be")
            return join_words(en_be(tense, person), "not" if negative else adverb)
        if negative:
            return join_words(en_do(tense, person), "not", verb.en[0])
        if tense == FUTURE:
            return join_words("will", adverb, verb.en[0])
        return join_words(adverb, en_present(verb, person) if tense == PRESENT else verb.en[2])

    # -- statements ----------------------------------------------------------------------
    def clause(
        self,
        subject: Phrase,
        verb: Verb,
        tense: str,
        negative: bool,
        rest: Phrase,
        *,
        adverbs: bool = True,
    ) -> tuple[str, str, bool]:
        """Puts subject, adverbs, negation, verb and the rest in each language's order."""
        es_subject = "" if subject.droppable and self.chance(0.6) else subject.es
        es_freq = en_freq = es_time = en_time = ""
        if adverbs and tense == PRESENT and not negative and self.chance(0.15):
            es_freq, en_freq = self.pick(FREQUENCY_ADVERBS)
        elif adverbs or (tense == PAST and verb.ambiguous_past(subject.slot)):
            es_time, en_time = self.time_adverb(tense, verb, subject.slot, 0.3)
        es_core = join_words(
            es_subject, es_freq, "no" if negative else "", verb.forms[tense][subject.slot], rest.es
        )
        # Spanish puts a time adverb first or last; English puts it last.
        es = (
            join_words(es_time, es_core)
            if es_time and self.chance(0.4)
            else join_words(es_core, es_time)
        )
        en_verb = self.en_verb(verb, tense, subject.en_person, negative, en_freq)
        return es, join_words(subject.en, en_verb, rest.en, en_time), False
