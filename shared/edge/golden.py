"""Golden vectors: texts -> token ids -> model outputs, written beside every phone export.

A port of the tokenizer or the runner to another language (Kotlin, Swift, the demo page's
JavaScript in `apps/serve/static/edge/`) checks itself against `golden.json`: every row
holds a text, the ids our tokenizer gives for it and what our LiteRT runner answers with
each variant. The texts are the app's own (sentences of its embedded corpus) plus Unicode
and length edge cases, where ports usually part from the original: case folding that is
not lowercasing (ß, İ, ς), compatibility forms (ﬁ, fullwidth, mathematical letters),
combining marks, characters the normalisation drops (soft hyphen, ZWJ, tags), emoji,
right-to-left and CJK text, HTML line breaks, typographic apostrophes, punctuation runs,
very long words, and texts cut by `max_length` or by the character cap.

Format (`GOLDEN_FORMAT`): `{"format", "app", "fingerprint" (the metadata's: which export
this file describes), "tokenizer", "max_length", "variants", "rows": [{"case", "text",
"words", "ids", "outputs": {variant: ...}}]}`. `words` are the normalised words (sentiment:
those kept, one per id; translation: all of them, before WordPiece); `ids` are the
tokenizer's, before the runner's stand-in for an empty text (one `[PAD]`). Sentiment
outputs are `{"probabilities": [...]}`; translation outputs the greedy decoding,
`{"target_ids": [...] (up to and with [END]), "translation": ...}`. Imports no
TensorFlow: it runs wherever the runners run.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from shared.edge.metadata import METADATA_FILE
from shared.edge.normalization import normalize, split_words
from shared.edge.runner import ExportRunner
from shared.ids import CHARS_PER_TOKEN_CAP, END_ID, PAD_ID

GOLDEN_FILE = "golden.json"
GOLDEN_FORMAT = 1
GOLDEN_CORPUS_TEXTS = 200  # texts of the app's embedded corpus in each golden file
# Our runner on the same machine gives the same floats; another runtime (LiteRT.js,
# Android's) may sum in another order. Ports state their own tolerance.
SAME_RUNTIME_TOLERANCE = 1e-6

# (what the case tests, text). Invisible characters are written as escapes.
EDGE_CASES: tuple[tuple[str, str], ...] = (
    ("empty text", ""),
    ("whitespace only", " \t\n\r  "),
    ("vertical tab: tf.strings.split splits on it, RE2's \\s does not", "good\vfilm\fhere"),
    ("sharp s folds to ss", "Straße STRASSE straße ẞ"),
    ("dotted capital I", "İstanbul İİ"),
    ("dotless i", "ıI kısa"),
    ("final sigma folds to sigma", "ΟΔΟΣ οδος ς"),
    ("iota subscript and ypogegrammeni", "ᾳ ᾼ α\u0345\u0301 ᾷ"),
    ("Cherokee lowercase folds to uppercase", "ꭰꭱꭲ Ꭰ"),
    ("ligatures", "ﬁlm ﬂawless ﬀ Ĳssel"),
    ("fullwidth letters and punctuation", "ＧＲＥＡＴ　ｆｉｌｍ！ １０／１０"),
    ("mathematical and circled letters", "𝐠𝐫𝐞𝐚𝐭 𝒇𝒊𝒍𝒎 ⓖⓞⓞⓓ"),
    ("compatibility numbers", "½ ² ① Ⅻ ⅻ ㎏"),
    ("combining accent vs precomposed", "cafe\u0301 café CAFE\u0301 CAFÉ"),
    ("several combining marks out of order", "a\u0323\u0302 a\u0302\u0323 ệ"),
    ("angstrom, kelvin and ohm signs", "\u212b \u212a \u2126"),
    ("soft hyphen and zero-width characters", "won\u00adderful great\u200bfilm a\u200cb"),
    ("bidi marks", "\u200fgood\u200e \u202bfilm\u202c"),
    ("byte order mark", "\ufeffgood film"),
    ("variation selectors", "❤\ufe0f it a\ufe0eb"),
    ("tag characters", "flag \U000e0067\U000e0062\U000e007f end"),
    ("emoji", "😀 loved it 😀😀"),
    ("emoji skin tone", "👍🏽 liked it"),
    ("emoji ZWJ sequence", "👨\u200d👩\u200d👧 family film"),
    ("flag emoji", "🇪🇸 film 🇬🇧"),
    ("keycap", "1\ufe0f\u20e3 star"),
    ("Arabic (right to left)", "فيلم رائع جدا"),
    ("Hebrew with points", "סֶרֶט נהדר"),
    ("Chinese", "这部电影很好看。"),
    ("Japanese", "映画は素晴らしかった！"),
    ("Korean syllables and jamo", "정말 좋은 영화 \u1100\u1161\u11a8"),
    ("halfwidth katakana", "ｶﾞｰﾄﾞ"),
    ("supplementary CJK", "𠀋𡈽𪚲"),
    ("Thai", "หนังดีมาก"),
    ("Devanagari", "बहुत अच्छी फ़िल्म"),
    ("HTML line breaks", "Great film.<br /><br />Loved it."),
    ("HTML line break spellings", "a<br>b< br / >c<br/>d<BR>e<br\t/>f"),
    ("typographic apostrophes", "didn’t ‘like’ itʼs"),
    ("ASCII apostrophes", "don't 'quote' it''s ' alone"),
    ("punctuation runs", "Wow!!!??? ... ---- (((great)))"),
    ("quotes of many kinds", '"good" «bon» „gut“ 「良い」'),
    ("numbers with separators", "10/10, 3.5 stars, 1,000 times, 4:30 pm"),
    ("symbols", "$5 €10 100% #1 @home a+b=c ~ ^ | \\ ` ©®™"),
    ("underscores", "snake_case __init__ _"),
    ("hyphens and dashes", "well-made – so-so — meh ‐ ‑"),
    ("ellipsis character", "so… good…"),
    ("tabs and line breaks", "good\tfilm\n\nbad\r\nend"),
    ("no-break and other Unicode spaces", "good\u00a0film\u3000here\u2003there\u202fend"),
    ("line and paragraph separators", "good\u2028film\u2029end\u0085next"),
    ("replacement character", "bad \ufffd bytes"),
    ("private use and noncharacters", "\ue000 x \ufdd0 y \uffff"),
    ("mixed scripts", "Amélie était très bien, 很好, очень хорошо"),
    ("Spanish", "¿Qué tal? ¡Muy bien! Señor niño, está aquí."),
    ("German", "Größe ÄÖÜ äöü"),
    ("words spelled like reserved tokens", "[PAD] [UNK] [START] [END] ##ing"),
    ("URL and e-mail", "https://example.com/a?b=c me@example.com"),
    ("contractions", "I'm can't won't y'all"),
    ("leading and trailing spaces", "   padded text   "),
    ("very long word", "a" * 300),
    ("very long accented word", "é" * 150),
    ("very long word of 4-byte characters", "😀" * 40),
    ("only punctuation", "!!!"),
)


@dataclasses.dataclass(frozen=True)
class _AppGolden:
    """How one app's runner gives a golden row: its tokenizer, the characters it keeps
    before splitting (None: no cap), the normalised words, the ids, the outputs."""

    tokenizer: Callable[[ExportRunner], object]
    chars_cap: Callable[[object], int | None]
    words: Callable[[ExportRunner, str], list[str]]
    ids: Callable[[ExportRunner, str], list[int]]
    outputs: Callable[[ExportRunner, list[str]], list[dict]]


def _kept_words(tokenizer, text: str) -> list[str]:
    """The words `WordTokenizer.encode` looks up: one per id."""
    words = tokenizer.tokenize(text)
    if tokenizer.truncate_from == "end":
        return words[: tokenizer.max_length]
    return words[-tokenizer.max_length :]


def _sentiment_outputs(runner, texts: list[str]) -> list[dict]:
    return [{"probabilities": [float(p) for p in row]} for row in runner.predict(texts)]


def _translation_outputs(runner, texts: list[str]) -> list[dict]:
    rows = []
    for row in runner.translate_ids(texts, beam_width=1):
        ids = [int(i) for i in row]
        ids = ids[: ids.index(END_ID) + 1] if END_ID in ids else ids
        while ids and ids[-1] == PAD_ID:
            ids.pop()
        rows.append({"target_ids": ids, "translation": runner.target_tokenizer.decode(ids)})
    return rows


_APPS = {
    "sentiment": _AppGolden(
        tokenizer=lambda runner: runner.tokenizer,
        chars_cap=lambda tokenizer: tokenizer.max_length * CHARS_PER_TOKEN_CAP,
        words=lambda runner, text: _kept_words(runner.tokenizer, text),
        ids=lambda runner, text: runner.tokenizer.encode(text),
        outputs=_sentiment_outputs,
    ),
    "translation": _AppGolden(
        tokenizer=lambda runner: runner.source_tokenizer,
        chars_cap=lambda tokenizer: None,
        words=lambda runner, text: split_words(normalize(text, runner.source_tokenizer.lowercase)),
        ids=lambda runner, text: runner.source_tokenizer.encode_truncated(text),
        outputs=_translation_outputs,
    ),
}


def _app(runner_class: type[ExportRunner]) -> _AppGolden:
    if runner_class.APP not in _APPS:
        raise ValueError(
            f"Expected a runner of one of {sorted(_APPS)}. Received one of {runner_class.APP!r}."
        )
    return _APPS[runner_class.APP]


def length_cases(corpus_texts: Sequence[str], max_length: int, chars_cap: int | None):
    """Texts cut by the tokenizer: more words than `max_length` (corpus sentences run
    together), and, when the tokenizer caps characters first, a text past that cap whose
    cut falls inside a word."""
    words = " ".join(corpus_texts).split() or ["good"]
    while len(words) < max_length + 20:
        words = words + words
    cases = [(f"more than max_length ({max_length}) words", " ".join(words[: max_length + 20]))]
    if chars_cap is not None:
        cut_word = "x" * (chars_cap - 3) + "abcdef great"
        cases.append((f"past the {chars_cap}-character cap, cut inside a word", cut_word))
    return cases


def golden_texts(runner: ExportRunner, corpus_texts: Sequence[str]) -> list[tuple[str, str]]:
    """`(case, text)` rows: the corpus sentences, `EDGE_CASES`, then `length_cases`."""
    app = _app(type(runner))
    tokenizer = app.tokenizer(runner)
    chars_cap = app.chars_cap(tokenizer)
    rows = [("corpus sentence", text) for text in corpus_texts]
    return rows + list(EDGE_CASES) + length_cases(corpus_texts, tokenizer.max_length, chars_cap)


def golden_rows(runners: dict[str, ExportRunner], cases: Sequence[tuple[str, str]]) -> list[dict]:
    """One row per `(case, text)`: the ids, and every variant's outputs."""
    first = next(iter(runners.values()))
    app = _app(type(first))
    texts = [text for _, text in cases]
    outputs = {variant: app.outputs(runner, texts) for variant, runner in runners.items()}
    return [
        {
            "case": case,
            "text": text,
            "words": app.words(first, text),
            "ids": [int(i) for i in app.ids(first, text)],
            "outputs": {variant: outputs[variant][i] for variant in runners},
        }
        for i, (case, text) in enumerate(cases)
    ]


def _runners(runner_class: type[ExportRunner], directory: Path) -> dict[str, ExportRunner]:
    metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    return {
        variant: runner_class.from_directory(directory, variant) for variant in metadata["models"]
    }


def write_golden(
    runner_class: type[ExportRunner], directory: str | Path, corpus_texts: Sequence[str] = ()
) -> Path:
    """Writes `golden.json` for the export in `directory` (models and metadata written).

    Args:
        runner_class: the app's runner (`EdgeSentimentClassifier`, `EdgeTranslator`).
        directory: the export folder.
        corpus_texts: real-looking texts of the app (sentences of its embedded corpus).

    Returns:
        The file's path.
    """
    directory = Path(directory)
    runners = _runners(runner_class, directory)
    first = next(iter(runners.values()))
    tokenizer = _app(runner_class).tokenizer(first)
    golden = {
        "format": GOLDEN_FORMAT,
        "app": runner_class.APP,
        "fingerprint": first.metadata["fingerprint"],
        "tokenizer": type(tokenizer).__name__,
        "max_length": tokenizer.max_length,
        "variants": list(runners),
        "rows": golden_rows(runners, golden_texts(first, corpus_texts)),
    }
    path = directory / GOLDEN_FILE
    # ASCII with \u escapes: no editor or transfer can change the texts' bytes.
    path.write_text(json.dumps(golden, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    return path


def load_golden(directory: str | Path) -> dict:
    """`golden.json` of an export folder, checked to be of a format we read."""
    path = Path(directory) / GOLDEN_FILE
    golden = json.loads(path.read_text(encoding="utf-8"))
    if golden.get("format") != GOLDEN_FORMAT:
        raise ValueError(
            f"Expected {path} of format {GOLDEN_FORMAT}. Received format "
            f"{golden.get('format')!r}: export the model again."
        )
    return golden


def _differs(expected, received, tolerance: float) -> bool:
    """Whether two output values differ: floats by more than `tolerance`, others at all."""
    if isinstance(expected, dict):
        return expected.keys() != received.keys() or any(
            _differs(expected[k], received[k], tolerance) for k in expected
        )
    if isinstance(expected, list):
        return len(expected) != len(received) or any(
            _differs(e, r, tolerance) for e, r in zip(expected, received, strict=True)
        )
    if isinstance(expected, float):
        return not math.isclose(expected, received, rel_tol=0.0, abs_tol=tolerance)
    return expected != received


def golden_mismatches(
    runner_class: type[ExportRunner],
    directory: str | Path,
    tolerance: float = SAME_RUNTIME_TOLERANCE,
) -> list[str]:
    """What our tokenizer and runner give now that `golden.json` does not: one line per
    differing row and field (empty: they reproduce it)."""
    directory = Path(directory)
    golden = load_golden(directory)
    runners = _runners(runner_class, directory)
    if golden["fingerprint"] != next(iter(runners.values())).metadata["fingerprint"]:
        return [f"{GOLDEN_FILE} was written for another export (fingerprint differs)"]
    cases = [(row["case"], row["text"]) for row in golden["rows"]]
    problems = []
    for row, now in zip(golden["rows"], golden_rows(runners, cases), strict=True):
        for field in ("words", "ids"):
            if row[field] != now[field]:
                problems.append(f"{row['case']!r}: {field} {now[field]} != golden {row[field]}")
        for variant, expected in row["outputs"].items():
            received = now["outputs"].get(variant)
            if received is None or _differs(expected, received, tolerance):
                problems.append(f"{row['case']!r} {variant}: {received} != golden {expected}")
    return problems
