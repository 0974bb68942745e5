"""The demo page's JavaScript word tokenizer (`apps/serve/static/edge/word_tokenizer.mjs`)
under node: it reproduces the served export's `golden.json`, and our Python tokenizer on
adversarial and random texts, for both truncation sides; its Unicode tables are current."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from apps.serve.unicode_tables import TABLES_FILE, render
from shared.edge.golden import GOLDEN_FILE
from shared.edge.metadata import METADATA_FILE
from shared.edge.tokenizers import WordTokenizer
from tests.helpers.paths import REPO_ROOT
from tests.helpers.text_parity import ADVERSARIAL, parity_corpus, random_texts

CHECK_SCRIPT = REPO_ROOT / "tests" / "helpers" / "js" / "check_golden_tokenizer.mjs"


def run_js_check(directory) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("the JavaScript tokenizer test needs node: run `make web` (installs it)")
    result = subprocess.run(
        [node, str(CHECK_SCRIPT), str(directory)], capture_output=True, text=True, timeout=120
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def served_phone_export(server):
    return server.config.model_root / "sentiment" / "1" / "tflite"


def test_the_js_tokenizer_reproduces_every_row_of_the_golden_file(served_phone_export):
    golden = json.loads((served_phone_export / GOLDEN_FILE).read_text(encoding="utf-8"))
    report = run_js_check(served_phone_export)
    assert report["rows"] == len(golden["rows"]) >= 250
    assert report["mismatches"] == []


def texts_python_could_send() -> list[str]:
    """Adversarial and random texts, lone surrogates included (JSON carries them)."""
    rng = random.Random(5)
    lone = ["a\ud800b", "\udfff", "x\udc00\ud800y " * 3, "end\ud83d"]
    spliced = [t[: rng.randint(0, len(t))] + "\ud801" for t in random_texts(1, 50)]
    corpus = parity_corpus()
    return ADVERSARIAL + random_texts(0, 1500) + corpus["reviews"][:300] + lone + spliced


@pytest.mark.parametrize("truncate_from", ["end", "start"])
def test_the_js_tokenizer_matches_the_python_one(served_phone_export, tmp_path, truncate_from):
    metadata = json.loads((served_phone_export / METADATA_FILE).read_text(encoding="utf-8"))
    metadata.update(max_length=24, truncate_from=truncate_from)  # a cap of 768 characters
    python = WordTokenizer(metadata["vocabulary"], 24, truncate_from)
    kept = slice(None, 24) if truncate_from == "end" else slice(-24, None)
    rows = [
        {
            "case": str(i),
            "text": text,
            "words": python.tokenize(text)[kept],
            "ids": python.encode(text),
        }
        for i, text in enumerate(texts_python_could_send())
    ]
    (tmp_path / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
    (tmp_path / GOLDEN_FILE).write_text(json.dumps({"rows": rows}), encoding="utf-8")
    report = run_js_check(tmp_path)
    assert report["rows"] == len(rows)
    assert report["mismatches"] == [], report["mismatches"][:3]


def test_the_unicode_tables_are_the_python_tokenizers():
    assert TABLES_FILE.read_text(encoding="utf-8") == render(), (
        "run `python -m apps.serve.unicode_tables` and commit the file"
    )
