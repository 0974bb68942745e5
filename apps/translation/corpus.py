"""The embedded default corpus: generated Spanish -> English sentence pairs.

Every pair comes from a small synchronous grammar: each rule expands the Spanish and
the English side at the same time, so the English is always a correct translation of
the Spanish. The constructions are the ones where the two languages differ:

- agreement: gender and number on determiners and adjectives ("las casas blancas"),
  person and number on verbs, in the present, the past and the future;
- word order: adjectives after the noun in Spanish and before it in English, "el perro
  de Juan" -> "Juan's dog", time adverbs at the front or the end in Spanish and at the
  end in English, subject-verb inversion in Spanish questions;
- pro-drop: "Comemos pan." -> "We eat bread." (first and second person only, where the
  verb form names the subject unambiguously);
- negation and questions with do-support in English only ("No tengo un perro." ->
  "I do not have a dog."; "¿Tienes un gato?" -> "Do you have a cat?");
- wh-questions, "hay" -> "there is/are", "gustar" (the liked thing is the Spanish
  subject), the personal "a", ser and estar (both "be"), professions without an article.

The mapping is a function of the Spanish sentence: English never uses contractions,
"su" (his, her, your or their) is not generated, the third person is never dropped
(the verb form could be he, she or it), and a past tense whose form equals the present
("trabajamos") always comes with a past time adverb. A test checks that no Spanish
sentence is generated with two translations.

Only `random.Random(seed)` is used, so the output is byte-identical everywhere.
"""

from __future__ import annotations

import csv
import os
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_NUM_PAIRS = 20000
DEFAULT_SEED = 20261121
# Both sides of every pair have this many words (punctuation attached), inclusive.
MIN_WORDS = 3
MAX_WORDS = 12

PRESENT, PAST, FUTURE = "present", "past", "future"
# Slots of the Spanish conjugation tables: yo, tú, él/ella, nosotros, ellos/ustedes.
S1, S2, S3, P1, P3 = range(5)


# --- Nouns -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Noun:
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


def _noun(spec: str, kinds: str, adjectives: str = "", en_in: str = "in") -> _Noun:
    """Builds a noun from "es es_plural gender en en_plural" ("-" marks a mass noun)."""
    es, es_plural, gender, en, en_plural = spec.split()
    return _Noun(
        es,
        "" if es_plural == "-" else es_plural,
        gender,
        en,
        en_plural,
        frozenset(kinds.split()),
        frozenset(adjectives.split()),
        en_in,
    )


NOUNS = (
    # Animals.
    _noun("gato gatos m cat cats", "animal", "coat size age pretty mood"),
    _noun("perro perros m dog dogs", "animal", "coat size age pretty mood"),
    _noun("caballo caballos m horse horses", "animal", "coat size age pretty mood"),
    _noun("pájaro pájaros m bird birds", "animal", "color size pretty"),
    _noun("ratón ratones m mouse mice", "animal", "coat size"),
    _noun("vaca vacas f cow cows", "animal", "coat size age"),
    _noun("conejo conejos m rabbit rabbits", "animal", "coat size pretty mood"),
    # People.
    _noun("niño niños m boy boys", "person", "person mood"),
    _noun("niña niñas f girl girls", "person", "person mood"),
    _noun("hombre hombres m man men", "person", "person mood"),
    _noun("mujer mujeres f woman women", "person", "person mood"),
    _noun("amigo amigos m friend friends", "person relative", "person mood"),
    _noun("amiga amigas f friend friends", "person relative", "person mood"),
    _noun("hermano hermanos m brother brothers", "person relative", "person mood"),
    _noun("hermana hermanas f sister sisters", "person relative", "person mood"),
    _noun("vecino vecinos m neighbor neighbors", "person relative", "person mood"),
    _noun("vecina vecinas f neighbor neighbors", "person relative", "person mood"),
    _noun("médico médicos m doctor doctors", "person", "person mood"),
    _noun("maestra maestras f teacher teachers", "person", "person mood"),
    # Portable things ("text" ones can be read, "writable" ones written, "openable" opened).
    _noun("libro libros m book books", "thing text writable openable", "color size age price"),
    _noun("carta cartas f letter letters", "thing text writable", "size age"),
    _noun("periódico periódicos m newspaper newspapers", "thing text", "age"),
    _noun("cuaderno cuadernos m notebook notebooks", "thing", "color size age price"),
    _noun("llave llaves f key keys", "thing", "size age"),
    _noun("teléfono teléfonos m phone phones", "thing", "color age price broken"),
    _noun("lámpara lámparas f lamp lamps", "thing", "color size age price pretty broken"),
    _noun("camisa camisas f shirt shirts", "thing clothes", "color age price pretty dirty"),
    _noun("zapato zapatos m shoe shoes", "thing clothes", "color size age price dirty"),
    _noun("sombrero sombreros m hat hats", "thing clothes", "color size age price pretty"),
    _noun("taza tazas f cup cups", "thing dish", "color size dirty broken"),
    _noun("plato platos m plate plates", "thing dish", "color size dirty broken"),
    _noun("reloj relojes m watch watches", "thing", "age price pretty broken"),
    _noun("pelota pelotas f ball balls", "thing", "color size age"),
    _noun("lápiz lápices m pencil pencils", "thing", "color size"),
    _noun("caja cajas f box boxes", "thing container openable", "color size age open"),
    _noun("bolsa bolsas f bag bags", "thing container openable", "color size age price open"),
    _noun("bicicleta bicicletas f bicycle bicycles", "vehicle", "color age price broken", "on"),
    _noun("coche coches m car cars", "vehicle container", "color size age price dirty"),
    # Furniture: things stand "on" it.
    _noun("mesa mesas f table tables", "furniture", "color size age dirty", "on"),
    _noun("silla sillas f chair chairs", "furniture", "color size age broken", "on"),
    _noun("cama camas f bed beds", "furniture", "size age", "on"),
    _noun("sofá sofás m sofa sofas", "furniture", "color size age dirty", "on"),
    _noun("puerta puertas f door doors", "openable", "color open"),
    _noun("ventana ventanas f window windows", "openable", "size open dirty"),
    # Food and drink; mass nouns have no plural.
    _noun("manzana manzanas f apple apples", "food", "color size fresh"),
    _noun("naranja naranjas f orange oranges", "food", "size fresh"),
    _noun("huevo huevos m egg eggs", "food", "size fresh"),
    _noun("galleta galletas f cookie cookies", "food", "size"),
    _noun("plátano plátanos m banana bananas", "food", "size fresh"),
    _noun("tomate tomates m tomato tomatoes", "food", "color fresh"),
    _noun("pastel pasteles m cake cakes", "food", "size"),
    _noun("pan - m bread -", "food", "fresh"),
    _noun("queso - m cheese -", "food", "fresh"),
    _noun("pescado - m fish -", "food", "fresh temperature"),
    _noun("arroz - m rice -", "food", "temperature"),
    _noun("sopa - f soup -", "food", "temperature"),
    _noun("carne - f meat -", "food", "fresh"),
    _noun("café - m coffee -", "drink", "temperature"),
    _noun("leche - f milk -", "drink", "temperature"),
    _noun("té - m tea -", "drink", "temperature"),
    _noun("jugo - m juice -", "drink", "temperature"),
    # Places; "building" ones also have a front, a back and sides. Nobody owns a "public"
    # one: "mi hospital" is not generated.
    _noun("parque parques m park parks", "place public", "size pretty"),
    _noun("jardín jardines m garden gardens", "place", "size pretty"),
    _noun("cocina cocinas f kitchen kitchens", "place", "size dirty"),
    _noun("ciudad ciudades f city cities", "place", "size pretty"),
    _noun("playa playas f beach beaches", "place public", "size pretty", "at"),
    _noun("río ríos m river rivers", "place public", "size", "in"),
    _noun("casa casas f house houses", "place building", "color size age pretty"),
    _noun("escuela escuelas f school schools", "place building", "size age", "at"),
    _noun("tienda tiendas f store stores", "place building", "size age open"),
    _noun("mercado mercados m market markets", "place building public", "size age"),
    _noun("biblioteca bibliotecas f library libraries", "place building public", "size age"),
    _noun("oficina oficinas f office offices", "place building", "size age", "at"),
    _noun("hospital hospitales m hospital hospitals", "place building public", "size age", "at"),
    _noun("restaurante restaurantes m restaurant restaurants", "place building public", "size age"),
)

# (Spanish, English, gender) of the names used as subjects, objects and possessors.
NAMES = (
    ("Juan", "Juan", "m"),
    ("María", "Maria", "f"),
    ("Pedro", "Pedro", "m"),
    ("Ana", "Ana", "f"),
    ("Carlos", "Carlos", "m"),
    ("Lucía", "Lucia", "f"),
    ("Miguel", "Miguel", "m"),
    ("Elena", "Elena", "f"),
    ("Pablo", "Pablo", "m"),
    ("Sofía", "Sofia", "f"),
)


# --- Adjectives --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Adjective:
    forms: tuple[str, str, str, str]  # masculine, feminine, masculine plural, feminine plural
    en: str
    groups: frozenset[str]  # matched against `_Noun.adjectives`
    copula: str  # "ser" for properties, "estar" for states

    def fits(self, noun: _Noun) -> bool:
        return bool(self.groups & noun.adjectives)

    def agree(self, gender: str, plural: bool) -> str:
        return self.forms[2 * plural + (gender == "f")]


def _adjective(es: str, en: str, groups: str, copula: str = "ser") -> _Adjective:
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
    return _Adjective(forms, en, frozenset(groups.split()), copula)


ADJECTIVES = (
    _adjective("negro", "black", "color coat"),
    _adjective("blanco", "white", "color coat"),
    _adjective("rojo", "red", "color"),
    _adjective("azul", "blue", "color"),
    _adjective("verde", "green", "color"),
    _adjective("amarillo", "yellow", "color"),
    _adjective("gris", "gray", "color coat"),
    _adjective("marrón/marrones", "brown", "color coat"),
    _adjective("grande", "big", "size"),
    _adjective("pequeño", "small", "size"),
    _adjective("nuevo", "new", "age"),
    _adjective("viejo", "old", "age"),
    _adjective("caro", "expensive", "price"),
    _adjective("barato", "cheap", "price"),
    _adjective("bonito", "pretty", "pretty"),
    _adjective("fresco", "fresh", "fresh"),
    _adjective("alto", "tall", "person"),
    _adjective("bajo", "short", "person"),
    _adjective("joven/jóvenes", "young", "person"),
    _adjective("simpático", "nice", "person"),
    _adjective("inteligente", "smart", "person"),
    _adjective("fuerte", "strong", "person"),
    # States take estar: "la puerta está abierta", "estoy cansado".
    _adjective("cansado", "tired", "mood", "estar"),
    _adjective("contento", "happy", "mood", "estar"),
    _adjective("triste", "sad", "mood", "estar"),
    _adjective("enfermo", "sick", "mood", "estar"),
    _adjective("ocupado", "busy", "mood", "estar"),
    _adjective("abierto", "open", "open", "estar"),
    _adjective("cerrado", "closed", "open", "estar"),
    _adjective("roto", "broken", "broken", "estar"),
    _adjective("sucio", "dirty", "dirty", "estar"),
    _adjective("limpio", "clean", "dirty", "estar"),
    _adjective("frío", "cold", "temperature", "estar"),
    _adjective("caliente", "hot", "temperature", "estar"),
)


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
class _Verb:
    infinitive: str
    forms: dict[str, tuple[str, ...]]  # tense -> the five slot forms
    en: tuple[str, str, str]  # base, third person singular, past
    objects: frozenset[str]  # noun kinds it takes as object; empty when intransitive
    subjects: frozenset[str]  # noun kinds that can be its subject
    locations: frozenset[str]  # noun kinds that can follow it with "en"

    def ambiguous_past(self, slot: int) -> bool:
        """True where the past form equals the present one ("trabajamos")."""
        return self.forms[PAST][slot] == self.forms[PRESENT][slot]


def _verb(
    infinitive: str,
    en: str,
    objects: str = "",
    *,
    subjects: str = "person",
    locations: str = "",
    present: str = "",
    past: str = "",
    future_stem: str = "",
) -> _Verb:
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
    return _Verb(
        infinitive,
        forms,
        (base, third, simple_past),
        frozenset(objects.split()),
        frozenset(subjects.split()),
        frozenset(locations.split()),
    )


_ANYONE = "person animal"
TRANSITIVE_VERBS = (
    _verb("comer", "eat eats ate", "food", subjects=_ANYONE, locations="place"),
    _verb("beber", "drink drinks drank", "drink", subjects=_ANYONE, locations="place"),
    _verb(
        "leer", "read reads read", "text", locations="place", past="leí leíste leyó leímos leyeron"
    ),
    _verb("escribir", "write writes wrote", "writable", locations="place"),
    _verb("comprar", "buy buys bought", "thing food drink vehicle", locations="place"),
    _verb("vender", "sell sells sold", "thing vehicle animal", locations="place"),
    _verb(
        "ver",
        "see sees saw",
        "animal person thing vehicle",
        subjects=_ANYONE,
        locations="place",
        present="veo ves ve vemos ven",
        past="vi viste vio vimos vieron",
    ),
    _verb(
        "buscar",
        "look for,looks for,looked for",
        "animal person thing",
        subjects=_ANYONE,
        past="busqué buscaste buscó buscamos buscaron",
    ),
    _verb(
        "tener",
        "have has had",
        "animal thing vehicle",
        subjects=_ANYONE,
        present="tengo tienes tiene tenemos tienen",
        past="tuve tuviste tuvo tuvimos tuvieron",
        future_stem="tendr",
    ),
    _verb("abrir", "open opens opened", "openable"),
    _verb(
        "cerrar",
        "close closes closed",
        "openable",
        present="cierro cierras cierra cerramos cierran",
    ),
    _verb("limpiar", "clean cleans cleaned", "furniture vehicle dish place"),
    _verb("lavar", "wash washes washed", "dish clothes vehicle"),
    _verb("necesitar", "need needs needed", "thing food vehicle"),
    _verb("ayudar", "help helps helped", "person"),
    _verb("llamar", "call calls called", "person"),
    _verb("cocinar", "cook cooks cooked", "food", locations="place"),
    _verb(
        "encontrar",
        "find finds found",
        "animal thing",
        subjects=_ANYONE,
        locations="place",
        present="encuentro encuentras encuentra encontramos encuentran",
    ),
    _verb(
        "perder",
        "lose loses lost",
        "thing animal",
        locations="place",
        present="pierdo pierdes pierde perdemos pierden",
    ),
    _verb(
        "traer",
        "bring brings brought",
        "thing food drink",
        present="traigo traes trae traemos traen",
        past="traje trajiste trajo trajimos trajeron",
    ),
)
# Only in statements, which always give it a place ("en la mesa").
PONER = _verb(
    "poner",
    "put puts put",
    "thing food",
    present="pongo pones pone ponemos ponen",
    past="puse pusiste puso pusimos pusieron",
    future_stem="pondr",
)
INTRANSITIVE_VERBS = (
    _verb("trabajar", "work works worked", locations="place"),
    _verb("vivir", "live lives lived", subjects=_ANYONE, locations="place"),
    _verb("estudiar", "study studies studied", locations="place"),
    _verb(
        "dormir",
        "sleep sleeps slept",
        subjects=_ANYONE,
        locations="place furniture",
        present="duermo duermes duerme dormimos duermen",
        past="dormí dormiste durmió dormimos durmieron",
    ),
    _verb(
        "jugar",
        "play plays played",
        subjects=_ANYONE,
        locations="place",
        present="juego juegas juega jugamos juegan",
        past="jugué jugaste jugó jugamos jugaron",
    ),
    _verb("nadar", "swim swims swam", subjects=_ANYONE, locations="place"),
    _verb("correr", "run runs ran", subjects=_ANYONE, locations="place"),
    _verb("cantar", "sing sings sang", subjects="person", locations="place"),
    _verb("bailar", "dance dances danced", subjects="person", locations="place"),
    _verb("caminar", "walk walks walked", subjects=_ANYONE, locations="place"),
    _verb("llegar", "arrive arrives arrived", past="llegué llegaste llegó llegamos llegaron"),
)
IR = _verb(
    "ir",
    "go goes went",
    present="voy vas va vamos van",
    past="fui fuiste fue fuimos fueron",
)
# The imperfect stands for the past of "be": "era"/"estaba" -> "was".
SER = _verb("ser", "be is was", present="soy eres es somos son", past="era eras era éramos eran")
ESTAR = _verb(
    "estar",
    "be is was",
    present="estoy estás está estamos están",
    past="estaba estabas estaba estábamos estaban",
)
GUSTAR = _verb("gustar", "like likes liked")

# (Spanish masculine, feminine, English) of "ser" + profession, no article in Spanish.
PROFESSIONS = (
    ("médico", "médica", "doctor"),
    ("maestro", "maestra", "teacher"),
    ("estudiante", "estudiante", "student"),
    ("cocinero", "cocinera", "cook"),
    ("enfermero", "enfermera", "nurse"),
    ("abogado", "abogada", "lawyer"),
    ("ingeniero", "ingeniera", "engineer"),
    ("artista", "artista", "artist"),
)


# --- Function words ----------------------------------------------------------------------
# name -> ((el, la, los, las), (English singular, English plural)).
DETERMINERS = {
    "the": (("el", "la", "los", "las"), ("the", "the")),
    "a": (("un", "una", "unos", "unas"), ("a", "some")),
    "my": (("mi", "mi", "mis", "mis"), ("my", "my")),
    "your": (("tu", "tu", "tus", "tus"), ("your", "your")),
    "our": (("nuestro", "nuestra", "nuestros", "nuestras"), ("our", "our")),
    "this": (("este", "esta", "estos", "estas"), ("this", "these")),
    "that": (("ese", "esa", "esos", "esas"), ("that", "those")),
}
NUMBERS = (
    ("dos", "two"),
    ("tres", "three"),
    ("cuatro", "four"),
    ("cinco", "five"),
    ("seis", "six"),
    ("siete", "seven"),
    ("ocho", "eight"),
    ("diez", "ten"),
)
# Spanish preposition -> (English, noun kinds it goes with). "en" is special: its English
# depends on the noun (`_Noun.en_in`).
PREPOSITIONS = (
    ("en", "", frozenset({"furniture", "container", "vehicle", "place"})),
    ("debajo de", "under", frozenset({"furniture", "vehicle"})),
    ("cerca de", "near", frozenset({"furniture", "vehicle", "place"})),
    ("al lado de", "next to", frozenset({"furniture", "vehicle", "building"})),
    ("detrás de", "behind", frozenset({"furniture", "vehicle", "building"})),
    ("delante de", "in front of", frozenset({"vehicle", "building"})),
)
# Time adverbs go at the front or the end in Spanish and at the end in English. Each
# belongs to one tense only, so the adverb never makes the tense ambiguous.
TIME_ADVERBS = {
    PRESENT: (
        ("hoy", "today"),
        ("todos los días", "every day"),
        ("los domingos", "on Sundays"),
        ("por la mañana", "in the morning"),
        ("por la noche", "at night"),
    ),
    PAST: (
        ("ayer", "yesterday"),
        ("anoche", "last night"),
        ("la semana pasada", "last week"),
        ("el año pasado", "last year"),
    ),
    FUTURE: (
        ("mañana", "tomorrow"),
        ("la próxima semana", "next week"),
        ("el próximo año", "next year"),
        ("pronto", "soon"),
    ),
}
# Frequency adverbs come before the verb in both languages (after "be" in English);
# present tense, affirmative statements only ("nunca" is itself the negation).
FREQUENCY_ADVERBS = (("siempre", "always"), ("nunca", "never"), ("a veces", "sometimes"))


# --- Phrases -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Phrase:
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
    noun: _Noun | None = None

    @property
    def en_person(self) -> str:
        """What English verb agreement looks at: "I", "3s" or "pl" ("you" is "pl")."""
        if self.en == "I":
            return "I"
        return "pl" if self.plural or self.en == "you" else "3s"


def _en_present(verb: _Verb, person: str) -> str:
    return verb.en[1] if person == "3s" else verb.en[0]


def _en_be(tense: str, person: str) -> str:
    if tense == PRESENT:
        return {"I": "am", "3s": "is"}.get(person, "are")
    if tense == PAST:
        return "were" if person == "pl" else "was"
    return "will be"


def _en_do(tense: str, person: str) -> str:
    """The auxiliary of English negation and questions."""
    return {PRESENT: "does" if person == "3s" else "do", PAST: "did", FUTURE: "will"}[tense]


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


# Verbs whose infinitive can be what someone likes: "me gusta nadar" -> "I like to swim".
_HOBBIES = frozenset(
    "comer beber leer escribir comprar cocinar trabajar estudiar dormir jugar nadar correr "
    "cantar bailar caminar".split()
)
_SUBJECT_DETERMINERS = ("the", "the", "the", "a", "my", "your", "our", "this", "that")
_DEFINITE_DETERMINERS = ("the", "the", "the", "my", "your", "our", "this", "that")


class _Grammar:
    """Expands both languages at once.

    Phrase methods return `_Phrase`s; construction methods return `(spanish, english,
    is_question)` without capitals or final punctuation.
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
    def nouns(kinds: frozenset[str], count: bool = False) -> list[_Noun]:
        return [n for n in NOUNS if n.kinds & kinds and not (count and n.mass)]

    # -- noun phrases --------------------------------------------------------------------
    def noun_phrase(
        self,
        kinds: frozenset[str] = frozenset(),
        *,
        noun: _Noun | None = None,
        determiners: Sequence[str] = _SUBJECT_DETERMINERS,
        plural: bool | None = None,
        bare: bool = False,
        numbers: bool = True,
        adjective_chance: float = 0.3,
        possessor_chance: float = 0.08,
    ) -> _Phrase:
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
        return _Phrase(es, en, noun.gender, plural, P3 if plural else S3, False, generic, noun)

    def name(self) -> _Phrase:
        es, en, gender = self.pick(NAMES)
        return _Phrase(es, en, gender)

    def pronoun(self, *, first_person: bool = True) -> _Phrase:
        """A subject pronoun; only "yo", "tú" and "nosotros" may be dropped later."""
        gender = self.pick("mf")
        options = [
            _Phrase("tú", "you", gender, False, S2, True),
            _Phrase("tú", "you", gender, False, S2, True),
            _Phrase("él", "he", "m", False, S3),
            _Phrase("ella", "she", "f", False, S3),
            _Phrase("ellos" if gender == "m" else "ellas", "they", gender, True, P3),
            _Phrase("ustedes", "you", gender, True, P3),
        ]
        if first_person:
            we = "nosotros" if gender == "m" else "nosotras"
            options += [
                _Phrase("yo", "I", gender, False, S1, True),
                _Phrase("yo", "I", gender, False, S1, True),
                _Phrase(we, "we", gender, True, P1, True),
            ]
        return self.pick(options)

    def subject(self, kinds: frozenset[str], *, first_person: bool = True) -> _Phrase:
        """A pronoun, a name or a noun phrase that can do what the verb says."""
        roll = self.rng.random()
        if "person" in kinds and roll < 0.45:
            return self.pronoun(first_person=first_person)
        if "person" in kinds and roll < 0.6:
            return self.name()
        return self.noun_phrase(kinds)

    def question_subject(self, kinds: frozenset[str]) -> _Phrase:
        """Questions ask about "you" or a third person, never "I" or "we"."""
        return self.subject(kinds, first_person=False)

    def person_object(self) -> _Phrase:
        """A person as object: Spanish marks it with the personal "a" ("veo a Ana")."""
        phrase = self.name() if self.chance(0.35) else self.noun_phrase(frozenset({"person"}))
        return _Phrase(f"a {phrase.es}", phrase.en, phrase.gender, phrase.plural)

    def object(self, verb: _Verb) -> _Phrase:
        things = verb.objects - {"person"}
        if not things or ("person" in verb.objects and self.chance(0.25)):
            return self.person_object()
        return self.noun_phrase(things, bare=True)

    def location(
        self, kinds: frozenset[str], prepositions: Sequence[str] = ("en", "en", "cerca de")
    ) -> _Phrase:
        """A prepositional phrase: "en la mesa" -> "on the table"."""
        noun = self.pick(
            [n for n in self.nouns(kinds) if any(n.kinds & p[2] for p in PREPOSITIONS)]
        )
        options = [p for p in PREPOSITIONS if noun.kinds & p[2] and p[0] in prepositions]
        options = options or [PREPOSITIONS[0]]
        preposition, en, _ = self.pick(options)
        phrase = self.noun_phrase(
            noun=noun,
            determiners=_DEFINITE_DETERMINERS,
            plural=False,
            adjective_chance=0.15,
            possessor_chance=0.05,
        )
        # "en" is "on" a table, "in" a box, "at" the beach.
        return _Phrase(f"{preposition} {phrase.es}", f"{en or noun.en_in} {phrase.en}")

    def time_adverb(self, tense: str, verb: _Verb, slot: int, chance: float) -> tuple[str, str]:
        """Maybe a time adverb; always one where the Spanish verb form hides the tense."""
        if tense == PAST and verb.ambiguous_past(slot):
            chance = 1.0
        return self.pick(TIME_ADVERBS[tense]) if self.chance(chance) else ("", "")

    # -- English verb groups -------------------------------------------------------------
    @staticmethod
    def en_verb(verb: _Verb, tense: str, person: str, negative: bool, adverb: str = "") -> str:
        """The English verb group: "eats", "does not eat", "will eat", "always eats", "is"."""
        if verb in (SER, ESTAR):
            if tense == FUTURE:
                return _join("will", "not" if negative else adverb, "be")
            return _join(_en_be(tense, person), "not" if negative else adverb)
        if negative:
            return _join(_en_do(tense, person), "not", verb.en[0])
        if tense == FUTURE:
            return _join("will", adverb, verb.en[0])
        return _join(adverb, _en_present(verb, person) if tense == PRESENT else verb.en[2])

    # -- statements ----------------------------------------------------------------------
    def clause(
        self,
        subject: _Phrase,
        verb: _Verb,
        tense: str,
        negative: bool,
        rest: _Phrase,
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
        es_core = _join(
            es_subject, es_freq, "no" if negative else "", verb.forms[tense][subject.slot], rest.es
        )
        # Spanish puts a time adverb first or last; English puts it last.
        es = _join(es_time, es_core) if es_time and self.chance(0.4) else _join(es_core, es_time)
        en_verb = self.en_verb(verb, tense, subject.en_person, negative, en_freq)
        return es, _join(subject.en, en_verb, rest.en, en_time), False

    def statement(self) -> tuple[str, str, bool]:
        """A statement, e.g. "(Yo) no como manzanas." -> "I do not eat apples."."""
        roll = self.rng.random()
        verb = self.pick(
            TRANSITIVE_VERBS if roll < 0.6 else (PONER,) if roll < 0.65 else INTRANSITIVE_VERBS
        )
        subject = self.subject(verb.subjects)
        if verb is PONER:
            obj = self.object(verb)
            place = self.location(frozenset({"furniture", "container", "vehicle"}))
            rest = _Phrase(_join(obj.es, place.es), _join(obj.en, place.en))
        elif verb.objects:
            obj = self.object(verb)
            if verb.locations and self.chance(0.2):
                place = self.location(verb.locations)
                rest = _Phrase(_join(obj.es, place.es), _join(obj.en, place.en))
            else:
                rest = obj
        elif verb.locations and self.chance(0.6):
            rest = self.location(verb.locations)
        else:
            rest = _Phrase("", "")
        return self.clause(subject, verb, self.tense(), self.chance(0.3), rest)

    def go(self) -> tuple[str, str, bool]:
        """Going somewhere: "Voy al parque." -> "I go to the park."."""
        subject = self.subject(frozenset({"person"}))
        place = self.noun_phrase(
            frozenset({"place"}),
            determiners=_DEFINITE_DETERMINERS,
            plural=False,
            adjective_chance=0.1,
        )
        rest = _Phrase(f"a {place.es}", f"to {place.en}")
        return self.clause(subject, IR, self.tense(), self.chance(0.25), rest)

    def be_adjective(self) -> tuple[str, str, bool]:
        """Ser for properties, estar for states; both are "be" in English."""
        adjective = self.pick(ADJECTIVES)
        if adjective.groups & {"person", "mood"} and self.chance(0.5):
            subject = self.pronoun()
        else:
            noun = self.pick([n for n in NOUNS if adjective.fits(n)])
            subject = self.noun_phrase(
                noun=noun, determiners=_DEFINITE_DETERMINERS, numbers=False, adjective_chance=0
            )
        es, en = adjective.agree(subject.gender, subject.plural), adjective.en
        if "color" not in adjective.groups and self.chance(0.25):
            es, en = f"muy {es}", f"very {en}"
        if adjective.copula == "estar":
            return self.clause(subject, ESTAR, self.tense(), self.chance(0.25), _Phrase(es, en))
        # Properties take no adverbs and no future: "el gato será negro mañana" is odd.
        tense = self.pick((PRESENT, PRESENT, PAST))
        return self.clause(subject, SER, tense, self.chance(0.25), _Phrase(es, en), adverbs=False)

    def be_location(self) -> tuple[str, str, bool]:
        """Estar + place: "El libro está en la mesa." -> "The book is on the table."."""
        roll = self.rng.random()
        if roll < 0.25:
            subject = self.pronoun()
        elif roll < 0.35:
            subject = self.name()
        else:
            subject = self.noun_phrase(
                frozenset({"animal", "person", "thing", "food"}),
                determiners=_DEFINITE_DETERMINERS,
                numbers=False,
            )
        if subject.noun is None or "person" in subject.noun.kinds:
            kinds = frozenset({"place", "vehicle"})
        else:
            kinds = frozenset({"furniture", "container", "vehicle", "place"})
        place = self.location(kinds, [p[0] for p in PREPOSITIONS])
        return self.clause(subject, ESTAR, self.tense(), self.chance(0.2), place)

    def profession(self) -> tuple[str, str, bool]:
        """Ser + profession, no article in Spanish: "Es médica." -> "She is a doctor."."""
        roll = self.rng.random()
        if roll < 0.5:
            subject = self.pronoun()
        elif roll < 0.75:
            subject = self.name()
        else:
            subject = self.noun_phrase(
                frozenset({"relative"}),
                determiners=("my", "your", "our"),
                numbers=False,
                adjective_chance=0,
            )
        masculine, feminine, en = self.pick(PROFESSIONS)
        es = feminine if subject.gender == "f" else masculine
        if subject.plural:
            es, en = es + "s", en + "s"
        else:
            en = f"a {en}"
        # No adverbs: "anoche era médico" is odd.
        return self.clause(
            subject, SER, self.tense(), self.chance(0.2), _Phrase(es, en), adverbs=False
        )

    # -- gustar and hay ------------------------------------------------------------------
    def liked_thing(self) -> _Phrase:
        """What "gustar" agrees with: a noun phrase, or an infinitive (singular)."""
        if self.chance(0.25):
            verb = self.pick(
                [v for v in INTRANSITIVE_VERBS + TRANSITIVE_VERBS if v.infinitive in _HOBBIES]
            )
            if not verb.objects:
                return _Phrase(verb.infinitive, "", en_generic=f"to {verb.en[0]}")
            obj = self.object(verb)
            return _Phrase(
                f"{verb.infinitive} {obj.es}", "", en_generic=f"to {verb.en[0]} {obj.en}"
            )
        phrase = self.noun_phrase(
            frozenset({"animal", "food", "drink", "thing", "vehicle", "place"}),
            determiners=("the", "the", "the", "the", "my", "your", "this", "that"),
            numbers=False,
            possessor_chance=0.03,
        )
        # Spanish needs the article for generic nouns, English drops it.
        return _Phrase(phrase.es, phrase.en, plural=phrase.plural, en_generic=phrase.en_generic)

    def gustar(self) -> tuple[str, str, bool]:
        """Gustar, whose subject is the liked thing: "Me gustan los perros." -> "I like dogs."."""
        question = self.chance(0.25)
        roll = self.rng.random()
        head = ""
        if roll < 0.6:
            # Nobody asks "¿Me gusta el café?": questions are about "you" or others.
            options = (("te", "you"),) if question else (("me", "I"), ("te", "you"), ("nos", "we"))
            clitic, en = self.pick(options)
            experiencer = _Phrase("", en, plural=en == "we")
        else:
            experiencer = (
                self.name()
                if roll < 0.8
                else self.noun_phrase(
                    frozenset({"person"}), determiners=("the", "my", "your", "our"), numbers=False
                )
            )
            head, clitic = f"a {experiencer.es}", "les" if experiencer.plural else "le"
        liked = self.liked_thing()
        negative = not question and self.chance(0.3)
        es = _join(head, "no" if negative else "", clitic, "gustan" if liked.plural else "gusta")
        es = _join(es, liked.es)
        person = experiencer.en_person
        if question:
            en = _join(_en_do(PRESENT, person), experiencer.en, "like")
        else:
            en = _join(experiencer.en, self.en_verb(GUSTAR, PRESENT, person, negative))
        return es, _join(en, liked.en_generic or liked.en), question

    def hay(self) -> tuple[str, str, bool]:
        """Existence: "Hay dos gatos en el jardín." -> "There are two cats in the garden."."""
        kinds = frozenset({"animal", "thing", "food", "drink", "person"})
        place = self.location(
            frozenset({"furniture", "container", "vehicle", "place"}), [p[0] for p in PREPOSITIONS]
        )
        roll = self.rng.random()
        if roll < 0.25:
            # "No hay" takes a bare noun: "No hay leche." -> "There is no milk."
            noun = self.pick(self.nouns(kinds))
            es_noun = noun.es_plural or noun.es
            en_noun, be = (noun.en, "is") if noun.mass else (noun.en_plural, "are")
            return f"no hay {es_noun} {place.es}", f"there {be} no {en_noun} {place.en}", False
        phrase = self.noun_phrase(kinds, determiners=("a",), bare=True, adjective_chance=0.25)
        be = "are" if phrase.plural else "is"
        if roll < 0.5:
            return f"hay {phrase.es} {place.es}", f"{be} there {phrase.en} {place.en}", True
        return f"hay {phrase.es} {place.es}", f"there {be} {phrase.en} {place.en}", False

    # -- questions -----------------------------------------------------------------------
    def yes_no_question(self) -> tuple[str, str, bool]:
        """A yes/no question: "¿Tienes un gato?" -> "Do you have a cat?"."""
        kind = self.rng.choices(("verb", "state", "location"), weights=(0.6, 0.2, 0.2))[0]
        tense = self.tense()
        if kind == "verb":
            verb = self.pick(TRANSITIVE_VERBS + INTRANSITIVE_VERBS)
            subject = self.question_subject(verb.subjects)
            if verb.objects:
                rest = self.object(verb)
            elif verb.locations and self.chance(0.5):
                rest = self.location(verb.locations)
            else:
                rest = _Phrase("", "")
            en_head, en_tail = _en_do(tense, subject.en_person), verb.en[0]
        else:
            verb = ESTAR
            subject = self.question_subject(frozenset({"person", "animal"}))
            if kind == "state":
                adjective = self.pick([a for a in ADJECTIVES if "mood" in a.groups])
                rest = _Phrase(adjective.agree(subject.gender, subject.plural), adjective.en)
            else:
                rest = self.location(frozenset({"place"}))
            en_head, _, en_tail = _en_be(tense, subject.en_person).partition(" ")
        es_time, en_time = self.time_adverb(tense, verb, subject.slot, 0.25)
        es_verb = verb.forms[tense][subject.slot]
        if subject.droppable and self.chance(0.7):
            es = _join(es_verb, rest.es, es_time)
        elif self.chance(0.5):
            es = _join(es_verb, subject.es, rest.es, es_time)
        else:
            es = _join(subject.es, es_verb, rest.es, es_time)
        return es, _join(en_head, subject.en, en_tail, rest.en, en_time), True

    def wh_question(self) -> tuple[str, str, bool]:
        """Where, what, who, how many, why and when, with English do-support."""
        kind = self.rng.choices(
            ("where_be", "where_do", "what", "who", "how_many", "why", "when"),
            weights=(0.2, 0.15, 0.2, 0.15, 0.15, 0.1, 0.05),
        )[0]
        tense = self.tense()
        if kind == "where_be":
            subject = self.noun_phrase(
                frozenset({"animal", "person", "thing", "vehicle"}),
                determiners=_DEFINITE_DETERMINERS,
                numbers=False,
            )
            be, _, will_be = _en_be(tense, subject.en_person).partition(" ")
            es = _join("dónde", ESTAR.forms[tense][subject.slot], subject.es)
            return es, _join("where", be, subject.en, will_be), True
        if kind == "why":
            subject = self.question_subject(frozenset({"person"}))
            adjective = self.pick([a for a in ADJECTIVES if "mood" in a.groups])
            tense = self.pick((PRESENT, PAST))
            es_subject = "" if subject.droppable and self.chance(0.7) else subject.es
            es = _join(
                "por qué",
                ESTAR.forms[tense][subject.slot],
                es_subject,
                adjective.agree(subject.gender, subject.plural),
            )
            return (
                es,
                _join("why", _en_be(tense, subject.en_person), subject.en, adjective.en),
                True,
            )
        if kind == "who":
            verb = self.pick(TRANSITIVE_VERBS)
            obj = self.object(verb)
            es_time, en_time = self.time_adverb(tense, verb, S3, 0.2)
            es = _join("quién", verb.forms[tense][S3], obj.es, es_time)
            return es, _join("who", self.en_verb(verb, tense, "3s", False), obj.en, en_time), True
        if kind == "what":
            verb = self.pick([v for v in TRANSITIVE_VERBS if v.objects - {"person"}])
            es_words, en_words = "qué", "what"
        elif kind == "how_many":
            verb = self.pick(
                [v for v in TRANSITIVE_VERBS if self.nouns(v.objects - {"person"}, count=True)]
            )
            noun = self.pick(self.nouns(verb.objects - {"person"}, count=True))
            es_noun, en_noun = noun.es_plural, noun.en_plural
            adjectives = [a for a in ADJECTIVES if a.fits(noun) and a.copula == "ser"]
            if adjectives and self.chance(0.2):
                adjective = self.pick(adjectives)
                es_noun = f"{es_noun} {adjective.agree(noun.gender, True)}"
                en_noun = f"{adjective.en} {en_noun}"
            how_many = "cuántas" if noun.gender == "f" else "cuántos"
            es_words, en_words = f"{how_many} {es_noun}", f"how many {en_noun}"
        elif kind == "where_do":
            # Verbs that happen somewhere: not "llegar".
            verb = self.pick([v for v in INTRANSITIVE_VERBS if v.locations] + [IR])
            es_words, en_words = ("adónde" if verb is IR else "dónde"), "where"
        else:
            verb = self.pick(INTRANSITIVE_VERBS + (IR,))
            es_words, en_words = "cuándo", "when"
        subject = self.question_subject(verb.subjects)
        es_time = en_time = ""
        if kind != "when":
            es_time, en_time = self.time_adverb(tense, verb, subject.slot, 0.2)
        es_subject = "" if subject.droppable and self.chance(0.7) else subject.es
        es = _join(es_words, verb.forms[tense][subject.slot], es_subject, es_time)
        en_do = _en_do(tense, subject.en_person)
        return es, _join(en_words, en_do, subject.en, verb.en[0], en_time), True


# Relative weights of the top-level constructions (names of `_Grammar` methods).
CONSTRUCTIONS = (
    ("statement", 0.34),
    ("go", 0.05),
    ("be_adjective", 0.12),
    ("be_location", 0.08),
    ("profession", 0.04),
    ("gustar", 0.08),
    ("hay", 0.06),
    ("yes_no_question", 0.12),
    ("wh_question", 0.11),
)


def _finish(es: str, en: str, question: bool) -> tuple[str, str]:
    """Contractions, capitals and final punctuation for both sides."""
    # "a el" and "de el" contract in Spanish; "él" (he) never does.
    es = re.sub(r"\bde el\b", "del", re.sub(r"\ba el\b", "al", es))
    # Every vowel-initial English word here starts with a vowel sound: "an apple".
    en = re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", en)
    es, en = es[:1].upper() + es[1:], en[:1].upper() + en[1:]
    if question:
        return f"¿{es}?", f"{en}?"
    return f"{es}.", f"{en}."


def generate_pairs(
    num_pairs: int = DEFAULT_NUM_PAIRS, seed: int = DEFAULT_SEED
) -> list[tuple[str, str]]:
    """Generates the embedded corpus of Spanish -> English sentence pairs.

    Args:
        num_pairs: how many pairs to generate.
        seed: seed for the private `random.Random`; equal seeds give equal corpora.

    Returns:
        `(spanish, english)` pairs, capitalised and punctuated ("¿...?" for Spanish
        questions), each side `MIN_WORDS` to `MAX_WORDS` words long. A Spanish sentence
        can occur more than once, always with the same English.
    """
    if num_pairs < 0:
        raise ValueError(f"Expected `num_pairs` >= 0. Received: {num_pairs}")
    rng = random.Random(seed)
    grammar = _Grammar(rng)
    names, weights = zip(*CONSTRUCTIONS, strict=True)
    pairs = []
    while len(pairs) < num_pairs:
        es, en, question = getattr(grammar, rng.choices(names, weights=weights)[0])()
        es, en = _finish(es, en, question)
        # Sentences out of range are drawn again rather than cut.
        if all(MIN_WORDS <= len(side.split()) <= MAX_WORDS for side in (es, en)):
            pairs.append((es, en))
    return pairs


def write_pairs_tsv(
    path: str | os.PathLike, num_pairs: int = DEFAULT_NUM_PAIRS, seed: int = DEFAULT_SEED
) -> None:
    """Writes the corpus as TSV with an `english<TAB>spanish` header, unquoted.

    The columns are in the order of the real data set (`spa-eng.tsv.gz`), so the same
    loader reads either file.

    Args:
        path: destination file; its directory must exist.
        num_pairs: how many pairs to generate.
        seed: seed passed to `generate_pairs`.
    """
    pairs = generate_pairs(num_pairs, seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow(["english", "spanish"])
        writer.writerows((english, spanish) for spanish, english in pairs)
