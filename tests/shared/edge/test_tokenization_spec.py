"""The constants both tokenizer sides share, the tokenization spec shipped in metadata,
and that the phone-side text modules never import TensorFlow."""

import json
import subprocess
import sys
import textwrap

from shared.edge import normalization as edge_normalization
from shared.edge.tokenization_spec import TOKENIZATION_SPEC_VERSION, tokenization_spec
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
from shared.text import normalization
from tests.helpers.paths import REPO_ROOT


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
    assert edge_normalization.RE2_HTML_LINE_BREAK == normalization.HTML_LINE_BREAK
    assert edge_normalization.RE2_TYPOGRAPHIC_APOSTROPHES == normalization.TYPOGRAPHIC_APOSTROPHES
    assert edge_normalization.RE2_PUNCTUATION == normalization.PUNCTUATION
    assert [pattern for pattern, _ in edge_normalization.RE2_JOIN_PUNCTUATION] == [
        normalization.SPACE_BEFORE_CLOSING,
        normalization.SPACE_AFTER_OPENING,
        normalization.HYPHEN_IN_WORD,
        normalization.SEPARATOR_IN_NUMBER,
        normalization.THOUSANDS_IN_NUMBER,
        normalization.QUOTED,
    ]


def test_tokenization_spec_is_json_and_names_the_graph_steps():
    spec = tokenization_spec()
    assert json.loads(json.dumps(spec)) == spec
    assert spec["version"] == TOKENIZATION_SPEC_VERSION == 1
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
        from shared.edge import tokenization_spec, tokenizers

        words = tokenizers.WordTokenizer(["[PAD]", "[UNK]", "hi"], max_length=4)
        assert words.encode_padded("Hi, HI!").tolist() == [2, 1, 2, 1]
        pieces = tokenizers.WordPieceTokenizer(["[PAD]", "[UNK]", "[START]", "[END]", "h", "##i"])
        assert pieces.decode(pieces.encode("hi")) == "hi"
        tokenization_spec.tokenization_spec()
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
