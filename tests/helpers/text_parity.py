"""Inputs for the parity tests of the TensorFlow-free tokenizers (`shared/edge`) against
the in-graph ones (`shared/text`): adversarial and random texts, a generated corpus, a
learned WordPiece vocabulary, decoder-like id sequences, and a readable mismatch report."""

from __future__ import annotations

import random

from apps.sentiment.corpus import generate_reviews
from apps.translation.corpus import generate_pairs
from shared.edge.tokenizers import WordPieceTokenizer
from shared.ids import END_ID, PAD_ID, START_ID, UNK_ID
from shared.text.wordpiece import SubwordTokenizer

# Unicode and formatting edge cases; each one has tripped a tokenizer somewhere.
ADVERSARIAL = [
    "",
    " ",
    "\t\n\v\f\r ",
    "a\x1cb\x1dc\x1ed\x1fe\x85f\u2028g\u2029h",  # str.split() splits these, the graph not
    "no-break\xa0space narrow\u202fno-break ideographic\u3000space \u2009thin",
    "Straße STRASSE ẞ groß",
    "İstanbul ıi İI KELVIN\u212a Å\u212b",
    "ﬁne ﬂow ﬀ ﬃ ǅ ǈ ǋ ǲ և",
    "ＦＵＬＬ ｗｉｄｔｈ １２３ Ｈｅｌｌｏ，　ｗｏｒｌｄ！",
    "soft\u00adhyphen zero\u200bwidth join\u200der non\u200cjoiner \ufeffbom \u2060wj",
    "e\u0301 é e\u0327\u0301 a\u0316\u0301\u034f\u0300 n\u0303",
    "ΣΑΣ ΟΔΥΣΣΕΥΣ σας ᾳ\u0301 α\u0345\u0301 ᾼ ΐ",
    "I ❤️ it 👍🏽 👨\u200d👩\u200d👧 🇪🇸 ☃",
    "我爱你。日本語のテキスト、カタカナ ｶﾀｶﾅ ｶﾞ か\u3099",
    "안녕하세요 \u1112\u1161\u11ab ㄱㅏ",
    "\ufffd replacement \ufffd\ufffd",
    "Great movie!<br /><br />Loved it<BR>< br / >end<br/>x<br>",
    "don’t it‘s ʼtwas ‛quoted‛ ''double'' `tick`",
    "What?!?! ... --- ((( ))) [[x]] {y} «quoted» ¿qué? ¡sí! …",
    "It costs 5,500 at 3:00, 1.5 or 15, 1999; one-third one - third 12:30:45",
    '"Hi" he said " spaced out " and "unclosed',
    "#hashtag @user http://x.com/a?b=c&d=e#frag ~/path_to file.txt",
    "tab\tsep\vvertical\x0cformfeed\rreturn",
    "nul\x00char \x07bell \x1b[31mansi",
    "\u2066isolate\u2069 \u202eRLO\u202c \u200eLRM",
    "Ⅻ ⅻ ① ⁵ ½ ㎏ ㍻ ℃ ™ ª º",
    "𝐇𝐞𝐥𝐥𝐨 𝕎𝕠𝕣𝕝𝕕 Ⓐ ⓑ 🄰",
    "Zürich Ærø Øresund Ångström œuvre Łódź ŉ ǰ ẖ",
    "Ꭰꭰ 𐐀𐐨 Ა Ⰰⰰ Ꙁ 𞤀",
    "\U0001e030\U0001e031 \U0001ccd6\U0001ccf0 \U00010d50 \u0cf3 \U0001e4d0 \u1c89",
    "x" * 120,  # longer than a WordPiece word may be
    "é" * 60,  # 120 bytes, 60 characters
    "word " * 3000,  # far beyond the character cap
    "longword" * 2000,
    "w" + "\u0301" * 300,
]
# Invalid UTF-8: stray continuations, truncated sequences, surrogates, overlongs, > U+10FFFF.
ADVERSARIAL_BYTES = [
    b"caf\xc3\xa9 \xff\xfe bad \xe2\x82 trunc \xed\xa0\x80 sur \xc0\xaf over \xf4\x90\x80\x80",
    b"\x80\x80\x80" + b"a" * 100,
    b"\xe2\x80\x99curly bytes\xe2\x80",
    b"ab\x80\x80 cd " * 300,
    b"\x80" * 5000 + b" tail words here",
    b"\xf0\x9f\x98" * 400 + b" done",
    "é ".encode() * 2000 + b"\xff end",
]


def random_texts(seed: int, count: int) -> list[str]:
    """Short strings mixing letters, marks, punctuation, spaces and random code points."""
    rng = random.Random(seed)
    pool = list("aeiouAEIOUnstNST '’.,!?-\"()¿¡«»…:;0123456789 \t\nßİıΣσςﬁＡé") + [
        "\u0301",
        "\u0345",
        "\u0327",
        "\u00ad",
        "\u200b",
        "\xa0",
        "\u202f",
        "<br />",
    ]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 25)):
            if rng.random() < 0.9:
                parts.append(rng.choice(pool))
            else:
                parts.append(
                    chr(rng.choice([rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                )
        texts.append("".join(parts))
    return texts


def random_bytes(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    pool = [b"a", b"b", b" ", b".", b"\xc3\xa9", b"\xe2\x80\x99", b"\xf0\x9f\x98\x80"]
    pool += [bytes([b]) for b in range(0x80, 0x100)]
    return [b"".join(rng.choice(pool) for _ in range(rng.randint(0, 60))) for _ in range(count)]


def as_bytes(texts) -> list[bytes]:
    return [t if isinstance(t, bytes) else t.encode("utf-8") for t in texts]


def decoded(rows) -> list[list[str]]:
    return [[w.decode("utf-8") for w in row] for row in rows]


def first_mismatches(expected, actual, inputs, limit=3):
    """The first few differing items, to print when a parity assertion fails."""
    bad = [
        (i, inputs[i], e, a)
        for i, (e, a) in enumerate(zip(expected, actual, strict=True))
        if e != a
    ]
    return f"{len(bad)} mismatches, first: {bad[:limit]}"


def parity_corpus() -> dict[str, list[str]]:
    """Generated reviews and sentence pairs, plus the adversarial and random texts."""
    reviews, _ = generate_reviews(1500, seed=7)
    pairs = generate_pairs(1500, seed=7)
    spanish = [es for es, _ in pairs]
    english = [en for _, en in pairs]
    return {
        "reviews": reviews,
        "spanish": spanish,
        "english": english,
        "texts": reviews + spanish + english + ADVERSARIAL + random_texts(0, 1000),
    }


def learn_wordpiece_vocabulary(corpus: dict[str, list[str]]) -> list[str]:
    """One cased WordPiece vocabulary, small enough for [UNK]s and multi-piece words."""
    # NUL stays out: the learner would make "\x00" a token, which FastWordpieceTokenizer
    # cannot build ("zero-length key").
    adversarial = [t for t in ADVERSARIAL if "\x00" not in t]
    learner = SubwordTokenizer(lowercase=False)
    learner.learn_vocabulary(
        corpus["english"] + corpus["spanish"] + corpus["reviews"][:500] + adversarial, 600
    )
    return learner.vocabulary


def detokenize_cases(tokenizer: WordPieceTokenizer, sentences, seed: int):
    """Id sequences as a decoder emits them, plus malformed ones."""
    rng = random.Random(seed)
    size = tokenizer.vocabulary_size
    suffixes = [i for i, t in enumerate(tokenizer.vocabulary) if t.startswith("##")]
    cases = []
    for sentence in sentences:
        ids = tokenizer.encode(sentence)
        cases.append([START_ID, *ids, END_ID] + [PAD_ID] * rng.randint(0, 5))
        cases.append([*ids[:3], END_ID, *ids[3:]])  # [END] in the middle
        cases.append([rng.choice(suffixes), *ids])  # a leading continuation piece
    cases += [[rng.randrange(size) for _ in range(rng.randint(0, 30))] for _ in range(1500)]
    cases += [[], [PAD_ID] * 4, [END_ID, 10], [START_ID, UNK_ID, END_ID]]
    return cases
