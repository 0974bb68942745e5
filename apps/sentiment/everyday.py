"""Everyday review sentences for the embedded corpus: films, products, restaurants, services.

The grammar in `corpus.py` keeps every polar word balanced across the labels, so a model
trained on it alone learns word order but not that "great" is good: it read "Great!"
as negative. This generator supplies the other half of what a reader knows: short,
ordinary review sentences in several domains whose polar words and phrases carry their
usual meaning, written the way people write online (fragments, lower case, "!!", no final
full stop), with the everyday operators (negation, "but") used as people use them.

Three sources of polar words:
- hand-written review vocabulary per domain (the words reviews actually use most);
- hand-written phrases that carry a verdict without a polar adjective ("I want my money
  back", "will definitely be back");
- the VADER lexicon (MIT, `lexicon/vader_polar_words.tsv`: 2,999 words with mean
  valence >= 1.5 in magnitude and rater spread <= 1.0) for breadth, in short frames.

Neutral context ("I bought it for my son.") is label-independent, so it teaches the
model to look past it. Only `random.Random(seed)` is used: byte-identical everywhere.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path

POSITIVE = "positive"
NEGATIVE = "negative"
LEXICON_PATH = Path(__file__).with_name("lexicon") / "vader_polar_words.tsv"


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split("|") if w.strip())


# Polar adjectives that fit any domain ("the service was excellent", "great phone").
GENERAL = {
    1: _words(
        "great|excellent|amazing|awesome|fantastic|wonderful|perfect|good|nice|lovely|"
        "outstanding|superb|brilliant|impressive|incredible|terrific|fabulous|solid|"
        "top notch|first class|flawless|exceptional|pleasant|enjoyable|fun|"
        "the best|really good|very good|so good|pretty good|decent|cool|great value|"
        "a delight|a pleasure|a gem|a winner|phenomenal|spectacular|marvelous|stellar|"
        "worth it|worth every penny|worth the money|well worth it|exactly what I needed|"
        "beyond my expectations|better than expected|satisfying|remarkable|splendid"
    ),
    -1: _words(
        "terrible|awful|horrible|bad|poor|disappointing|mediocre|lousy|pathetic|dreadful|"
        "atrocious|useless|worthless|a joke|a disaster|a mess|a waste of money|"
        "a waste of time|a letdown|a rip-off|the worst|really bad|very bad|so bad|"
        "pretty bad|subpar|unacceptable|frustrating|annoying|horrendous|abysmal|"
        "crap|garbage|trash|rubbish|overrated|overpriced|not worth it|"
        "not worth the money|worse than expected|a huge disappointment|sad|inferior|"
        "ridiculous|shameful|a nightmare|painful|weak"
    ),
}
# Subjects, domain words and the adjectives that fit them.
DOMAINS = {
    "film": {
        "subjects": _words(
            "the movie|this movie|the film|this film|the show|this show|the series|the "
            "acting|the plot|the story|the ending|the script|the cast|the soundtrack|this "
            "book|the book|the sequel|the characters|the dialogue|the special effects|the "
            "direction|the performances|the first season|the episode|this documentary|it"
        ),
        "nouns": _words("movie|film|show|series|book|cast|story|acting|script|sequel|read"),
        1: _words(
            "hilarious|funny|moving|touching|gripping|captivating|clever|beautiful|"
            "charming|heartwarming|brilliantly acted|well written|well acted|entertaining|"
            "engaging|powerful|stunning|thrilling|fresh|original|smart|inspiring|"
            "must-see|unforgettable|a masterpiece|a classic|a must-see|a page-turner"
        ),
        -1: _words(
            "boring|dull|predictable|slow|tedious|pointless|stupid|lame|forgettable|"
            "unwatchable|cheesy|poorly acted|badly written|confusing|painful to watch|"
            "a snooze|long and boring|flat|lifeless|pretentious|cringe|clichéd|"
            "a bore|a flop|unfunny|too long|a chore to read|a mess"
        ),
        "positive_phrases": _words(
            "I would recommend it to anyone|I'd recommend this movie to everyone|"
            "I loved every minute of it|I laughed the whole way through|I could watch it "
            "again and again|it kept me on the edge of my seat|I couldn't put it down|"
            "I cried at the end, in a good way|a must see|go see it|two thumbs up|"
            "I can't wait for the sequel|it blew me away|I was hooked from the first "
            "episode|the whole family loved it|one of the best films I've seen this year|"
            "we watched it twice|the acting is superb|I'd watch it again"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend it to anyone|I would not recommend this movie|"
            "I fell asleep halfway through|we walked out after an hour|I want those two "
            "hours back|I stopped watching after ten minutes|skip this one|don't bother|"
            "I couldn't finish it|I kept checking my watch|the worst movie I've ever "
            "seen|save your money|the plot makes no sense|nothing happens for two hours|"
            "I gave up after three chapters|the jokes fall flat|total waste of two hours|"
            "what a waste of a great cast"
        ),
        "context": _words(
            "I watched it last night|we saw it on Friday|I read it on holiday|my wife "
            "picked it|I saw the trailer first|we streamed it at home|I watched it with "
            "my kids|it is based on a true story|it runs about two hours|I read the "
            "reviews before going|it came out last year|I watched the whole season"
        ),
    },
    "product": {
        "subjects": _words(
            "the phone|this phone|the battery|the charger|this case|the headset|these "
            "headphones|the sound quality|the screen|the camera|this product|the "
            "keyboard|the blender|the vacuum|the speaker|the cable|the quality|this item|"
            "the fit|the material|the build quality|the printer|the laptop|the mouse|"
            "the price|the design|the software|the shoes|this jacket|it"
        ),
        "nouns": _words(
            "phone|product|case|headset|charger|item|purchase|quality|price|speaker|"
            "laptop|blender|vacuum|battery|buy|device|camera|keyboard"
        ),
        1: _words(
            "sturdy|reliable|comfortable|easy to use|well made|durable|fast|handy|"
            "lightweight|sleek|crisp|clear|loud and clear|convenient|affordable|cheap and "
            "good|a bargain|a great deal|good value|high quality|built to last|a steal"
        ),
        -1: _words(
            "flimsy|cheaply made|broken|defective|faulty|unreliable|uncomfortable|slow|"
            "noisy|fragile|junk|poorly made|unusable|buggy|laggy|overpriced|cheap "
            "plastic|too small|too tight|dead on arrival|a piece of junk|shoddy"
        ),
        "positive_phrases": _words(
            "works great|works perfectly|works like a charm|does exactly what it says|"
            "does the job|I would buy it again|highly recommend|five stars|10/10|"
            "exceeded my expectations|I use it every day|the battery lasts all day|"
            "arrived quickly|couldn't be happier|so glad I bought it|very happy with "
            "this purchase|best purchase this year|I bought a second one|fits perfectly|"
            "it still works great after a year|my kids love it|no complaints"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend this product|would not recommend|I can't recommend it|"
            "stopped working after a week|broke after two days|doesn't work|does not "
            "work at all|I want my money back|I returned it|do not buy|don't waste your "
            "money|one star|fell apart after a month|the battery dies in an hour|it "
            "never charged|it keeps disconnecting|I had to send it back|the buttons "
            "stopped working|it overheats|it arrived broken|returned it the next day|"
            "zero stars if I could|I regret buying it|would not buy again|the "
            "instructions are useless|customer support never answered"
        ),
        "context": _words(
            "I bought it for my son|I ordered it last month|I got it on sale|I use it "
            "at work|it came in a small box|I have had it for three weeks|I bought two "
            "of them|it was a gift for my wife|I needed a new one|I ordered the black "
            "one|shipping took four days|I use it with my laptop"
        ),
    },
    "restaurant": {
        "subjects": _words(
            "the food|the service|our waiter|the waitress|the staff|the pizza|the "
            "burger|the pasta|the sushi|the coffee|the fries|the dessert|the "
            "atmosphere|this place|the portions|the salad|the steak|the breakfast|the "
            "menu|the chicken|the soup|the wine|the bread|the decor|the owner|the tacos|"
            "the meal|everything we ordered|the chef|it"
        ),
        "nouns": _words(
            "food|service|place|restaurant|pizza|burger|meal|coffee|spot|dinner|lunch|"
            "breakfast|staff|experience|atmosphere|bar|cafe"
        ),
        1: _words(
            "delicious|tasty|fresh|friendly|attentive|yummy|cozy|flavorful|mouthwatering|"
            "cooked to perfection|perfectly seasoned|generous|warm and welcoming|"
            "super friendly|quick|fast|hot and fresh|to die for|spot on|divine|"
            "reasonably priced"
        ),
        -1: _words(
            "bland|cold|stale|greasy|rude|slow|dirty|overcooked|undercooked|soggy|"
            "tasteless|inedible|disgusting|gross|burnt|dry|salty|unfriendly|"
            "overpriced|filthy|rubbery|lukewarm|watery|sloppy"
        ),
        "positive_phrases": _words(
            "I'd recommend this restaurant to anyone|we will definitely be back|"
            "will be back|I can't wait to go back|highly "
            "recommend this place|best pizza in town|everything was delicious|the "
            "staff made us feel at home|we loved everything|five stars|my new favorite "
            "spot|worth the wait|the portions are huge|we go every week|I'd come back "
            "just for the dessert|the best meal I've had in months|they went above and "
            "beyond"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend this restaurant to anyone|can't recommend this place|"
            "we will never go back|never again|we waited an hour for our food|the food "
            "made me sick|avoid this place|we won't be back|I sent it back|they got our "
            "order wrong|we left hungry|the waiter ignored us|I found a hair in my food|"
            "the worst meal I've ever had|we had to ask three times for water|the "
            "manager didn't care|nobody came to our table for twenty minutes|way too "
            "expensive for what you get"
        ),
        "context": _words(
            "we went there for lunch|we came on a Friday night|it was my birthday|we "
            "were a group of six|I ordered the special|we sat outside|we booked a "
            "table for two|I came here with my parents|it was busy|we got takeout|"
            "I ordered the chicken|we had the set menu"
        ),
    },
    "service": {
        "subjects": _words(
            "the hotel|the room|the app|customer service|the delivery|the driver|the "
            "bed|the staff|the location|the update|the support team|the flight|the "
            "tour|the website|the instructor|the class|the course|the game|the guide|"
            "the shower|the check-in|the view|the pool|the technician|the company|it"
        ),
        "nouns": _words(
            "hotel|room|app|service|stay|experience|company|flight|course|game|tour|"
            "support|update|trip|airline|gym|shop|store"
        ),
        1: _words(
            "clean|spotless|comfortable|helpful|professional|quick|easy|smooth|"
            "intuitive|responsive|knowledgeable|polite|efficient|quiet|spacious|"
            "relaxing|addictive|well organized|on time|a lifesaver|user friendly"
        ),
        -1: _words(
            "dirty|noisy|unhelpful|rude|slow|crowded|confusing|buggy|unprofessional|"
            "cramped|smelly|disorganized|late|unresponsive|broken|a scam|useless|"
            "clunky|outdated|unsafe|shabby"
        ),
        "positive_phrases": _words(
            "I would recommend this hotel to anyone|I'd recommend them to a friend|"
            "I would stay here again|highly recommend|they fixed it in ten minutes|the "
            "staff went out of their way to help|I use it every day|worth every penny|"
            "we had a wonderful time|best hotel we've stayed in|the support team "
            "solved my problem right away|I learned so much|it made my life easier|"
            "five stars|would book again|everything went smoothly|they upgraded our "
            "room for free"
        ),
        "negative_phrases": _words(
            "I wouldn't recommend staying here|I would not recommend them|"
            "I will never stay here again|the app crashes every time I open it|I was "
            "on hold for an hour|they never refunded me|the room smelled of smoke|my "
            "package never arrived|they cancelled my flight without notice|I deleted "
            "it after a day|nobody answered my emails|the sheets were stained|avoid "
            "this company|would not book again|the update ruined it|they charged me "
            "twice|I want a refund|waste of money"
        ),
        "context": _words(
            "we stayed three nights|I booked it online|we flew in on Monday|I have "
            "used it for a month|I signed up last week|we were there in July|I called "
            "them on Tuesday|I downloaded it yesterday|we took the morning tour|I "
            "took the evening class|the hotel is near the station|I ordered on Sunday"
        ),
    },
}
DEGREES = ("", "", "", "very", "really", "so", "super", "absolutely", "truly", "quite")
# Negating an adjective of the other polarity ("not good" -> negative). For positive
# words this is how people pan things; "not bad" reads as mild praise.
NEGATED_FORMS = ("not {a}", "not {a} at all", "not very {a}", "not that {a}", "never {a}")
VERBS = ("is", "was", "is", "was", "are", "were")


@cache
def lexicon() -> dict[int, tuple[str, ...]]:
    """VADER's clearly polar single words, by sign: {1: (...), -1: (...)}."""
    words: dict[int, list[str]] = {1: [], -1: []}
    with open(LEXICON_PATH, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            words[1 if float(row["valence"]) > 0 else -1].append(row["word"])
    return {sign: tuple(found) for sign, found in words.items()}


# Words that make a sentence evaluative even when VADER's strongly polar words are absent.
OPINION_WORDS = frozenset(
    "not no never nothing nobody don't doesn't didn't isn't wasn't won't can't couldn't "
    "shouldn't wouldn't aren't weren't but like liked likes love loved loves hate hated "
    "hates enjoy enjoyed prefer want wanted wish hope hoped should must better best worse "
    "worst good bad well fine right wrong too very really please thank thanks sorry "
    "nice kind fun funny sad happy angry afraid glad favorite favourite".split()
)


def neutral_sentences(sentences: Sequence[str], max_words: int = 14) -> list[str]:
    """The sentences with no opinion word and no VADER polar word: label-free context."""
    polar = set(lexicon()[1]) | set(lexicon()[-1]) | OPINION_WORDS
    kept = []
    for sentence in sentences:
        words = [w.strip('.,!?;:"').lower() for w in sentence.split()]
        if 3 <= len(words) <= max_words and not polar.intersection(words):
            kept.append(sentence)
    return kept


class _EverydayGrammar:
    def __init__(self, rng: random.Random, neutral_sentences: Sequence[str]):
        self.rng = rng
        self.neutral_sentences = neutral_sentences

    def pick(self, options: Sequence[str]) -> str:
        return self.rng.choice(options)

    def adjective(self, domain: dict, polarity: int) -> str:
        pool = domain[polarity] if self.rng.random() < 0.5 else GENERAL[polarity]
        return self.pick(pool)

    def degree(self, adjective: str) -> str:
        # Degrees go before bare adjectives only ("very delicious", not "very a gem").
        if " " in adjective or adjective.startswith(("the ", "a ")):
            return adjective
        return f"{self.pick(DEGREES)} {adjective}".strip()

    def subject_clause(self, domain: dict, polarity: int) -> str:
        subject = self.pick(domain["subjects"])
        verb = self.pick(VERBS)
        if subject.startswith("these ") or subject.endswith("s") and subject != "it":
            verb = "are" if verb in ("is", "are") else "were"
        elif verb in ("are", "were"):
            verb = "is" if verb == "are" else "was"
        if self.rng.random() < 0.2:  # negation of the opposite pole
            adjective = self.adjective(domain, -polarity)
            form = self.pick(NEGATED_FORMS if " " not in adjective else ("not {a}",))
            if polarity > 0:
                form = self.pick(("not {a}", "not {a} at all", "never {a}"))
                adjective = self.pick(("bad", "terrible", "disappointing", "boring", "awful"))
            return f"{subject} {verb} {form.format(a=adjective)}"
        return f"{subject} {verb} {self.degree(self.adjective(domain, polarity))}"

    def clause(self, domain: dict, polarity: int) -> str:
        kind = self.rng.random()
        if kind < 0.45:
            return self.subject_clause(domain, polarity)
        if kind < 0.75:
            side = "positive_phrases" if polarity > 0 else "negative_phrases"
            return self.pick(domain[side])
        if kind < 0.8:
            return self.superlative(domain, polarity)
        if kind < 0.88:
            return self.negated_verdict(domain, polarity)
        if kind < 0.95:
            adjective = self.adjective(domain, polarity)
            if adjective.startswith(("a ", "the ", "not ", "worth", "exactly", "beyond")):
                adjective = self.pick(domain[polarity])
            if adjective.startswith(("a ", "the ")):
                return adjective
            return f"{self.degree(adjective)} {self.pick(domain['nouns'])}"
        return self.lexicon_clause(domain, polarity)

    def lexicon_clause(self, domain: dict, polarity: int) -> str:
        word = self.pick(lexicon()[polarity])
        return self.pick(
            (
                word,
                f"so {word}",
                f"just {word}",
                f"{self.pick(domain['subjects'])} was {word}",
                f"I found it {word}",
                f"{word}, {self.pick(lexicon()[polarity])}",
            )
        )

    def superlative(self, domain: dict, polarity: int) -> str:
        """ "Best pizza ever" and "worst pizza ever" share every other word."""
        best = self.pick(("best", "greatest", "finest") if polarity > 0 else ("worst",))
        noun = self.pick(domain["nouns"])
        return self.pick(
            (
                f"{best} {noun} ever",
                f"the {best} {noun} I've ever had",
                f"one of the {best} {noun}s I've tried",
                f"by far the {best} {noun} in town",
                f"hands down the {best} {noun} this year",
            )
        )

    def negated_verdict(self, domain: dict, polarity: int) -> str:
        """Verdicts that are negations: "Not funny.", "Never had a bad meal here."."""
        opposite = self.pick(domain[-polarity])
        while " " in opposite or opposite.startswith(("a ", "the ")):
            opposite = self.pick(domain[-polarity])
        noun = self.pick(domain["nouns"])
        article = "an" if opposite[0] in "aeiou" else "a"
        forms = [
            f"not {opposite}",
            f"not {opposite}. not even a little",
            f"not {opposite} at all",
            f"never {opposite}",
            f"nothing {opposite} about it",
            f"not one {opposite} moment" if domain is DOMAINS["film"] else f"not {opposite}",
            f"never had {article} {opposite} {noun} here",
            f"never had {article} {opposite} {noun} from them",
        ]
        # Idioms that invert any verdict, nouns included: "anything but a masterpiece".
        verdict = self.pick(domain[-polarity])
        forms += [f"anything but {verdict}", f"far from {verdict}", f"hardly {verdict}"]
        better = "much better than" if polarity > 0 else "much worse than"
        forms.append(f"{self.pick(domain['subjects'])} is {better} the old one")
        forms.append(
            f"the old one was {'much worse' if polarity > 0 else 'much better'}, this one is"
            f" {self.pick(domain[polarity]) if ' ' not in domain[polarity][0] else 'great'}"
            if self.rng.random() < 0.5
            else f"the old {noun} was {'worse' if polarity > 0 else 'better'}"
        )
        return self.pick(forms)

    def review(self, domain: dict, polarity: int) -> str:
        shape = self.rng.random()
        if shape < 0.3:  # one short verdict: "Great!", "Terrible service."
            parts = [_finish(self.clause(domain, polarity), self.rng)]
        elif shape < 0.55:  # two clauses of the same polarity
            first, second = self.clause(domain, polarity), self.clause(domain, polarity)
            joined = self.pick(("{a} and {b}", "{a}, {b}", "{a}. {b}", "{a}! {b}"))
            parts = [_finish(joined.format(a=first, b=second), self.rng)]
        elif shape < 0.75:  # contrast: the clause after "but" decides
            overruled = self.subject_clause(domain, -polarity)
            decisive = self.clause(domain, polarity)
            joined = self.pick(("{o}, but {d}", "{o} but {d}", "{o}. But {d}", "{o}, however {d}"))
            parts = [_finish(joined.format(o=overruled, d=decisive), self.rng)]
        else:  # a verdict with neutral context around it
            parts = [_finish(self.clause(domain, polarity), self.rng)]
            context = self.pick(domain["context"])
            if self.neutral_sentences and self.rng.random() < 0.4:
                context = self.pick(self.neutral_sentences).rstrip(".!?")
            parts.insert(self.rng.randint(0, 1), _finish(context, self.rng, plain=True))
        return " ".join(parts)


def _finish(clause: str, rng: random.Random, plain: bool = False) -> str:
    """Capitalises and punctuates like people do online: mostly, not always."""
    if rng.random() < 0.15:
        return clause.lower()  # "great phone", no capital, no full stop
    text = clause[:1].upper() + clause[1:]
    if plain:
        return text + "."
    return text + rng.choices((".", "!", "!!", "", "..."), weights=(5, 3, 1, 1, 1))[0]


def generate_lexicon_drills(num_examples: int, seed: int) -> tuple[list[str], list[str]]:
    """Short examples that use each VADER word several times, so every one gets an id.

    Cycling through the shuffled lexicon (instead of sampling) spreads the words evenly:
    with 2,999 words, 18,000 drills of one or two words use each word 6-12 times.
    """
    rng = random.Random(seed)
    grammar = _EverydayGrammar(rng, ())
    polarities = [1] * (num_examples // 2) + [-1] * (num_examples - num_examples // 2)
    rng.shuffle(polarities)
    queues: dict[int, list[str]] = {1: [], -1: []}
    domains = list(DOMAINS.values())
    texts = []
    for polarity in polarities:
        if not queues[polarity]:
            queues[polarity] = list(lexicon()[polarity])
            rng.shuffle(queues[polarity])
        word = queues[polarity].pop()
        domain = rng.choice(domains)
        frame = rng.choice(
            (
                "{w}",
                "so {w}",
                "just {w}",
                "{s} was {w}",
                "{s} is {w}",
                "I found it {w}",
                "{w} and {c}",
                "{c}, {w}",
                "{w}. {c}",
            )
        )
        clause = frame.format(
            w=word, s=rng.choice(domain["subjects"]), c=grammar.clause(domain, polarity)
        )
        texts.append(_finish(clause, rng))
    labels = [POSITIVE if polarity > 0 else NEGATIVE for polarity in polarities]
    return texts, labels


def generate_everyday_reviews(
    num_reviews: int, seed: int, neutral_sentences: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Short everyday reviews over four domains, exactly balanced between the labels.

    Args:
        num_reviews: how many reviews to generate.
        seed: seed for the private `random.Random`.
        neutral_sentences: optional label-free sentences used as context.

    Returns:
        `(texts, labels)` with labels `"negative"`/`"positive"`, in shuffled order.
    """
    if num_reviews < 0:
        raise ValueError(f"Expected `num_reviews` >= 0. Received: {num_reviews}")
    rng = random.Random(seed)
    grammar = _EverydayGrammar(rng, neutral_sentences)
    polarities = [1] * (num_reviews // 2) + [-1] * (num_reviews - num_reviews // 2)
    rng.shuffle(polarities)
    domains = list(DOMAINS.values())
    texts = [grammar.review(rng.choice(domains), polarity) for polarity in polarities]
    labels = [POSITIVE if polarity > 0 else NEGATIVE for polarity in polarities]
    return texts, labels
