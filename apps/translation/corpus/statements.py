"""Statements: verbs with objects and places, going, being (ser and estar), professions,
"gustar" and "hay". Each returns `(spanish, english, is_question)` unpunctuated."""

from __future__ import annotations

from apps.translation.corpus.lexicon import (
    ADJECTIVES,
    ESTAR,
    GUSTAR,
    INTRANSITIVE_VERBS,
    IR,
    NOUNS,
    PONER,
    PREPOSITIONS,
    PROFESSIONS,
    SER,
    TRANSITIVE_VERBS,
)
from apps.translation.corpus.phrases import (
    DEFINITE_DETERMINERS,
    Phrase,
    PhraseGrammar,
    en_do,
    join_words,
)
from apps.translation.corpus.words import PAST, PRESENT

# Verbs whose infinitive can be what someone likes: "me gusta nadar" -> "I like to swim".
HOBBIES = frozenset(
    "comer beber leer escribir comprar cocinar trabajar estudiar dormir jugar nadar correr "
    "cantar bailar caminar".split()
)


def statement(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """A statement, e.g. "(Yo) no como manzanas." -> "I do not eat apples."."""
    roll = grammar.rng.random()
    verb = grammar.pick(
        TRANSITIVE_VERBS if roll < 0.6 else (PONER,) if roll < 0.65 else INTRANSITIVE_VERBS
    )
    subject = grammar.subject(verb.subjects)
    if verb is PONER:
        obj = grammar.object(verb)
        place = grammar.location(frozenset({"furniture", "container", "vehicle"}))
        rest = Phrase(join_words(obj.es, place.es), join_words(obj.en, place.en))
    elif verb.objects:
        obj = grammar.object(verb)
        if verb.locations and grammar.chance(0.2):
            place = grammar.location(verb.locations)
            rest = Phrase(join_words(obj.es, place.es), join_words(obj.en, place.en))
        else:
            rest = obj
    elif verb.locations and grammar.chance(0.6):
        rest = grammar.location(verb.locations)
    else:
        rest = Phrase("", "")
    return grammar.clause(subject, verb, grammar.tense(), grammar.chance(0.3), rest)


def go(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Going somewhere: "Voy al parque." -> "I go to the park."."""
    subject = grammar.subject(frozenset({"person"}))
    place = grammar.noun_phrase(
        frozenset({"place"}),
        determiners=DEFINITE_DETERMINERS,
        plural=False,
        adjective_chance=0.1,
    )
    rest = Phrase(f"a {place.es}", f"to {place.en}")
    return grammar.clause(subject, IR, grammar.tense(), grammar.chance(0.25), rest)


def be_adjective(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Ser for properties, estar for states; both are "be" in English."""
    adjective = grammar.pick(ADJECTIVES)
    if adjective.groups & {"person", "mood"} and grammar.chance(0.5):
        subject = grammar.pronoun()
    else:
        noun = grammar.pick([n for n in NOUNS if adjective.fits(n)])
        subject = grammar.noun_phrase(
            noun=noun, determiners=DEFINITE_DETERMINERS, numbers=False, adjective_chance=0
        )
    es, en = adjective.agree(subject.gender, subject.plural), adjective.en
    if "color" not in adjective.groups and grammar.chance(0.25):
        es, en = f"muy {es}", f"very {en}"
    if adjective.copula == "estar":
        return grammar.clause(subject, ESTAR, grammar.tense(), grammar.chance(0.25), Phrase(es, en))
    # Properties take no adverbs and no future: "el gato será negro mañana" is odd.
    tense = grammar.pick((PRESENT, PRESENT, PAST))
    return grammar.clause(subject, SER, tense, grammar.chance(0.25), Phrase(es, en), adverbs=False)


def be_location(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Estar + place: "El libro está en la mesa." -> "The book is on the table."."""
    subject = grammar.pronoun_name_or_noun_phrase(
        0.25,
        0.35,
        frozenset({"animal", "person", "thing", "food"}),
        determiners=DEFINITE_DETERMINERS,
        numbers=False,
    )
    if subject.noun is None or "person" in subject.noun.kinds:
        kinds = frozenset({"place", "vehicle"})
    else:
        kinds = frozenset({"furniture", "container", "vehicle", "place"})
    place = grammar.location(kinds, [p[0] for p in PREPOSITIONS])
    return grammar.clause(subject, ESTAR, grammar.tense(), grammar.chance(0.2), place)


def profession(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Ser + profession, no article in Spanish: "Es médica." -> "She is a doctor."."""
    subject = grammar.pronoun_name_or_noun_phrase(
        0.5,
        0.75,
        frozenset({"relative"}),
        determiners=("my", "your", "our"),
        numbers=False,
        adjective_chance=0,
    )
    masculine, feminine, en = grammar.pick(PROFESSIONS)
    es = feminine if subject.gender == "f" else masculine
    if subject.plural:
        es, en = es + "s", en + "s"
    else:
        en = f"a {en}"
    # No adverbs: "anoche era médico" is odd.
    return grammar.clause(
        subject, SER, grammar.tense(), grammar.chance(0.2), Phrase(es, en), adverbs=False
    )


def liked_thing(grammar: PhraseGrammar) -> Phrase:
    """What "gustar" agrees with: a noun phrase, or an infinitive (singular)."""
    if grammar.chance(0.25):
        verb = grammar.pick(
            [v for v in INTRANSITIVE_VERBS + TRANSITIVE_VERBS if v.infinitive in HOBBIES]
        )
        if not verb.objects:
            return Phrase(verb.infinitive, "", en_generic=f"to {verb.en[0]}")
        obj = grammar.object(verb)
        return Phrase(f"{verb.infinitive} {obj.es}", "", en_generic=f"to {verb.en[0]} {obj.en}")
    phrase = grammar.noun_phrase(
        frozenset({"animal", "food", "drink", "thing", "vehicle", "place"}),
        determiners=("the", "the", "the", "the", "my", "your", "this", "that"),
        numbers=False,
        possessor_chance=0.03,
    )
    # Spanish needs the article for generic nouns, English drops it.
    return Phrase(phrase.es, phrase.en, plural=phrase.plural, en_generic=phrase.en_generic)


def gustar(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Gustar, whose subject is the liked thing: "Me gustan los perros." -> "I like dogs."."""
    question = grammar.chance(0.25)
    roll = grammar.rng.random()
    head = ""
    if roll < 0.6:
        # Nobody asks "¿Me gusta el café?": questions are about "you" or others.
        options = (("te", "you"),) if question else (("me", "I"), ("te", "you"), ("nos", "we"))
        clitic, en = grammar.pick(options)
        experiencer = Phrase("", en, plural=en == "we")
    else:
        experiencer = (
            grammar.name()
            if roll < 0.8
            else grammar.noun_phrase(
                frozenset({"person"}), determiners=("the", "my", "your", "our"), numbers=False
            )
        )
        head, clitic = f"a {experiencer.es}", "les" if experiencer.plural else "le"
    liked = liked_thing(grammar)
    negative = not question and grammar.chance(0.3)
    es = join_words(head, "no" if negative else "", clitic, "gustan" if liked.plural else "gusta")
    es = join_words(es, liked.es)
    person = experiencer.en_person
    if question:
        en = join_words(en_do(PRESENT, person), experiencer.en, "like")
    else:
        en = join_words(experiencer.en, grammar.en_verb(GUSTAR, PRESENT, person, negative))
    return es, join_words(en, liked.en_generic or liked.en), question


def hay(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Existence: "Hay dos gatos en el jardín." -> "There are two cats in the garden."."""
    kinds = frozenset({"animal", "thing", "food", "drink", "person"})
    place = grammar.location(
        frozenset({"furniture", "container", "vehicle", "place"}), [p[0] for p in PREPOSITIONS]
    )
    roll = grammar.rng.random()
    if roll < 0.25:
        # "No hay" takes a bare noun: "No hay leche." -> "There is no milk."
        noun = grammar.pick(grammar.nouns(kinds))
        es_noun = noun.es_plural or noun.es
        en_noun, be = (noun.en, "is") if noun.mass else (noun.en_plural, "are")
        return f"no hay {es_noun} {place.es}", f"there {be} no {en_noun} {place.en}", False
    phrase = grammar.noun_phrase(kinds, determiners=("a",), bare=True, adjective_chance=0.25)
    be = "are" if phrase.plural else "is"
    if roll < 0.5:
        return f"hay {phrase.es} {place.es}", f"{be} there {phrase.en} {place.en}", True
    return f"hay {phrase.es} {place.es}", f"there {be} {phrase.en} {place.en}", False
