"""Word vectors (issue 18, item 3): vector files read in every format, the coverage said,
frozen vs fine-tuned embeddings, and vectors learned from unlabelled text (gensim)."""

from __future__ import annotations

import csv
import gzip
import json
import random

import keras
import numpy as np
import pytest

from apps.sentiment import word_vectors as wv
from apps.sentiment.cli import main
from shared.datasets.errors import DataError
from shared.embeddings import vector_files as vf
from shared.embeddings.embedding_matrix import embedding_matrix
from tests.helpers.cli import write_csv
from tests.helpers.runs import TINY_SENTIMENT, flags

# What the file holds: "Movie" only cased (found by folding), "great" both exactly and
# cased (the exact spelling wins), "zebra" not in the vocabulary, "awful" missing.
FILE_WORDS = ["the", "Great", "great", "movie_x", "Movie", "zebra", "don’t"]
VOCABULARY = ["[PAD]", "[UNK]", "the", "great", "movie", "awful", "don't"]
DIM = 4


def _file_vectors(seed=0):
    rng = np.random.default_rng(seed)
    return {w: rng.normal(0, 0.5, DIM).astype(np.float32) for w in FILE_WORDS}


def _text_lines(vectors, trailing=""):
    # repr of a float32 round-trips through float32 exactly
    return [f"{w} " + " ".join(repr(float(x)) for x in v) + trailing for w, v in vectors.items()]


def write_glove(path, vectors):
    path.write_text("\n".join(_text_lines(vectors)) + "\n", encoding="utf-8")
    return path


def write_word2vec_text(path, vectors):
    lines = [f"{len(vectors)} {DIM}", *_text_lines(vectors)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_fasttext_vec(path, vectors):
    # fastText's .vec: a header, and a space before every line end.
    lines = [f"{len(vectors)} {DIM}", *_text_lines(vectors, trailing=" ")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_word2vec_binary(path, vectors, count=None):
    """The format of word2vec's C tool: header, then `word<space><float32 * dim>\\n`."""
    with open(path, "wb") as f:
        f.write(f"{count or len(vectors)} {DIM}\n".encode())
        for word, vector in vectors.items():
            f.write(word.encode("utf-8") + b" " + vector.astype("<f4").tobytes() + b"\n")
    return path


def write_gzip_glove(path, vectors):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(_text_lines(vectors)) + "\n")
    return path


WRITERS = {
    "glove.txt": (write_glove, vf.GLOVE),
    "w2v.txt": (write_word2vec_text, vf.WORD2VEC_TEXT),
    "wiki.vec": (write_fasttext_vec, vf.WORD2VEC_TEXT),
    # Named .txt on purpose: the content, not the name, says binary.
    "w2v-binary.txt": (write_word2vec_binary, vf.WORD2VEC_BINARY),
    "glove.txt.gz": (write_gzip_glove, vf.GLOVE),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_format_gives_the_same_matrix(tmp_path, name):
    vectors = _file_vectors()
    writer, expected_format = WRITERS[name]
    path = writer(tmp_path / name, vectors)
    assert vf.inspect_vector_file(path).format == expected_format
    assert vf.inspect_vector_file(path).dim == DIM
    init = embedding_matrix(path, VOCABULARY, seed=3)
    reference = embedding_matrix(write_glove(tmp_path / "ref.txt", vectors), VOCABULARY, seed=3)
    np.testing.assert_array_equal(init.matrix, reference.matrix)
    matrix = init.matrix
    assert matrix.shape == (len(VOCABULARY), DIM)
    np.testing.assert_array_equal(matrix[0], 0)  # padding
    np.testing.assert_array_equal(matrix[2], vectors["the"])
    np.testing.assert_array_equal(matrix[3], vectors["great"])  # exact beats "Great"
    np.testing.assert_array_equal(matrix[4], vectors["Movie"])  # found by case folding
    np.testing.assert_array_equal(matrix[6], vectors["don’t"])  # apostrophe normalised
    assert not any(np.array_equal(matrix[5], v) for v in vectors.values())  # awful: random
    assert (init.found, init.words) == (4, 5)
    assert "4 of 5 vocabulary words found (80.0%)" in init.summary()


def test_missing_words_start_on_the_found_vectors_scale(tmp_path):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(200)]
    path = tmp_path / "v.txt"
    path.write_text(
        "".join(f"{w} " + " ".join(map(str, rng.normal(0, 3.0, 50))) + "\n" for w in words[:100])
    )
    init = embedding_matrix(path, ["[PAD]", "[UNK]", *words], seed=0)
    assert init.found == 100 and init.coverage == 0.5
    found_std, random_std = init.matrix[2:102].std(), init.matrix[102:].std()
    assert abs(random_std / found_std - 1) < 0.1, (found_std, random_std)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "line 1: expected a 'count dim' header or 'word v1 v2 ...'. Received: an empty"),
        (
            b"the 0.1 0.2 0.3\nmovie 0.1 0.2\n",
            "line 2: expected a word and 3 values. Received: 2 value(s)",
        ),
        (
            b"the 0.1 0.2 0.3\nfilm 0.1 0.2 0.3\nmovie 0.1 0.2 0.3 0.4\n",
            "line 3: expected a word and 3 values. Received: 4 values",
        ),
        (b"the 0.1 0.2 0.3\ncaf\xe9 0.1 0.2 0.3\n", "line 2: expected UTF-8 text"),
        (
            b"2 3\nthe 0.1 0.2 0.3\nmovie 0.1 zero 0.3\n",
            "line 3: expected 3 numbers after the word. Received: 'zero'",
        ),
        (b"just some prose\n", "line 1: expected a 'count dim' header or 'word v1 v2 ...'"),
        (b"PK\x03\x04rest", "a zip archive; unzip it"),
    ],
)
def test_malformed_files_get_one_line_errors_naming_the_line(tmp_path, content, expected):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as raised:
        embedding_matrix(path, ["[PAD]", "[UNK]", "the", "movie"])
    message = str(raised.value)
    assert expected in message and "\n" not in message and str(path) in message


def test_a_truncated_binary_file_names_the_missing_entry(tmp_path):
    path = write_word2vec_binary(tmp_path / "v.bin", _file_vectors(), count=9)
    with pytest.raises(DataError, match=r"entry 8: expected 9 words .* ends after 7"):
        embedding_matrix(path, VOCABULARY)


def test_a_file_without_any_vocabulary_word_is_refused(tmp_path):
    path = write_glove(tmp_path / "v.txt", {"zebra": np.ones(DIM, np.float32)})
    with pytest.raises(DataError, match="Received none among 1 words read"):
        embedding_matrix(path, VOCABULARY)


# -- vectors learned with gensim ---------------------------------------------------------
ANIMALS, VEHICLES = ["cat", "dog", "horse", "cow"], ["car", "truck", "bus", "van"]


def _context_corpus(count, seed=0):
    """Texts about an animal or about a vehicle: the two never share context words."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        if rng.random() < 0.5:
            a = rng.choice(ANIMALS)
            texts.append(f"the hungry {a} eats grass; farmers feed every {a} hay, {a} sleeps.")
        else:
            v = rng.choice(VEHICLES)
            texts.append(f"I drive my {v} on roads; each {v} needs fuel, {v} wheels turn.")
    return texts


def test_learned_vectors_put_words_of_the_same_contexts_closer(tmp_path):
    from shared.embeddings.learned_vectors import learn_word_vectors

    out = tmp_path / "vectors.txt"
    stats = learn_word_vectors(_context_corpus(400), out, dim=16, min_count=1, epochs=10)
    assert stats["words"] == vf.inspect_vector_file(out).count and stats["tokens"] > 5_000
    words = ANIMALS + VEHICLES
    init = embedding_matrix(out, ["[PAD]", "[UNK]", *words])
    assert init.found == len(words)  # same tokenizer: "cat." became "cat" "."
    unit = init.matrix[2:] / np.linalg.norm(init.matrix[2:], axis=1, keepdims=True)
    similarity = unit @ unit.T
    same = [similarity[i, j] for i in range(8) for j in range(8) if i != j and i // 4 == j // 4]
    other = [similarity[i, j] for i in range(8) for j in range(8) if i // 4 != j // 4]
    assert min(same) > max(other), (min(same), max(other))


# -- training with vectors ---------------------------------------------------------------
TINY = {**TINY_SENTIMENT, "epochs": "1", "embedding-dim": "8", "units": "4"}


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    from apps.sentiment.corpus import generate_reviews

    texts, labels = generate_reviews(200, seed=7)
    return write_csv(tmp_path_factory.mktemp("wv-data") / "reviews.csv", texts, labels)


@pytest.fixture(scope="module")
def vector_file(reviews, tmp_path_factory):
    """GloVe-style vectors (8 dims) for most of the reviews' words, one in ten left out."""
    from shared.text.normalization import count_words

    with open(reviews, encoding="utf-8") as f:
        words = sorted(count_words(row["text"] for row in csv.DictReader(f)))
    rng = np.random.default_rng(0)
    kept = {w: rng.normal(0, 0.4, 8) for i, w in enumerate(words) if i % 10}
    path = tmp_path_factory.mktemp("wv-file") / "glove.8d.txt"
    path.write_text("".join(f"{w} " + " ".join(map(str, v)) + "\n" for w, v in kept.items()))
    return path


def _train(reviews, run_dir, *extra_flags, capsys=None):
    argv = ["train", "--data", str(reviews), "--run-dir", str(run_dir), *flags(TINY), *extra_flags]
    assert main(argv) == 0


def _embedding(run_dir):
    model = keras.models.load_model(run_dir / "model.keras")
    return model.get_layer("encoder").embedding.get_weights()[0]


@pytest.mark.parametrize("trainable", [False, True])
def test_a_frozen_embedding_is_not_trained_a_fine_tuned_one_is(trainable, tmp_path):
    from apps.sentiment.config import SentimentConfig
    from apps.sentiment.model import build_classifier

    config = SentimentConfig(embedding_dim=4, units=2, embedding_dropout=0.0)
    classifier = build_classifier(config, vocabulary_size=12, num_classes=2)
    matrix = np.random.default_rng(0).normal(0, 1, (12, 4)).astype(np.float32)
    wv.start_embedding(classifier, matrix, trainable)
    classifier.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy"
    )
    ids = np.random.default_rng(1).integers(1, 12, (32, 6)).astype(np.int32)
    classifier.fit(ids, (ids[:, 0] % 2), epochs=2, batch_size=16, verbose=0)
    trained = classifier.get_layer("encoder").embedding.get_weights()[0]
    if trainable:
        assert np.abs(trained - matrix).max() > 1e-2
    else:
        np.testing.assert_array_equal(trained, matrix)
    path = tmp_path / "model.keras"
    classifier.save(path)
    reloaded = keras.models.load_model(path).get_layer("encoder")
    assert reloaded.embedding_trainable is trainable
    assert len(reloaded.trainable_weights) == len(reloaded.weights) - (0 if trainable else 1)


# The command line end to end; the fine-tuned run (same path) is slow-marked: ~30 s each.
@pytest.mark.parametrize("trainable", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_train_embeddings_starts_from_the_file_and_records_it(
    reviews, vector_file, tmp_path, capsys, trainable
):
    flag = "--embeddings-trainable" if trainable else "--freeze-embeddings"
    run_dir = tmp_path / "run"
    # --embedding-dim 16 from TINY_SENTIMENT is replaced: TINY sets 8, the file's size.
    _train(reviews, run_dir, "--embeddings", str(vector_file), flag)
    out = capsys.readouterr().out
    vocabulary = (run_dir / "vocabulary.txt").read_text(encoding="utf-8").splitlines()
    initial = embedding_matrix(vector_file, vocabulary, seed=1337)
    assert f"embeddings: {initial.found:,} of {len(vocabulary) - 2:,} vocabulary words" in out
    assert 0.8 < initial.coverage < 0.95  # one word in ten was left out of the file
    trained = _embedding(run_dir)
    if trainable:
        assert np.abs(trained - initial.matrix).max() > 1e-3
    else:
        np.testing.assert_array_equal(trained, initial.matrix)
    settings = json.loads((run_dir / "config.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert settings["embeddings"] == str(vector_file)
    assert settings["embeddings_trainable"] is trainable
    assert metrics["embeddings_coverage"] == round(initial.coverage, 4)
    assert "embeddings: " in (run_dir / "report.txt").read_text()


def test_a_typed_embedding_dim_that_differs_from_the_file_is_refused(
    reviews, vector_file, tmp_path, capsys
):
    argv = ["train", "--data", str(reviews), "--embeddings", str(vector_file)]
    assert main([*argv, "--embedding-dim", "16"]) != 0
    err = capsys.readouterr().err
    assert "Expected --embedding-dim to match the 8 values per word" in err


class Interrupt(keras.callbacks.Callback):
    """Stops the first session at its first step, after the vectors were learned."""

    def on_train_batch_begin(self, batch, logs=None):
        raise KeyboardInterrupt


@pytest.mark.slow  # two training sessions (~60 s); not real data
def test_train_unlabelled_learns_vectors_once_and_reuses_them_on_resume(
    reviews, tmp_path, monkeypatch, capsys
):
    from apps.sentiment.train import train_command

    unlabelled = tmp_path / "unsup.csv"
    with open(unlabelled, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])  # no label column: unlabelled text
        writer.writerows([t] for t in _context_corpus(100))
    run_dir = tmp_path / "run"
    argv = [
        "train",
        "--data",
        str(reviews),
        "--unlabelled",
        str(unlabelled),
        "--run-dir",
        str(run_dir),
        *flags(TINY),
        "--min-count",
        "1",
    ]
    from apps.sentiment.cli import build_parser
    from apps.sentiment.presets import resolve_sentiment_config

    args = build_parser().parse_args(argv)
    config = resolve_sentiment_config(args)
    with pytest.raises(KeyboardInterrupt):
        train_command(args, config, callbacks=[Interrupt()])
    cached = run_dir / wv.LEARNED_VECTORS_FILE
    assert cached.is_file() and (run_dir / wv.LEARNED_VECTORS_STATS).is_file()
    assert vf.inspect_vector_file(cached).dim == 8  # the classifier's embedding_dim
    first = capsys.readouterr().out
    assert "word vectors: learning from 100 unlabelled texts" in first

    def no_second_learning(*args, **kwargs):
        raise AssertionError("word vectors learned again on resume")

    monkeypatch.setattr(wv, "learn_word_vectors", no_second_learning)
    mtime = cached.stat().st_mtime_ns
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "(resume)" in out and "word vectors: reusing" in out
    assert cached.stat().st_mtime_ns == mtime
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["embeddings_file"] == str(cached) and metrics["word_vectors_seconds"] > 0
    settings = json.loads((run_dir / "config.json").read_text())
    assert settings["unlabelled"] == [str(unlabelled)] and settings["word_vectors"]["dim"] == 8
