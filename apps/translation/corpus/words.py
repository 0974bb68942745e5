"""The word classes of the translation grammar: nouns, adjectives and conjugated verbs.

Each class holds both languages and what agreement needs (gender, number, person); the
builders turn the compact specs of `lexicon` into them.
"""

from __future__ import annotations

from dataclasses import dataclass

PRESENT, PAST, FUTURE = "present", "past", "future"
# Slots of the Spanish conjugation tables: yo, tú, él/ella, nosotros, ellos/ustedes.
S1, S2, S3, P1, P3 = range(5)


# --- Nouns -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Noun:
    es: str
    es_plural: str  # "" for mass nouns, which are always singular
    gender: str  # "m" or "f"
    en: str
    en_plural: str
    kinds: frozenset[str]
    adjectives: frozenset[str]  # adjective groups that make sense with this noun
    en_in: str = "in"  # English for "en" + this noun: "on" the table, "at" the beach

    @property
    def mass(self) -> bool:
        return not self.es_plural


def make_noun(spec: str, kinds: str, adjectives: str = "", en_in: str = "in") -> Noun:
    """Builds a noun from "es es_plural gender en en_plural" ("-" marks a mass noun)."""
    es, es_plural, gender, en, en_plural = spec.split()
    return Noun(
        es,
        "" if es_plural == "-" else es_plural,
        gender,
        en,
        en_plural,
        frozenset(kinds.split()),
        frozenset(adjectives.split()),
        en_in,
    )


# --- Adjectives --------------------------------------------------------------------------
@dataclass(frozen=True)
class Adjective:
    forms: tuple[str, str, str, str]  # masculine, feminine, masculine plural, feminine plural
    en: str
    groups: frozenset[str]  # matched against `Noun.adjectives`
    copula: str  # "ser" for properties, "estar" for states

    def fits(self, noun: Noun) -> bool:
        return bool(self.groups & noun.adjectives)

    def agree(self, gender: str, plural: bool) -> str:
        return self.forms[2 * plural + (gender == "f")]


def make_adjective(es: str, en: str, groups: str, copula: str = "ser") -> Adjective:
    """Derives the four agreeing forms: negro/negra/negros/negras, azul/azules."""
    if "/" in es:  # irregular plural, e.g. "joven/jóvenes"
        singular, plural = es.split("/")
        forms = (singular, singular, plural, plural)
    elif es.endswith("o"):
        stem = es[:-1]
        forms = (es, stem + "a", stem + "os", stem + "as")
    elif es.endswith("e"):
        forms = (es, es, es + "s", es + "s")
    else:
        forms = (es, es, es + "es", es + "es")
    return Adjective(forms, en, frozenset(groups.split()), copula)


# --- Verbs -------------------------------------------------------------------------------
_ENDINGS = {
    ("ar", PRESENT): ("o", "as", "a", "amos", "an"),
    ("er", PRESENT): ("o", "es", "e", "emos", "en"),
    ("ir", PRESENT): ("o", "es", "e", "imos", "en"),
    ("ar", PAST): ("é", "aste", "ó", "amos", "aron"),
    ("er", PAST): ("í", "iste", "ió", "imos", "ieron"),
    ("ir", PAST): ("í", "iste", "ió", "imos", "ieron"),
}
_FUTURE_ENDINGS = ("é", "ás", "á", "emos", "án")


@dataclass(frozen=True, eq=False)  # compared by identity: `verb is PONER`
class Verb:
    infinitive: str
    forms: dict[str, tuple[str, ...]]  # tense -> the five slot forms
    en: tuple[str, str, str]  # base, third person singular, past
    objects: frozenset[str]  # noun kinds it takes as object; empty when intransitive
    subjects: frozenset[str]  # noun kinds that can be its subject
    locations: frozenset[str]  # noun kinds that can follow it with "en"

    def ambiguous_past(self, slot: int) -> bool:
        """True where the past form equals the present one ("trabajamos")."""
        return self.forms[PAST][slot] == self.forms[PRESENT][slot]


def make_verb(
    infinitive: str,
    en: str,
    objects: str = "",
    *,
    subjects: str = "person",
    locations: str = "",
    present: str = "",
    past: str = "",
    future_stem: str = "",
) -> Verb:
    """Conjugates a verb; `present`/`past` list irregular forms, `en` is "eat eats ate"."""
    stem, group = infinitive[:-2], infinitive[-2:]
    forms = {}
    for tense, irregular in ((PRESENT, present), (PAST, past)):
        forms[tense] = (
            tuple(irregular.split())
            if irregular
            else tuple(stem + ending for ending in _ENDINGS[group, tense])
        )
    forms[FUTURE] = tuple((future_stem or infinitive) + ending for ending in _FUTURE_ENDINGS)
    # English forms are separated by "," when they have more than one word ("look for").
    base, third, simple_past = en.split(",") if "," in en else en.split()
    return Verb(
        infinitive,
        forms,
        (base, third, simple_past),
        frozenset(objects.split()),
        frozenset(subjects.split()),
        frozenset(locations.split()),
    )
