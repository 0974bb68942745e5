"""Parity of the phone tokenizers with the graph ones on the real data sets (../shared/data)."""

import csv
import gzip

import numpy as np
import pytest
import tensorflow as tf

from shared.edge import tokenizers as edge
from shared.text.vectorizer import WordVectorizer
from shared.text.wordpiece import SubwordTokenizer
from tests.helpers.text_parity import as_bytes, detokenize_cases, first_mismatches


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
