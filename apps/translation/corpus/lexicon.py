"""The vocabulary of the translation grammar (data): nouns, names, adjectives, verbs,
professions and function words, in both languages."""

from __future__ import annotations

from apps.translation.corpus.words import (
    FUTURE,
    PAST,
    PRESENT,
    make_adjective,
    make_noun,
    make_verb,
)


def _rows(text: str) -> tuple[tuple[str, ...], ...]:
    """`"a b c | d e f"` -> `(("a", "b", "c"), ("d", "e", "f"))`: a table of one-word cells."""
    return tuple(tuple(row.split()) for row in text.split("|"))


# --- Nouns -----------------------------------------------------------------------------
NOUNS = (
    # Animals.
    make_noun("gato gatos m cat cats", "animal", "coat size age pretty mood"),
    make_noun("perro perros m dog dogs", "animal", "coat size age pretty mood"),
    make_noun("caballo caballos m horse horses", "animal", "coat size age pretty mood"),
    make_noun("pájaro pájaros m bird birds", "animal", "color size pretty"),
    make_noun("ratón ratones m mouse mice", "animal", "coat size"),
    make_noun("vaca vacas f cow cows", "animal", "coat size age"),
    make_noun("conejo conejos m rabbit rabbits", "animal", "coat size pretty mood"),
    # People.
    make_noun("niño niños m boy boys", "person", "person mood"),
    make_noun("niña niñas f girl girls", "person", "person mood"),
    make_noun("hombre hombres m man men", "person", "person mood"),
    make_noun("mujer mujeres f woman women", "person", "person mood"),
    make_noun("amigo amigos m friend friends", "person relative", "person mood"),
    make_noun("amiga amigas f friend friends", "person relative", "person mood"),
    make_noun("hermano hermanos m brother brothers", "person relative", "person mood"),
    make_noun("hermana hermanas f sister sisters", "person relative", "person mood"),
    make_noun("vecino vecinos m neighbor neighbors", "person relative", "person mood"),
    make_noun("vecina vecinas f neighbor neighbors", "person relative", "person mood"),
    make_noun("médico médicos m doctor doctors", "person", "person mood"),
    make_noun("maestra maestras f teacher teachers", "person", "person mood"),
    # Portable things ("text" ones can be read, "writable" ones written, "openable" opened).
    make_noun("libro libros m book books", "thing text writable openable", "color size age price"),
    make_noun("carta cartas f letter letters", "thing text writable", "size age"),
    make_noun("periódico periódicos m newspaper newspapers", "thing text", "age"),
    make_noun("cuaderno cuadernos m notebook notebooks", "thing", "color size age price"),
    make_noun("llave llaves f key keys", "thing", "size age"),
    make_noun("teléfono teléfonos m phone phones", "thing", "color age price broken"),
    make_noun("lámpara lámparas f lamp lamps", "thing", "color size age price pretty broken"),
    make_noun("camisa camisas f shirt shirts", "thing clothes", "color age price pretty dirty"),
    make_noun("zapato zapatos m shoe shoes", "thing clothes", "color size age price dirty"),
    make_noun("sombrero sombreros m hat hats", "thing clothes", "color size age price pretty"),
    make_noun("taza tazas f cup cups", "thing dish", "color size dirty broken"),
    make_noun("plato platos m plate plates", "thing dish", "color size dirty broken"),
    make_noun("reloj relojes m watch watches", "thing", "age price pretty broken"),
    make_noun("pelota pelotas f ball balls", "thing", "color size age"),
    make_noun("lápiz lápices m pencil pencils", "thing", "color size"),
    make_noun("caja cajas f box boxes", "thing container openable", "color size age open"),
    make_noun("bolsa bolsas f bag bags", "thing container openable", "color size age price open"),
    make_noun("bicicleta bicicletas f bicycle bicycles", "vehicle", "color age price broken", "on"),
    make_noun("coche coches m car cars", "vehicle container", "color size age price dirty"),
    # Furniture: things stand "on" it.
    make_noun("mesa mesas f table tables", "furniture", "color size age dirty", "on"),
    make_noun("silla sillas f chair chairs", "furniture", "color size age broken", "on"),
    make_noun("cama camas f bed beds", "furniture", "size age", "on"),
    make_noun("sofá sofás m sofa sofas", "furniture", "color size age dirty", "on"),
    make_noun("puerta puertas f door doors", "openable", "color open"),
    make_noun("ventana ventanas f window windows", "openable", "size open dirty"),
    # Food and drink; mass nouns have no plural.
    make_noun("manzana manzanas f apple apples", "food", "color size fresh"),
    make_noun("naranja naranjas f orange oranges", "food", "size fresh"),
    make_noun("huevo huevos m egg eggs", "food", "size fresh"),
    make_noun("galleta galletas f cookie cookies", "food", "size"),
    make_noun("plátano plátanos m banana bananas", "food", "size fresh"),
    make_noun("tomate tomates m tomato tomatoes", "food", "color fresh"),
    make_noun("pastel pasteles m cake cakes", "food", "size"),
    make_noun("pan - m bread -", "food", "fresh"),
    make_noun("queso - m cheese -", "food", "fresh"),
    make_noun("pescado - m fish -", "food", "fresh temperature"),
    make_noun("arroz - m rice -", "food", "temperature"),
    make_noun("sopa - f soup -", "food", "temperature"),
    make_noun("carne - f meat -", "food", "fresh"),
    make_noun("café - m coffee -", "drink", "temperature"),
    make_noun("leche - f milk -", "drink", "temperature"),
    make_noun("té - m tea -", "drink", "temperature"),
    make_noun("jugo - m juice -", "drink", "temperature"),
    # Places; "building" ones also have a front, a back and sides. Nobody owns a "public"
    # one: "mi hospital" is not generated.
    make_noun("parque parques m park parks", "place public", "size pretty"),
    make_noun("jardín jardines m garden gardens", "place", "size pretty"),
    make_noun("cocina cocinas f kitchen kitchens", "place", "size dirty"),
    make_noun("ciudad ciudades f city cities", "place", "size pretty"),
    make_noun("playa playas f beach beaches", "place public", "size pretty", "at"),
    make_noun("río ríos m river rivers", "place public", "size", "in"),
    make_noun("casa casas f house houses", "place building", "color size age pretty"),
    make_noun("escuela escuelas f school schools", "place building", "size age", "at"),
    make_noun("tienda tiendas f store stores", "place building", "size age open"),
    make_noun("mercado mercados m market markets", "place building public", "size age"),
    make_noun("biblioteca bibliotecas f library libraries", "place building public", "size age"),
    make_noun("oficina oficinas f office offices", "place building", "size age", "at"),
    make_noun(
        "hospital hospitales m hospital hospitals", "place building public", "size age", "at"
    ),
    make_noun(
        "restaurante restaurantes m restaurant restaurants", "place building public", "size age"
    ),
)

# (Spanish, English, gender) of the names used as subjects, objects and possessors.
NAMES = _rows(
    "Juan Juan m | María Maria f | Pedro Pedro m | Ana Ana f | Carlos Carlos m | "
    "Lucía Lucia f | Miguel Miguel m | Elena Elena f | Pablo Pablo m | Sofía Sofia f"
)


# --- Adjectives --------------------------------------------------------------------------
ADJECTIVES = (
    make_adjective("negro", "black", "color coat"),
    make_adjective("blanco", "white", "color coat"),
    make_adjective("rojo", "red", "color"),
    make_adjective("azul", "blue", "color"),
    make_adjective("verde", "green", "color"),
    make_adjective("amarillo", "yellow", "color"),
    make_adjective("gris", "gray", "color coat"),
    make_adjective("marrón/marrones", "brown", "color coat"),
    make_adjective("grande", "big", "size"),
    make_adjective("pequeño", "small", "size"),
    make_adjective("nuevo", "new", "age"),
    make_adjective("viejo", "old", "age"),
    make_adjective("caro", "expensive", "price"),
    make_adjective("barato", "cheap", "price"),
    make_adjective("bonito", "pretty", "pretty"),
    make_adjective("fresco", "fresh", "fresh"),
    make_adjective("alto", "tall", "person"),
    make_adjective("bajo", "short", "person"),
    make_adjective("joven/jóvenes", "young", "person"),
    make_adjective("simpático", "nice", "person"),
    make_adjective("inteligente", "smart", "person"),
    make_adjective("fuerte", "strong", "person"),
    # States take estar: "la puerta está abierta", "estoy cansado".
    make_adjective("cansado", "tired", "mood", "estar"),
    make_adjective("contento", "happy", "mood", "estar"),
    make_adjective("triste", "sad", "mood", "estar"),
    make_adjective("enfermo", "sick", "mood", "estar"),
    make_adjective("ocupado", "busy", "mood", "estar"),
    make_adjective("abierto", "open", "open", "estar"),
    make_adjective("cerrado", "closed", "open", "estar"),
    make_adjective("roto", "broken", "broken", "estar"),
    make_adjective("sucio", "dirty", "dirty", "estar"),
    make_adjective("limpio", "clean", "dirty", "estar"),
    make_adjective("frío", "cold", "temperature", "estar"),
    make_adjective("caliente", "hot", "temperature", "estar"),
)


# --- Verbs -------------------------------------------------------------------------------
_ANYONE = "person animal"
TRANSITIVE_VERBS = (
    make_verb("comer", "eat eats ate", "food", subjects=_ANYONE, locations="place"),
    make_verb("beber", "drink drinks drank", "drink", subjects=_ANYONE, locations="place"),
    make_verb(
        "leer", "read reads read", "text", locations="place", past="leí leíste leyó leímos leyeron"
    ),
    make_verb("escribir", "write writes wrote", "writable", locations="place"),
    make_verb("comprar", "buy buys bought", "thing food drink vehicle", locations="place"),
    make_verb("vender", "sell sells sold", "thing vehicle animal", locations="place"),
    make_verb(
        "ver",
        "see sees saw",
        "animal person thing vehicle",
        subjects=_ANYONE,
        locations="place",
        present="veo ves ve vemos ven",
        past="vi viste vio vimos vieron",
    ),
    make_verb(
        "buscar",
        "look for,looks for,looked for",
        "animal person thing",
        subjects=_ANYONE,
        past="busqué buscaste buscó buscamos buscaron",
    ),
    make_verb(
        "tener",
        "have has had",
        "animal thing vehicle",
        subjects=_ANYONE,
        present="tengo tienes tiene tenemos tienen",
        past="tuve tuviste tuvo tuvimos tuvieron",
        future_stem="tendr",
    ),
    make_verb("abrir", "open opens opened", "openable"),
    make_verb(
        "cerrar",
        "close closes closed",
        "openable",
        present="cierro cierras cierra cerramos cierran",
    ),
    make_verb("limpiar", "clean cleans cleaned", "furniture vehicle dish place"),
    make_verb("lavar", "wash washes washed", "dish clothes vehicle"),
    make_verb("necesitar", "need needs needed", "thing food vehicle"),
    make_verb("ayudar", "help helps helped", "person"),
    make_verb("llamar", "call calls called", "person"),
    make_verb("cocinar", "cook cooks cooked", "food", locations="place"),
    make_verb(
        "encontrar",
        "find finds found",
        "animal thing",
        subjects=_ANYONE,
        locations="place",
        present="encuentro encuentras encuentra encontramos encuentran",
    ),
    make_verb(
        "perder",
        "lose loses lost",
        "thing animal",
        locations="place",
        present="pierdo pierdes pierde perdemos pierden",
    ),
    make_verb(
        "traer",
        "bring brings brought",
        "thing food drink",
        present="traigo traes trae traemos traen",
        past="traje trajiste trajo trajimos trajeron",
    ),
)
# Only in statements, which always give it a place ("en la mesa").
PONER = make_verb(
    "poner",
    "put puts put",
    "thing food",
    present="pongo pones pone ponemos ponen",
    past="puse pusiste puso pusimos pusieron",
    future_stem="pondr",
)
INTRANSITIVE_VERBS = (
    make_verb("trabajar", "work works worked", locations="place"),
    make_verb("vivir", "live lives lived", subjects=_ANYONE, locations="place"),
    make_verb("estudiar", "study studies studied", locations="place"),
    make_verb(
        "dormir",
        "sleep sleeps slept",
        subjects=_ANYONE,
        locations="place furniture",
        present="duermo duermes duerme dormimos duermen",
        past="dormí dormiste durmió dormimos durmieron",
    ),
    make_verb(
        "jugar",
        "play plays played",
        subjects=_ANYONE,
        locations="place",
        present="juego juegas juega jugamos juegan",
        past="jugué jugaste jugó jugamos jugaron",
    ),
    make_verb("nadar", "swim swims swam", subjects=_ANYONE, locations="place"),
    make_verb("correr", "run runs ran", subjects=_ANYONE, locations="place"),
    make_verb("cantar", "sing sings sang", subjects="person", locations="place"),
    make_verb("bailar", "dance dances danced", subjects="person", locations="place"),
    make_verb("caminar", "walk walks walked", subjects=_ANYONE, locations="place"),
    make_verb("llegar", "arrive arrives arrived", past="llegué llegaste llegó llegamos llegaron"),
)
IR = make_verb(
    "ir",
    "go goes went",
    present="voy vas va vamos van",
    past="fui fuiste fue fuimos fueron",
)
# The imperfect stands for the past of "be": "era"/"estaba" -> "was".
SER = make_verb(
    "ser", "be is was", present="soy eres es somos son", past="era eras era éramos eran"
)
ESTAR = make_verb(
    "estar",
    "be is was",
    present="estoy estás está estamos están",
    past="estaba estabas estaba estábamos estaban",
)
GUSTAR = make_verb("gustar", "like likes liked")

# (Spanish masculine, feminine, English) of "ser" + profession, no article in Spanish.
PROFESSIONS = _rows(
    "médico médica doctor | maestro maestra teacher | estudiante estudiante student | "
    "cocinero cocinera cook | enfermero enfermera nurse | abogado abogada lawyer | "
    "ingeniero ingeniera engineer | artista artista artist"
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
# depends on the noun (`Noun.en_in`).
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
