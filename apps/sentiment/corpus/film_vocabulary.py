"""The words of the film-review grammar (data): polar vocabulary used with both labels
through the operators, and neutral material chosen without looking at the label."""

from __future__ import annotations

import random
from collections.abc import Callable


def _options(text: str) -> tuple[str, ...]:
    """Splits a "|"-separated list; keeps the word lists readable at a glance."""
    return tuple(text.split("|"))


# --- Polar vocabulary: every entry is used with both labels via the operators below. --
POS_ADJECTIVES = (
    "wonderful brilliant gripping moving charming clever delightful superb funny "
    "beautiful engaging memorable perfect great good"
).split()
NEG_ADJECTIVES = (
    "dull boring clumsy tedious awful bland predictable lifeless forgettable bad "
    "terrible messy flat painful weak"
).split()
POS_NOUNS = _options("a masterpiece|a triumph|a joy|a delight|a gem|a treat|a must-see")
NEG_NOUNS = _options("a disaster|a mess|a chore|a letdown|a slog|a bore|a waste of time")
# Verbless fragments for either half of a contrast ("Beautifully shot, but ...").
POS_FRAGMENTS = _options(
    "beautifully shot|gorgeous to look at|well acted|smartly written|sharply edited|full of life"
)
NEG_FRAGMENTS = _options(
    "badly acted|ugly to look at|clumsily written|poorly shot|sloppily edited|painfully dull"
)
# (past, base) forms so negation can say "did not enjoy it" as well as "I enjoyed it".
POS_FEELINGS = (
    ("enjoyed it", "enjoy it"),
    ("loved it", "love it"),
    ("laughed out loud", "laugh out loud"),
    ("was hooked", "be hooked"),
    ("was moved", "be moved"),
)
NEG_FEELINGS = (
    ("hated it", "hate it"),
    ("checked my watch", "check my watch"),
    ("regretted the ticket", "regret the ticket"),
    ("was bored", "be bored"),
    ("wanted to leave", "want to leave"),
)
POS_EFFECTS = ("won me over", "kept me hooked", "drew me in")
NEG_EFFECTS = ("lost me", "let me down", "bored me")
# Fill the slot just before a feeling or effect in both the plain and the negated form
# ("it really won me over" / "it never really won me over"), so that the bigram in
# front of the polar word says nothing about negation.
FEELING_ADVERBS = ("really", "truly", "actually")
EFFECT_ADVERBS = ("really", "truly", "completely")

# --- Neutral material: shared by both labels, never chosen by label. -----------------
ASPECTS = _options(
    "the acting|the script|the plot|the pacing|the dialogue|the score|"
    "the cinematography|the ending|the direction|the lead performance|the soundtrack|"
    "the editing|the humour|the final act|the story"
)
SUBJECTS = ("the film", "the movie", "it", "this film", "the whole thing", "this picture")
PLAIN_DEGREES = ("", "", "truly", "really", "genuinely", "remarkably", "quite", "so", "very")
# Degrees that read naturally after "not" ("not all that bad", "not particularly funny").
NOT_DEGREES = ("", "particularly", "especially", "all that", "terribly", "really", "truly")
# Words put between a negator and what it negates, so "not" and "bad" are rarely
# adjacent and the bigram "not bad" cannot carry the label on its own.
ADVERB_INSERTS = ("", "", " remotely", " at any point", " in any way", " for a moment")
ASIDE_INSERTS = (
    ", as the critics claimed,",
    ", whatever people say,",
    ", by any stretch,",
    ", to be honest,",
)
# Asides that only make sense for one polarity of the negated word.
HYPED_INSERTS = (", as the trailer promised,", ", despite the hype,")
DREADED_INSERTS = (", as some reviews warned,", ", despite the bad buzz,")
NAMES = _options(
    "Ana Reyes|Tom Hale|Mira Okafor|Jonas Berg|Lena Voss|Sam Ortiz|Priya Nair|Hugo Lambert"
)
ROLES = _options(
    "a retired detective|a young nurse|two estranged brothers|a stubborn chef|"
    "a small-town mayor|a grieving widow|a failed magician|a lighthouse keeper"
)
PLACES = _options(
    "Lisbon|a mining town|1970s Berlin|a snowed-in hotel|rural Ohio|a space station|"
    "Marseille|a seaside village"
)
FILLERS: tuple[Callable[[random.Random], str], ...] = (
    lambda r: f"The story follows {r.choice(ROLES)} in {r.choice(PLACES)}.",
    lambda r: f"{r.choice(NAMES)} plays {r.choice(ROLES)}.",
    lambda r: f"It is set in {r.choice(PLACES)}.",
    lambda r: f"{r.choice(NAMES)} directed it, and {r.choice(NAMES)} co-stars.",
    lambda r: "I watched it " + r.choice(("last weekend", "on a plane", "at a festival")) + ".",
    lambda r: "It runs " + r.choice(("about two hours", "just under ninety minutes")) + ".",
    lambda r: f"Most of it takes place in {r.choice(PLACES)}.",
    lambda r: f"It is based on a novel about {r.choice(ROLES)}.",
)


# Paired by position: the same sentence shape expecting the best or the worst.
HOPES = ("I expected to love it", "I was sure I would love it", "I wanted to love it")
DREADS = ("I expected to hate it", "I was sure I would hate it", "I was ready to hate it")
# "{o}" is the clause that is overruled, "{d}" the one that decides the label.
CONTRASTS = (
    "{o}, but {d}.",
    "{o}, but {d}.",
    "{o}, yet {d}.",
    "{o}. However, {d}.",
    "{o}. But in the end, {d}.",
    "Although {o}, {d}.",
    "While {o}, {d}.",
    "Sure, {o}, but {d}.",
    "{o}; still, {d}.",
    "{d}, although {o}.",
    "{d}, even if {o}.",
    "{d}, though {o}.",
)
# Forms where a bare fragment can decide ("Well acted, but painfully dull.").
FRAGMENT_LAST_CONTRASTS = (
    "{o}, but {d}.",
    "{o}, yet {d}.",
    "{d}, although {o}.",
    "{d}, even if {o}.",
    "{d}, though {o}.",
)
