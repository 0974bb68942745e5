"""Questions: yes/no questions and wh-questions, with English do-support. Each returns
`(spanish, english, is_question)` unpunctuated."""

from __future__ import annotations

from apps.translation.corpus.lexicon import (
    ADJECTIVES,
    ESTAR,
    INTRANSITIVE_VERBS,
    IR,
    TRANSITIVE_VERBS,
)
from apps.translation.corpus.phrases import (
    DEFINITE_DETERMINERS,
    Phrase,
    PhraseGrammar,
    en_be,
    en_do,
    join_words,
)
from apps.translation.corpus.words import PAST, PRESENT, S3


def yes_no_question(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """A yes/no question: "¿Tienes un gato?" -> "Do you have a cat?"."""
    kind = grammar.rng.choices(("verb", "state", "location"), weights=(0.6, 0.2, 0.2))[0]
    tense = grammar.tense()
    if kind == "verb":
        verb = grammar.pick(TRANSITIVE_VERBS + INTRANSITIVE_VERBS)
        subject = grammar.question_subject(verb.subjects)
        if verb.objects:
            rest = grammar.object(verb)
        elif verb.locations and grammar.chance(0.5):
            rest = grammar.location(verb.locations)
        else:
            rest = Phrase("", "")
        en_head, en_tail = en_do(tense, subject.en_person), verb.en[0]
    else:
        verb = ESTAR
        subject = grammar.question_subject(frozenset({"person", "animal"}))
        if kind == "state":
            adjective = grammar.pick([a for a in ADJECTIVES if "mood" in a.groups])
            rest = Phrase(adjective.agree(subject.gender, subject.plural), adjective.en)
        else:
            rest = grammar.location(frozenset({"place"}))
        en_head, _, en_tail = en_be(tense, subject.en_person).partition(" ")
    es_time, en_time = grammar.time_adverb(tense, verb, subject.slot, 0.25)
    es_verb = verb.forms[tense][subject.slot]
    if subject.droppable and grammar.chance(0.7):
        es = join_words(es_verb, rest.es, es_time)
    elif grammar.chance(0.5):
        es = join_words(es_verb, subject.es, rest.es, es_time)
    else:
        es = join_words(subject.es, es_verb, rest.es, es_time)
    return es, join_words(en_head, subject.en, en_tail, rest.en, en_time), True


def wh_question(grammar: PhraseGrammar) -> tuple[str, str, bool]:
    """Where, what, who, how many, why and when, with English do-support."""
    kind = grammar.rng.choices(
        ("where_be", "where_do", "what", "who", "how_many", "why", "when"),
        weights=(0.2, 0.15, 0.2, 0.15, 0.15, 0.1, 0.05),
    )[0]
    tense = grammar.tense()
    if kind == "where_be":
        subject = grammar.noun_phrase(
            frozenset({"animal", "person", "thing", "vehicle"}),
            determiners=DEFINITE_DETERMINERS,
            numbers=False,
        )
        be, _, will_be = en_be(tense, subject.en_person).partition(" ")
        es = join_words("dónde", ESTAR.forms[tense][subject.slot], subject.es)
        return es, join_words("where", be, subject.en, will_be), True
    if kind == "why":
        subject = grammar.question_subject(frozenset({"person"}))
        adjective = grammar.pick([a for a in ADJECTIVES if "mood" in a.groups])
        tense = grammar.pick((PRESENT, PAST))
        es_subject = "" if subject.droppable and grammar.chance(0.7) else subject.es
        es = join_words(
            "por qué",
            ESTAR.forms[tense][subject.slot],
            es_subject,
            adjective.agree(subject.gender, subject.plural),
        )
        return (
            es,
            join_words("why", en_be(tense, subject.en_person), subject.en, adjective.en),
            True,
        )
    if kind == "who":
        verb = grammar.pick(TRANSITIVE_VERBS)
        obj = grammar.object(verb)
        es_time, en_time = grammar.time_adverb(tense, verb, S3, 0.2)
        es = join_words("quién", verb.forms[tense][S3], obj.es, es_time)
        return (
            es,
            join_words("who", grammar.en_verb(verb, tense, "3s", False), obj.en, en_time),
            True,
        )
    if kind == "what":
        verb = grammar.pick([v for v in TRANSITIVE_VERBS if v.objects - {"person"}])
        es_words, en_words = "qué", "what"
    elif kind == "how_many":
        verb = grammar.pick(
            [v for v in TRANSITIVE_VERBS if grammar.nouns(v.objects - {"person"}, count=True)]
        )
        noun = grammar.pick(grammar.nouns(verb.objects - {"person"}, count=True))
        es_noun, en_noun = noun.es_plural, noun.en_plural
        adjectives = [a for a in ADJECTIVES if a.fits(noun) and a.copula == "ser"]
        if adjectives and grammar.chance(0.2):
            adjective = grammar.pick(adjectives)
            es_noun = f"{es_noun} {adjective.agree(noun.gender, True)}"
            en_noun = f"{adjective.en} {en_noun}"
        how_many = "cuántas" if noun.gender == "f" else "cuántos"
        es_words, en_words = f"{how_many} {es_noun}", f"how many {en_noun}"
    elif kind == "where_do":
        # Verbs that happen somewhere: not "llegar".
        verb = grammar.pick([v for v in INTRANSITIVE_VERBS if v.locations] + [IR])
        es_words, en_words = ("adónde" if verb is IR else "dónde"), "where"
    else:
        verb = grammar.pick(INTRANSITIVE_VERBS + (IR,))
        es_words, en_words = "cuándo", "when"
    subject = grammar.question_subject(verb.subjects)
    es_time = en_time = ""
    if kind != "when":
        es_time, en_time = grammar.time_adverb(tense, verb, subject.slot, 0.2)
    es_subject = "" if subject.droppable and grammar.chance(0.7) else subject.es
    es = join_words(es_words, verb.forms[tense][subject.slot], es_subject, es_time)
    en_auxiliary = en_do(tense, subject.en_person)
    return es, join_words(en_words, en_auxiliary, subject.en, verb.en[0], en_time), True
