"""`golden.json` beside each phone export (`shared.edge.golden`): our tokenizers and LiteRT
runners reproduce it, its ids are the graph's, and a wrong row is reported."""

import json

import numpy as np
import tensorflow as tf

from apps.sentiment.artifacts import TrainedSentimentModel
from shared.edge.golden import EDGE_CASES, GOLDEN_FILE, golden_mismatches, load_golden
from shared.edge.metadata import BROWSER_VARIANT, METADATA_FILE
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.translation import EdgeTranslator
from shared.ids import END_ID, PAD_ID
from tests.helpers.edge import EDGE_VARIANTS, copy_export


def test_the_sentiment_golden_file_is_reproduced_by_our_tokenizer_and_runner(sentiment_dir):
    golden = load_golden(sentiment_dir)
    metadata = json.loads((sentiment_dir / METADATA_FILE).read_text(encoding="utf-8"))
    assert golden["app"] == "sentiment" and golden["fingerprint"] == metadata["fingerprint"]
    assert golden["variants"] == [*EDGE_VARIANTS, BROWSER_VARIANT]  # a fused export's
    cases = {row["case"] for row in golden["rows"]}
    assert {case for case, _ in EDGE_CASES} <= cases
    assert sum(row["case"] == "corpus sentence" for row in golden["rows"]) >= 100
    # Texts past max_length: exactly max_length ids; every row's words pair with its ids.
    lengths = [len(row["ids"]) for row in golden["rows"]]
    assert max(lengths) == metadata["max_length"] and min(lengths) == 0
    assert all(len(row["words"]) == len(row["ids"]) for row in golden["rows"])
    for row in golden["rows"]:
        for variant in EDGE_VARIANTS:
            probabilities = row["outputs"][variant]["probabilities"]
            assert len(probabilities) == len(metadata["labels"])
            assert abs(sum(probabilities) - 1) < 1e-5
    assert golden_mismatches(EdgeSentimentClassifier, sentiment_dir) == []


def test_the_sentiment_golden_ids_are_the_graph_tokenizers(sentiment_dir, tiny_sentiment_run):
    """What the server computes in-graph (`WordVectorizer`), so a port matching the golden
    file matches the server too."""
    golden = load_golden(sentiment_dir)
    vectorizer = TrainedSentimentModel.load(tiny_sentiment_run).vectorizer
    texts = [row["text"] for row in golden["rows"]]
    graph_ids = vectorizer(tf.constant(texts)).numpy()
    for row, ids in zip(golden["rows"], graph_ids, strict=True):
        expected = np.full(vectorizer.max_length, PAD_ID)
        expected[: len(row["ids"])] = row["ids"]
        assert ids.tolist() == expected.tolist(), row["case"]


def test_the_translation_golden_file_is_reproduced_by_our_tokenizer_and_runner(translation_dir):
    golden = load_golden(translation_dir)
    assert golden["app"] == "translation" and golden["tokenizer"] == "WordPieceTokenizer"
    rows = golden["rows"]
    assert {case for case, _ in EDGE_CASES} <= {row["case"] for row in rows}
    empty = next(row for row in rows if row["case"] == "empty text")
    assert empty["ids"] == [] and empty["outputs"]["float32"]["translation"] == ""
    for row in rows:
        for output in row["outputs"].values():
            target = output["target_ids"]
            assert PAD_ID not in target and (not target or END_ID not in target[:-1])
    # The tiny model translates its own corpus: most sentences get a non-empty answer.
    corpus = [row for row in rows if row["case"] == "corpus sentence"]
    assert sum(bool(row["outputs"]["float32"]["translation"]) for row in corpus) > 0.9 * len(corpus)
    assert golden_mismatches(EdgeTranslator, translation_dir) == []


def test_a_golden_file_that_our_runner_does_not_reproduce_is_reported(sentiment_dir, tmp_path):
    directory = copy_export(sentiment_dir, tmp_path)
    path = directory / GOLDEN_FILE
    golden = json.loads(path.read_text(encoding="utf-8"))
    sharp_s = next(row for row in golden["rows"] if row["case"] == "sharp s folds to ss")
    sharp_s["words"][0] = "straße"  # a port that lowercases instead of case folding
    row = next(row for row in golden["rows"] if row["ids"])
    row["ids"][0] += 1
    row["outputs"]["float32"]["probabilities"][0] += 1e-3
    path.write_text(json.dumps(golden), encoding="utf-8")
    problems = golden_mismatches(EdgeSentimentClassifier, directory)
    assert len(problems) == 3, problems
    assert any(p.startswith("'sharp s folds to ss': words ['strasse'") for p in problems)
    assert any(" float32: " in p for p in problems) and any(": ids " in p for p in problems)
