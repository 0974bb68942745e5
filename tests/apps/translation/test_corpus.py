"""Tests for the embedded Spanish -> English corpus (no TensorFlow needed)."""

from __future__ import annotations

import collections
import csv
import functools
import re
from collections.abc import Callable

import pytest

from apps.translation import corpus
from apps.translation.corpus import generate_pairs, lexicon, write_pairs_tsv


@functools.cache
def _default_corpus() -> tuple[tuple[str, str], ...]:
    # Generated once: most tests read the full default-size corpus.
    return tuple(generate_pairs())


def _pairs_matching(pattern: str) -> list[tuple[str, str]]:
    """Default-corpus pairs whose Spanish side matches `pattern` (a regex)."""
    regex = re.compile(pattern)
    return [(es, en) for es, en in _default_corpus() if regex.search(es)]


def _assert_every_translation(
    pairs: list[tuple[str, str]], at_least: int, fits: Callable[[str], object], label: str = ""
) -> None:
    """At least `at_least` pairs, and every one's English side `fits`."""
    assert len(pairs) >= at_least, label
    for es, en in pairs:
        assert fits(en), (es, en)


def test_same_seed_gives_same_corpus_and_other_seed_differs():
    assert generate_pairs(500, seed=7) == generate_pairs(500, seed=7)
    assert generate_pairs(500, seed=7) != generate_pairs(500, seed=8)


def test_default_arguments_give_the_default_corpus():
    pairs = _default_corpus()
    assert len(pairs) == corpus.DEFAULT_NUM_PAIRS == 20000
    assert generate_pairs(300) == generate_pairs(300, seed=corpus.DEFAULT_SEED)
    # Sentences are drawn one after the other, so a smaller corpus is a prefix.
    assert list(pairs[:300]) == generate_pairs(300)


@pytest.mark.parametrize("num_pairs", [0, 1, 7, 250])
def test_size_is_exact(num_pairs):
    assert len(generate_pairs(num_pairs)) == num_pairs


def test_negative_size_is_rejected():
    with pytest.raises(ValueError, match="num_pairs"):
        generate_pairs(-1)


def test_spanish_sides_are_mostly_unique():
    # A held-out split by source sentence must test generalisation, not memorisation.
    spanish = [es for es, _ in _default_corpus()]
    assert len(set(spanish)) / len(spanish) >= 0.9


def test_each_spanish_sentence_has_exactly_one_translation():
    translations: dict[str, str] = {}
    # A second seed finds more collisions between independently generated sentences.
    for es, en in (*_default_corpus(), *generate_pairs(20000, seed=1)):
        assert translations.setdefault(es, en) == en, es


def test_sentences_are_3_to_12_words_long():
    for es, en in _default_corpus():
        assert 3 <= len(es.split()) <= 12, es
        assert 3 <= len(en.split()) <= 12, en
    # Every length in range occurs, so the model sees short and long sentences.
    assert {len(es.split()) for es, _ in _default_corpus()} == set(range(3, 13))


def test_capitalisation_and_punctuation():
    questions = 0
    for es, en in _default_corpus():
        assert es.strip() == es and "  " not in es and "\t" not in es + en
        if es.startswith("¿"):
            questions += 1
            assert es.endswith("?") and es[1].isupper() and en.endswith("?"), (es, en)
            assert es.count("¿") == es.count("?") == 1
        else:
            assert es[0].isupper() and es.endswith(".") and en.endswith("."), (es, en)
            assert "?" not in es
        assert en[0].isupper()
    assert 0.2 <= questions / len(_default_corpus()) <= 0.45


def test_english_is_consistent_in_form():
    for es, en in _default_corpus():
        # One form only: "do not", never "don't", so the mapping stays learnable.
        assert "n't" not in en, en
        assert not re.search(r"\b[Aa] [aeiouAEIOU]", en), en  # "an apple"
        assert not re.search(r"\b(a|de) el\b", es), es  # "al", "del"
        # "su" could be his, her, its, your or their: it is never generated.
        assert not re.search(r"\b[Ss]us?\b", es), es


def test_vocabulary_is_small_but_not_tiny():
    spanish = collections.Counter(
        w for es, _ in _default_corpus() for w in re.findall(r"\w+", es.lower())
    )
    english = collections.Counter(
        w for _, en in _default_corpus() for w in re.findall(r"[\w']+", en.lower())
    )
    # Word forms, conjugations included: a subword vocabulary of 1-2k covers them.
    assert 500 <= len(spanish) <= 1200
    assert 250 <= len(english) <= 600


# --- Hand-checkable constructions: the English is right wherever they occur. ------------

# Every adjective form: a noun phrase followed by one of these is a different phrase.
_ADJECTIVE_FORMS = "|".join(sorted({f for a in lexicon.ADJECTIVES for f in a.forms}))


def _phrase_pattern(spanish: str) -> str:
    """`spanish` as a whole noun phrase: no adjective, no "de Juan" after it."""
    return rf"(?i)\b{spanish}\b(?! (?:{_ADJECTIVE_FORMS})\b)(?! de [A-Z])"


def _outside_gustar(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # "Me gustan los gatos negros." -> "I like black cats.": no "the" there.
    return [(es, en) for es, en in pairs if "gusta" not in es]


# Each of these is rare, so the test asks for a few of them in all.
_ADJECTIVE_PHRASES = {
    "la casa blanca": "the white house",
    "las casas blancas": "the white houses",
    "el gato negro": "the black cat",
    "los gatos negros": "the black cats",
    "los perros pequeños": "the small dogs",
    "el coche rojo": "the red car",
    "los coches rojos": "the red cars",
    "el libro nuevo": "the new book",
    "los libros viejos": "the old books",
    "el caballo blanco": "the white horse",
    "la mesa vieja": "the old table",
    "las manzanas rojas": "the red apples",
}


def test_adjectives_agree_and_move_in_front_of_the_noun():
    found = 0
    for spanish, english in _ADJECTIVE_PHRASES.items():
        for es, en in _outside_gustar(_pairs_matching(_phrase_pattern(spanish))):
            assert english in en.lower(), (es, en)
            found += 1
    assert found >= 5


def test_every_definite_noun_adjective_phrase_agrees_and_translates():
    # The same check as above for every pair ("las casas blancas" whenever it occurs).
    nouns = {}
    for noun in lexicon.NOUNS:
        nouns[noun.es] = (noun, False)
        if noun.es_plural:
            nouns[noun.es_plural] = (noun, True)
    verbs = (*lexicon.TRANSITIVE_VERBS, *lexicon.INTRANSITIVE_VERBS, lexicon.PONER, lexicon.IR)
    verb_forms = {form for v in verbs for forms in v.forms.values() for form in forms}
    # "limpia" is also "cleans": "la mujer limpia tus sillas" has no adjective.
    adjectives = {form: a for a in lexicon.ADJECTIVES for form in a.forms if form not in verb_forms}
    checked = 0
    for es, en in _outside_gustar(list(_default_corpus())):
        if es.startswith("¿"):
            continue  # "¿Está el perro cansado?": there the adjective is the predicate
        for article, word, adjective in re.findall(
            r"\b([Ee]l|[Ll]as?|[Ll]os) (\w+) (\w+)\b(?! de [A-Z])", es
        ):
            article = article.lower()
            if word not in nouns or adjective not in adjectives:
                continue
            noun, plural = nouns[word]
            expected = lexicon.DETERMINERS["the"][0][2 * plural + (noun.gender == "f")]
            assert article == expected, es
            assert adjectives[adjective].agree(noun.gender, plural) == adjective, es
            english_noun = noun.en_plural if plural else noun.en
            assert f"the {adjectives[adjective].en} {english_noun}" in en.lower(), (es, en)
            checked += 1
    assert checked >= 300


def test_negation_uses_do_support():
    # First person present ("No como ...", "No tengo ..."): the subject is dropped.
    _assert_every_translation(
        _pairs_matching(r"^No [a-zñ]+o "), 20, lambda en: en.startswith("I do not ")
    )
    _assert_every_translation(
        _pairs_matching(r"^(El|La|Los|Las) (?!domingos)[a-zñáéíóú]+ no "),
        20,
        lambda en: re.search(r"\b(does|do|did|will|is|are|was|were) not\b", en),
    )


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("Tengo|Como|Bebo|Leo|Compro|Veo|Busco", "I (have|eat|drink|read|buy|see|look for) "),
        ("Tenemos|Comemos|Bebemos|Leemos|Vemos", "We (have|eat|drink|read|see) "),
        ("Comí|Bebí|Vi|Compré|Tuve|Leí", "I (ate|drank|saw|bought|had|read) "),
        (
            "Tendremos|Comeremos|Veremos|Compraremos|Leeremos|Beberemos|Iremos|Trabajaremos|"
            "Estudiaremos|Jugaremos|Nadaremos|Buscaremos|Estaremos",
            "We will ",
        ),
        ("Estoy", "I am "),
    ],
)
def test_dropped_subject_pronouns_reappear_in_english(spanish, english):
    _assert_every_translation(
        _pairs_matching(rf"^({spanish}) "), 5, lambda en: re.match(english, en), spanish
    )


def test_yes_no_questions_use_do_support():
    _assert_every_translation(
        _pairs_matching(r"^¿(Tienes|Comes|Bebes|Lees|Compras|Ves) "),
        10,
        lambda en: re.match(r"Do you (have|eat|drink|read|buy|see) ", en),
    )
    _assert_every_translation(
        _pairs_matching(r"^¿(Comió|Tuvo|Compró|Vio) "),
        1,
        lambda en: re.match(r"Did .* (eat|have|buy|see)\b", en),
    )


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("¿Dónde está ", "Where is "),
        ("¿Dónde están ", "Where are "),
        ("¿Qué (comes|bebes|lees|compras|ves|tienes)\\b", "What do you "),
        ("¿Quién tiene ", "Who has "),
        ("¿Cuántos libros ", "How many (\\w+ )?books "),
        ("¿Por qué estás ", "Why are you "),
    ],
)
def test_wh_questions(spanish, english):
    _assert_every_translation(
        _pairs_matching(f"^{spanish}"), 3, lambda en: re.match(english, en), spanish
    )


def test_ser_and_estar_are_both_be():
    pairs = _pairs_matching(r"^(El|La) [a-zñáéíóú]+ (es|está) (muy )?[a-záéíóú]+\.$")
    assert len({es.split()[2] for es, _ in pairs}) == 2  # both verbs occur
    for es, en in pairs:
        assert re.fullmatch(r"The \w+ is (very )?\w+\.", en), (es, en)


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("tres libros", "three books"),
        ("mi perro", "my dog"),
        ("tus libros", "your books"),
        ("nuestra casa", "our house"),
        ("en la mesa", "on the table"),
        ("en la caja", "in the box"),
        ("debajo de la mesa", "under the table"),
        ("al parque", "to the park"),
    ],
)
def test_numbers_possessives_and_prepositions(spanish, english):
    pairs = _outside_gustar(_pairs_matching(_phrase_pattern(spanish)))
    _assert_every_translation(pairs, 3, lambda en: english in en.lower(), spanish)


def test_time_adverbs_go_to_the_end_in_english():
    front = _pairs_matching(r"^Ayer ")
    end = _pairs_matching(r"(?<!la) mañana[.?]$")
    assert len(front) >= 20 and len(end) >= 20
    for es, en in front:
        assert en.endswith(" yesterday."), (es, en)
    for es, en in end:
        assert en[:-1].endswith(" tomorrow") and re.search(r"\b[Ww]ill\b", en), (es, en)


def test_personal_a_and_possessor_with_de():
    _assert_every_translation(
        _outside_gustar(_pairs_matching(r" a María\b")),
        5,
        lambda en: "Maria" in en and " to Maria" not in en,
    )
    _assert_every_translation(
        _pairs_matching(r"\b(el|la|los|las) [a-zñ]+ de Juan\b"), 5, lambda en: "Juan's " in en
    )


def test_gustar_turns_its_object_into_the_english_subject():
    _assert_every_translation(
        _pairs_matching(r"^Me gustan los [a-zñ]+\.$"),
        3,
        lambda en: re.fullmatch(r"I like [a-z]+\.", en) and " the " not in en,
    )
    _assert_every_translation(
        _pairs_matching(r"^¿Te gusta "), 1, lambda en: en.startswith("Do you like ")
    )


def test_professions_take_an_article_only_in_english():
    _assert_every_translation(
        _pairs_matching(r"\b(es|soy|eres|era|será) (médico|médica|ingeniero|ingeniera)\.$"),
        3,
        lambda en: re.search(r"\b(a doctor|an engineer)\.$", en),
    )


def test_hay_is_there_is_or_there_are():
    for pattern, english in [
        (r"^Hay (un|una) ", "There is "),
        (r"^Hay (dos|tres|cuatro|unos|unas) ", "There are "),
        (r"^¿Hay (un|una) ", "Is there "),
        (r"^No hay ", "There "),
    ]:
        _assert_every_translation(
            _pairs_matching(pattern), 1, lambda en, start=english: en.startswith(start), pattern
        )


# --- The TSV file. ---------------------------------------------------------------------


def test_tsv_round_trip(tmp_path):
    path = tmp_path / "pairs.tsv"
    write_pairs_tsv(path, num_pairs=300, seed=3)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    # English first, like the real spa-eng.tsv.gz.
    assert rows[0] == ["english", "spanish"]
    assert [(es, en) for en, es in rows[1:]] == generate_pairs(300, seed=3)
    assert all(len(row) == 2 for row in rows)
    assert '"' not in path.read_text(encoding="utf-8")
