"""The TensorFlow-free tokenizers (shared/edge/text.py) against the in-graph ones.

Every parity test runs the same inputs through the TF layers (`WordVectorizer`,
`SubwordTokenizer`, `normalize_text`, ...) in one batch and through `shared.edge.text`,
and requires identical words, ids and strings.
"""

import csv
import gzip
import json
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from apps.sentiment.corpus import generate_reviews
from apps.translation.corpus import generate_pairs
from shared.edge import text as edge
from shared.ids import (
    CHARS_PER_TOKEN_CAP,
    END_ID,
    JOINER,
    PAD_ID,
    PAD_TOKEN,
    START_ID,
    SUBWORD_RESERVED_TOKENS,
    TRUNCATION_SIDES,
    UNK_ID,
    UNK_TOKEN,
    WORD_RESERVED_TOKENS,
)
from shared.text import normalization, vectorizer
from shared.text.vectorizer import WordVectorizer
from shared.text.wordpiece import SubwordTokenizer
from tests.helpers.paths import REPO_ROOT

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


@pytest.fixture(scope="module")
def corpus():
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


@pytest.fixture(scope="module")
def wordpiece_vocabulary(corpus):
    """One cased WordPiece vocabulary, small enough for [UNK]s and multi-piece words."""
    # NUL stays out: the learner would make "\x00" a token, which FastWordpieceTokenizer
    # cannot build ("zero-length key").
    adversarial = [t for t in ADVERSARIAL if "\x00" not in t]
    learner = SubwordTokenizer(lowercase=False)
    learner.learn_vocabulary(
        corpus["english"] + corpus["spanish"] + corpus["reviews"][:500] + adversarial, 600
    )
    return learner.vocabulary


# --- constants and spec ----------------------------------------------------------------


def test_constants_and_patterns_match_the_graph_side():
    # One definition (shared/ids.py) serves both sides; these are the ids models learned.
    assert PAD_ID == 0
    assert (UNK_ID, START_ID, END_ID) == (1, 2, 3)
    assert SUBWORD_RESERVED_TOKENS == ("[PAD]", "[UNK]", "[START]", "[END]")
    assert WORD_RESERVED_TOKENS == (PAD_TOKEN, UNK_TOKEN) == ("[PAD]", "[UNK]")
    assert CHARS_PER_TOKEN_CAP == 32
    assert TRUNCATION_SIDES == ("end", "start")
    assert JOINER == "##"
    # A regex changed on the graph side must be changed here too.
    assert edge.RE2_HTML_LINE_BREAK == normalization.HTML_LINE_BREAK
    assert edge.RE2_TYPOGRAPHIC_APOSTROPHES == normalization.TYPOGRAPHIC_APOSTROPHES
    assert edge.RE2_PUNCTUATION == normalization.PUNCTUATION
    assert [pattern for pattern, _ in edge.RE2_JOIN_PUNCTUATION] == [
        normalization.SPACE_BEFORE_CLOSING,
        normalization.SPACE_AFTER_OPENING,
        normalization.HYPHEN_IN_WORD,
        normalization.SEPARATOR_IN_NUMBER,
        normalization.THOUSANDS_IN_NUMBER,
        normalization.QUOTED,
    ]


def test_tokenization_spec_is_json_and_names_the_graph_steps():
    spec = edge.tokenization_spec()
    assert json.loads(json.dumps(spec)) == spec
    assert spec["version"] == edge.TOKENIZATION_SPEC_VERSION == 1
    assert spec["split_words"]["isolate"][0] == normalization.PUNCTUATION
    assert spec["words"]["chars_per_token_cap"] == CHARS_PER_TOKEN_CAP
    assert spec["wordpiece"]["reserved_tokens"] == list(SUBWORD_RESERVED_TOKENS)
    assert spec["detokenize"]["join_punctuation"][-1] == [normalization.QUOTED, r'"\1"']


def test_module_never_imports_tensorflow():
    script = textwrap.dedent(
        """
        import sys

        BLOCKED = {"tensorflow", "keras", "tensorflow_text", "tf_keras"}

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked import of {name}")
                return None

        sys.meta_path.insert(0, Block())
        from shared.edge import text

        words = text.WordTokenizer(["[PAD]", "[UNK]", "hi"], max_length=4)
        assert words.encode_padded("Hi, HI!").tolist() == [2, 1, 2, 1]
        pieces = text.WordPieceTokenizer(["[PAD]", "[UNK]", "[START]", "[END]", "h", "##i"])
        assert pieces.decode(pieces.encode("hi")) == "hi"
        text.tokenization_spec()
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not loaded, loaded
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# --- normalisation and word splitting --------------------------------------------------


@pytest.mark.parametrize("lowercase", [True, False])
def test_normalize_matches_graph_on_texts_and_invalid_bytes(corpus, lowercase):
    inputs = corpus["texts"] + ADVERSARIAL_BYTES + random_bytes(1, 2000)
    graph = normalization.normalize_text(tf.constant(as_bytes(inputs)), lowercase)
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [edge.normalize(t, lowercase) for t in inputs]
    assert actual == expected, first_mismatches(expected, actual, inputs)
    assert any("\ufffd" in t for t in actual)  # invalid bytes were in the batch


@pytest.mark.parametrize("lowercase", [True, False])
def test_normalize_matches_graph_on_every_code_point(lowercase):
    # Python's unicodedata (14.0) is older than ICU's (16.0): this is what checks the
    # patch tables and the Default_Ignorable set, one character at a time.
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    graph = normalization.normalize_text(tf.constant([c.encode() for c in chars]), lowercase)
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [edge.normalize(c, lowercase) for c in chars]
    bad = [hex(ord(c)) for c, e, a in zip(chars, expected, actual, strict=True) if e != a]
    assert not bad, f"{len(bad)} code points differ: {bad[:20]}"


def test_split_words_matches_graph_for_every_code_point():
    # Raw (unnormalised) characters, 1000 to a text and space separated: every code point
    # must fall on the same side of RE2's \p{L}\p{N}\p{M}\s class and of the split.
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = [" ".join(chars[i : i + 1000]) + " a\u0301b'c" for i in range(0, len(chars), 1000)]
    expected = decoded(normalization.split_words(tf.constant(as_bytes(texts))).to_list())
    actual = [edge.split_words(t) for t in texts]
    assert actual == expected, first_mismatches(expected, actual, texts, limit=1)


def test_split_words_splits_on_ascii_whitespace_only():
    # Independent of TensorFlow: what RE2's \s and tf.strings.split are documented to do.
    assert edge.split_words("a\x85b\u2028c") == ["a", "\x85", "b", "\u2028", "c"]
    assert edge.split_words("a\vb\tc\x0cd") == ["a", "b", "c", "d"]
    assert edge.split_words("it's 5,500!") == ["it's", "5", ",", "500", "!"]


def test_join_punctuation_matches_graph(corpus):
    texts = ADVERSARIAL + [
        " ".join(edge.split_words(edge.normalize(t, lowercase=False))) for t in corpus["texts"]
    ]
    texts += ["é - x", "x - é", "٣, ٤٥٦", "5, 500x", "5, 500 é", "1 - 2 - 3", "a\v.", '" a\v"']
    graph = normalization.join_punctuation(tf.constant(as_bytes(texts)))
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [edge.join_punctuation(t) for t in texts]
    assert actual == expected, first_mismatches(expected, actual, texts)


# --- WordVectorizer parity -------------------------------------------------------------


@pytest.mark.parametrize("truncate_from", ["end", "start"])
def test_word_tokenizer_matches_word_vectorizer(corpus, truncate_from):
    layer = WordVectorizer(max_length=24, max_tokens=400, truncate_from=truncate_from)
    layer.adapt(corpus["reviews"] + corpus["spanish"])
    tokenizer = edge.WordTokenizer(layer.get_vocabulary(), 24, truncate_from)
    inputs = corpus["texts"] + ADVERSARIAL_BYTES + random_bytes(2, 500)
    batch = tf.constant(as_bytes(inputs))

    expected_words = decoded(layer.tokenize(batch).to_list())
    actual_words = [tokenizer.tokenize(t) for t in inputs]
    assert actual_words == expected_words, first_mismatches(expected_words, actual_words, inputs)

    expected_ids = layer.vectorize(batch).numpy()
    actual_ids = np.stack([tokenizer.encode_padded(t) for t in inputs])
    assert actual_ids.dtype == np.int32 and actual_ids.shape == expected_ids.shape
    assert (actual_ids == expected_ids).all(), first_mismatches(
        expected_ids.tolist(), actual_ids.tolist(), inputs
    )
    for text, row in zip(inputs[:300], expected_ids[:300], strict=True):
        assert tokenizer.encode(text) == row[row != PAD_ID].tolist()
    # The comparison covered unknown words, truncation and the character cap.
    assert (expected_ids == UNK_ID).any()
    assert sum(len(words) > 24 for words in expected_words) > 100
    assert any(len(t) > 24 * CHARS_PER_TOKEN_CAP for t in inputs)


def test_character_cap_counts_invalid_bytes_like_the_graph():
    # max_length=1 caps at 32 characters, so the cut lands inside the random bytes.
    inputs = random_bytes(3, 3000) + [b"\x80" * 40 + b"x", b"\xc3" * 40, b"a\x80\x80" * 20]
    for side in ("end", "start"):
        layer = WordVectorizer(vocabulary=["a", "b"], max_length=1, truncate_from=side)
        tokenizer = edge.WordTokenizer(layer.get_vocabulary(), 1, side)
        expected = decoded(layer.tokenize(tf.constant(inputs)).to_list())
        actual = [tokenizer.tokenize(t) for t in inputs]
        assert actual == expected, first_mismatches(expected, actual, inputs)


def test_vocabulary_file_round_trip(tmp_path):
    layer = WordVectorizer(vocabulary=["the", "cat", "é"], max_length=3)
    path = tmp_path / "vocabulary.txt"
    vectorizer.save_vocabulary(path, layer.get_vocabulary())
    tokenizer = edge.WordTokenizer(edge.load_vocabulary(path), max_length=3)
    assert tokenizer.vocabulary == layer.get_vocabulary()
    assert tokenizer.encode_padded("É dog").tolist() == [4, 1, 0]


# --- SubwordTokenizer parity -----------------------------------------------------------


@pytest.mark.parametrize("lowercase", [True, False])
def test_wordpiece_encode_matches_subword_tokenizer(corpus, wordpiece_vocabulary, lowercase):
    layer = SubwordTokenizer(wordpiece_vocabulary, lowercase=lowercase, max_length=20)
    tokenizer = edge.WordPieceTokenizer(wordpiece_vocabulary, lowercase, max_length=20)
    inputs = corpus["texts"] + ADVERSARIAL_BYTES + random_bytes(4, 500)
    batch = tf.constant(as_bytes(inputs))

    expected = layer.tokenize(batch).to_list()
    actual = [tokenizer.encode(t) for t in inputs]
    assert actual == expected, first_mismatches(expected, actual, inputs)

    padded = layer(batch).numpy()
    assert (np.stack([tokenizer.encode_padded(t) for t in inputs]) == padded).all()
    assert all(
        tokenizer.encode_truncated(t) == ids[:20] for t, ids in zip(inputs, expected, strict=True)
    )
    # The comparison covered words split into several pieces and unknown words.
    suffix_ids = {i for i, t in enumerate(wordpiece_vocabulary) if t.startswith("##")}
    flat = [i for ids in expected for i in ids]
    assert suffix_ids & set(flat) and UNK_ID in flat


def test_wordpiece_is_greedy_longest_match_first():
    # A hand-made vocabulary whose segmentations are known without running either side.
    vocabulary = [*SUBWORD_RESERVED_TOKENS, "un", "unb", "##b", "##believ", "##able"]
    ids = {token: i for i, token in enumerate(vocabulary)}
    texts = ["Unable", "unbb", "unbelievable", "unbx unb"]
    expected = [
        [ids["un"], ids["##able"]],
        [ids["unb"], ids["##b"]],
        [UNK_ID],  # "unb" is taken first and "##elievable" cannot follow: no backtracking
        [UNK_ID, ids["unb"]],
    ]
    assert [edge.WordPieceTokenizer(vocabulary).encode(t) for t in texts] == expected
    assert SubwordTokenizer(vocabulary).tokenize(texts).to_list() == expected


def test_wordpiece_words_over_100_bytes_are_unknown():
    vocabulary = [*SUBWORD_RESERVED_TOKENS, "x", "##x", "é", "##é"]
    texts = ["x" * 100, "x" * 101, "é" * 50, "é" * 51]  # 100, 101, 100 and 102 bytes
    expected = [[4] + [5] * 99, [UNK_ID], [6] + [7] * 49, [UNK_ID]]
    assert [edge.WordPieceTokenizer(vocabulary).encode(t) for t in texts] == expected
    assert SubwordTokenizer(vocabulary).tokenize(texts).to_list() == expected


def detokenize_cases(tokenizer: edge.WordPieceTokenizer, sentences, seed: int):
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


def test_decode_matches_subword_detokenize(corpus, wordpiece_vocabulary):
    layer = SubwordTokenizer(wordpiece_vocabulary, lowercase=False)
    tokenizer = edge.WordPieceTokenizer(wordpiece_vocabulary, lowercase=False)
    cases = detokenize_cases(tokenizer, corpus["english"] + corpus["spanish"], seed=5)
    graph = layer.detokenize(tf.ragged.constant(cases, dtype=tf.int32, row_splits_dtype=tf.int64))
    expected = [t.decode("utf-8") for t in graph.numpy()]
    actual = [tokenizer.decode(ids) for ids in cases]
    assert actual == expected, first_mismatches(expected, actual, cases)
    assert tokenizer.decode(np.array(cases[0], dtype=np.int64)) == expected[0]


def test_decode_inverts_encode_on_covered_sentences(corpus, wordpiece_vocabulary):
    tokenizer = edge.WordPieceTokenizer(wordpiece_vocabulary, lowercase=False)
    covered = [s for s in corpus["english"] if UNK_ID not in tokenizer.encode(s)]
    assert len(covered) > 1000
    assert all(tokenizer.decode(tokenizer.encode(s)) == s for s in covered)


# --- errors ----------------------------------------------------------------------------


def test_bad_arguments_raise_value_errors():
    words = [*WORD_RESERVED_TOKENS, "a"]
    pieces = [*SUBWORD_RESERVED_TOKENS, "a"]
    with pytest.raises(ValueError, match="truncate_from"):
        edge.WordTokenizer(words, truncate_from="middle")
    with pytest.raises(ValueError, match="max_length"):
        edge.WordTokenizer(words, max_length=0)
    with pytest.raises(ValueError, match=r"starting with \['\[PAD\]', '\[UNK\]'\]"):
        edge.WordTokenizer(["a", "b"])
    with pytest.raises(ValueError, match=r"\[START\]"):
        edge.WordPieceTokenizer(words)
    with pytest.raises(ValueError, match="unique"):
        edge.WordPieceTokenizer([*pieces, "a"])
    for bad_text in (None, 3, ["a"]):
        with pytest.raises(ValueError, match="Expected text as str or UTF-8 bytes"):
            edge.WordTokenizer(words).encode(bad_text)
        with pytest.raises(ValueError, match="Expected text"):
            edge.WordPieceTokenizer(pieces).encode(bad_text)
    with pytest.raises(ValueError, match="one sequence"):
        edge.WordPieceTokenizer(pieces).decode(np.zeros((2, 3), dtype=np.int32))
    with pytest.raises(ValueError, match=r"ids in \[0, 5\)"):
        edge.WordPieceTokenizer(pieces).decode([4, 5])


# --- real data (../shared/data) ----------------------------------------------------------


def read_column(path, column: int, every: int, delimiter: str) -> list[str]:
    """Every `every`-th value of one column (the TSVs run from short to long sentences)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        rows = csv.reader(f, delimiter=delimiter, quoting=quoting)
        next(rows)
        return [row[column] for i, row in enumerate(rows) if i % every == 0]


def in_batches(function, texts, size=4096) -> list:
    """Runs a TF tokenizer over `texts` in batches, so all of a data set fits in memory."""
    rows = []
    for start in range(0, len(texts), size):
        result = function(tf.constant(as_bytes(texts[start : start + size])))
        rows.extend(result.to_list() if isinstance(result, tf.RaggedTensor) else result.numpy())
    return rows


def check_real_data_parity(data, every: int) -> None:
    imdb = read_column(data / "imdb" / "train.csv.gz", 0, every, ",")
    sst2 = read_column(data / "sst2" / "train.tsv.gz", 0, every, "\t")
    spanish = read_column(data / "translation" / "spa-eng.tsv.gz", 1, every, "\t")
    french = read_column(data / "translation" / "fra-eng.tsv.gz", 1, every, "\t")
    english = read_column(data / "translation" / "fra-eng.tsv.gz", 0, every, "\t")
    texts = imdb + sst2 + spanish + french + english
    assert any("\u202f" in t for t in french)  # French typography: narrow no-break spaces

    # Vocabularies come from fixed-size samples, so a full run costs no more to learn.
    layer = WordVectorizer(max_length=256, max_tokens=8000, truncate_from="start")
    layer.adapt(imdb[:: max(1, 2000 // every)] + sst2[:: max(1, 4000 // every)])
    words = edge.WordTokenizer(layer.get_vocabulary(), 256, "start")
    expected_ids = np.stack(in_batches(layer.vectorize, texts))
    actual_ids = np.stack([words.encode_padded(t) for t in texts])
    assert (actual_ids == expected_ids).all(), first_mismatches(
        expected_ids.tolist(), actual_ids.tolist(), texts
    )

    learner = SubwordTokenizer(lowercase=False)
    sample = slice(None, None, max(1, 200 // every))
    learner.learn_vocabulary(spanish[sample] + french[sample] + english[sample], 2000)
    pieces = edge.WordPieceTokenizer(learner.vocabulary, lowercase=False)
    expected = in_batches(learner.tokenize, texts)
    actual = [pieces.encode(t) for t in texts]
    assert actual == expected, first_mismatches(expected, actual, texts)

    cases = detokenize_cases(pieces, spanish + french + english, seed=6)
    expected_text = []
    for start in range(0, len(cases), 4096):
        ragged = tf.ragged.constant(cases[start : start + 4096], dtype=tf.int32)
        expected_text += [t.decode("utf-8") for t in learner.detokenize(ragged).numpy()]
    actual_text = [pieces.decode(ids) for ids in cases]
    assert actual_text == expected_text, first_mismatches(expected_text, actual_text, cases)


def test_parity_on_a_sample_of_real_data(shared_data):
    check_real_data_parity(shared_data, every=100)  # ~5,400 texts


@pytest.mark.slow
def test_parity_on_all_real_data(shared_data):
    check_real_data_parity(shared_data, every=1)  # 539,450 texts
