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

from apps.translation.corpus.generate import (
    DEFAULT_NUM_PAIRS,
    DEFAULT_SEED,
    generate_pairs,
    write_pairs_tsv,
)

__all__ = ["DEFAULT_NUM_PAIRS", "DEFAULT_SEED", "generate_pairs", "write_pairs_tsv"]
