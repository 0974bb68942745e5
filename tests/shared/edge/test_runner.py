"""The edge runners (shared/edge): no TensorFlow, independent calls, and metadata checks
that turn mismatched files into errors a user can act on."""

import dataclasses
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.tflite import write_tflite_models as write_sentiment_models
from apps.translation.artifacts import TrainedTranslator
from apps.translation.tflite import write_tflite_models as write_translation_models
from shared.edge.fingerprint import fingerprint_of, read_fingerprint
from shared.edge.flatbuffer import with_metadata_entry
from shared.edge.metadata import (
    FINGERPRINT_ENTRY,
    FORMAT_VERSION,
    METADATA_FILE,
    TFLITE_FOLDER,
    MetadataError,
)
from shared.edge.model_files import describe_model_file
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.timing import interleaved_latency, measure_latency
from shared.edge.translation import EdgeTranslator, beam_search, greedy_search, top_k_indices
from shared.text.vectorizer import WordVectorizer
from tests.helpers.paths import REPO_ROOT

VARIANTS = ("float32", "dynamic_range")  # two of shared.edge.metadata.VARIANTS: faster
REVIEWS = ["A gem.", "Dull, dull, dull and far too long.", "", "!!!", "It was not a disaster."]
SENTENCES = ["Ella vende el teléfono.", "¿Dónde está la estación?", ""]


@pytest.fixture(scope="module")
def sentiment_dir(tiny_sentiment_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edge-sentiment")
    write_sentiment_models(TrainedSentimentModel.load(tiny_sentiment_run), out, VARIANTS)
    return out


@pytest.fixture(scope="module")
def translation_dir(tiny_translation_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edge-translation")
    write_translation_models(TrainedTranslator.load(tiny_translation_run), out, VARIANTS)
    return out


def copy_export(directory: Path, tmp_path: Path) -> Path:
    target = tmp_path / directory.name
    shutil.copytree(directory, target)
    return target


def edit_metadata(directory: Path, edit) -> None:
    path = directory / METADATA_FILE
    metadata = json.loads(path.read_text(encoding="utf-8"))
    edit(metadata)
    path.write_text(json.dumps(metadata), encoding="utf-8")


def regenerate_digests(directory: Path) -> None:
    """Rewrites metadata.json's sha256 and size entries to match the files there (what
    someone mixing exports by hand would do to get past the digest check)."""
    edit_metadata(
        directory,
        lambda m: m.update(
            models={
                variant: describe_model_file(directory / entry["file"])
                for variant, entry in m["models"].items()
            }
        ),
    )


def assert_mismatch_names(error: pytest.ExceptionInfo, model_file: Path) -> None:
    message = str(error.value)
    assert f"metadata.json and {model_file} describe different" in message, message
    assert "vocabularies/labels/tokenization" in message and "export them together" in message


NO_TENSORFLOW_SCRIPT = textwrap.dedent(
    """
    import importlib.abc, json, sys

    BLOCKED = ("tensorflow", "keras", "tensorflow_text", "tf_keras")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Block())
    from shared.edge.sentiment import EdgeSentimentClassifier
    from shared.edge.translation import EdgeTranslator

    sentiment_dir, translation_dir, reviews, sentences = json.loads(sys.argv[1])
    classified = EdgeSentimentClassifier.from_directory(sentiment_dir).classify(reviews)
    translator = EdgeTranslator.from_directory(translation_dir)
    print(json.dumps({
        "classified": classified,
        "greedy": translator.translate(sentences, beam_width=1),
        "beam": translator.translate(sentences),
        "loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
    }))
    """
)


def test_runners_work_without_tensorflow(sentiment_dir, translation_dir):
    arguments = json.dumps([str(sentiment_dir), str(translation_dir), REVIEWS, SENTENCES])
    result = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW_SCRIPT, arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout.strip().splitlines()[-1])
    assert output["loaded"] == []
    # Same answers as the runners give in this process (where TensorFlow is loaded).
    expected = EdgeSentimentClassifier.from_directory(sentiment_dir).classify(REVIEWS)
    assert [c["label"] for c in output["classified"]] == [c["label"] for c in expected]
    for got, want in zip(output["classified"], expected, strict=True):
        assert got["probabilities"] == pytest.approx(want["probabilities"], abs=1e-4)
        assert sum(got["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        # The schema every path shares (shared.answers): score = p(label), 4 decimals.
        assert set(got) == {"label", "score", "probabilities"}
        assert got["score"] == got["probabilities"][got["label"]]
        assert all(round(p, 4) == p for p in got["probabilities"].values())
    translator = EdgeTranslator.from_directory(translation_dir)
    assert output["greedy"] == translator.translate(SENTENCES, beam_width=1)
    assert output["beam"] == translator.translate(SENTENCES)


def test_calls_are_independent_and_batches_do_not_matter(sentiment_dir):
    """The fused LSTM keeps state in variable tensors; the runner resets it every call."""
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    assert classifier.model.stateful
    one_by_one = np.concatenate([classifier.predict([text]) for text in REVIEWS])
    together = classifier.predict(REVIEWS + REVIEWS[:1])
    np.testing.assert_array_equal(together[:-1], one_by_one)
    np.testing.assert_array_equal(together[-1], one_by_one[0])
    assert classifier.predict([]).shape == (0, len(classifier.labels))
    assert classifier.token_ids("").tolist() == [[0]]  # one [PAD], fully masked


def count_calls(translator: EdgeTranslator) -> list[str]:
    """The signatures `translator`'s model runs from now on, in order."""
    calls = []
    run = translator.model.run

    def counting(signature_key, **inputs):
        calls.append(signature_key)
        return run(signature_key, **inputs)

    translator.model.run = counting
    return calls


@pytest.mark.parametrize("variant", VARIANTS)
def test_sentences_decode_in_one_call_of_a_loop_signature_where_faster(translation_dir, variant):
    """At the exported beam width (3) each sentence runs `beam_search` once; greedy runs
    `greedy` once for a single sentence. Another width, several sentences for greedy, or
    `use_loop_signature=False` decode step by step in numpy, with the same ids."""
    translator = EdgeTranslator.from_directory(translation_dir, variant)
    assert translator.beam_width == translator.beam_search_width == 3
    calls = count_calls(translator)
    text = SENTENCES[0]
    for width, signature in ((3, "beam_search"), (1, "greedy")):
        calls.clear()
        fast = translator.translate_ids([text], width)
        assert calls == [signature]
        calls.clear()
        stepped = translator.translate_ids([text], width, use_loop_signature=False)
        assert calls[0] == "encode" and set(calls[1:]) == {"decode_step"}
        np.testing.assert_array_equal(fast, stepped)
    calls.clear()
    translator.translate_ids([text])  # the default width is the exported one
    assert calls == ["beam_search"]
    calls.clear()
    translator.translate_ids([text], beam_width=2)  # not the signature's width
    assert "beam_search" not in calls and "decode_step" in calls
    calls.clear()
    translator.translate_ids(SENTENCES[:2])
    assert calls == ["beam_search", "beam_search"]
    calls.clear()
    translator.translate_ids(SENTENCES[:2], beam_width=1)
    assert "greedy" not in calls and calls.count("encode") == 2
    calls.clear()
    assert not translator.translate_ids([""]).any()  # an empty source needs no model call
    assert calls == []


def test_translator_handles_empty_inputs(translation_dir):
    translator = EdgeTranslator.from_directory(translation_dir, "float32")
    assert translator.translate([]) == []
    assert translator.translate_ids([""], beam_width=1).shape == (1, translator.max_target_length)
    with pytest.raises(ValueError, match="beam_width >= 1"):
        translator.translate(["hola"], beam_width=-1)


def test_numpy_decoding_matches_shared_decoding_ties_included():
    """`greedy_search` / `beam_search` against `shared.decoding` on a Markov model whose
    logits are multiples of 0.5, so equal scores (ties) happen at every step."""
    import tensorflow as tf

    from shared.decoding import beam_search_decode, greedy_decode

    assert top_k_indices(np.array([[1.0, 3.0, 3.0, 2.0, 3.0]]), 2).tolist() == [[1, 2]]
    batch, vocab, max_length = 5, 9, 7
    rng = np.random.default_rng(3)
    tables = (rng.integers(-4, 3, (batch, vocab, vocab)) / 2).astype(np.float32)
    tables[:, :, 3] -= 0.5  # [END] a little less likely, so sequences grow

    def numpy_step(tokens, states):
        return tables[states["entry"][:, 0].astype(int), tokens], states

    def tf_step(tokens, states):
        (entry,) = states
        index = tf.stack([tf.cast(entry[:, 0], tf.int32), tokens], axis=1)
        return tf.gather_nd(tables, index), states

    entry = np.arange(batch, dtype=np.float32)[:, None]
    start = tf.fill([batch], 2)
    banned = (0, 2)
    # None; some entries finished from the start (empty sources); all of them.
    for finished in (None, np.array([0, 1, 0, 0, 1], bool), np.ones(batch, bool)):
        tf_finished = None if finished is None else tf.constant(finished)
        expected = greedy_decode(
            tf_step, (tf.constant(entry),), start, max_length, 3, banned, tf_finished
        )
        actual = greedy_search(numpy_step, {"entry": entry}, batch, max_length, banned, finished)
        np.testing.assert_array_equal(actual, expected.numpy())
        if finished is not None:
            assert not actual[finished].any()
            assert finished.all() or actual[~finished].any()
        for width, alpha in ((2, 0.6), (3, 0.0), (4, 1.0)):
            expected, expected_scores = beam_search_decode(
                tf_step,
                (tf.constant(entry),),
                start,
                max_length,
                3,
                width,
                alpha,
                banned,
                tf_finished,
            )
            observed = []
            ids, scores = beam_search(
                numpy_step,
                {"entry": entry},
                batch,
                max_length,
                width,
                alpha,
                banned,
                finished,
                observe=lambda values, kept, seen=observed: seen.append((values.shape, kept)),
            )
            np.testing.assert_array_equal(ids, expected.numpy())
            # Every step's choice of `width` among width * vocab, then the best final beam.
            assert observed[-1] == ((batch, width), 1)
            assert set(observed[:-1]) <= {((batch, width * vocab), width)}
            np.testing.assert_allclose(scores, expected_scores.numpy(), rtol=1e-6)
            if finished is not None:
                assert not ids[finished].any() and not scores[finished].any()


def test_a_tampered_format_version_is_rejected(sentiment_dir, tmp_path):
    directory = copy_export(sentiment_dir, tmp_path)
    edit_metadata(directory, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(directory)
    message = str(error.value)
    assert f"format version {FORMAT_VERSION}" in message
    assert f"Received {FORMAT_VERSION + 1}" in message and "re-export" in message


def test_the_wrong_app_and_a_missing_variant_are_rejected(sentiment_dir, translation_dir):
    with pytest.raises(MetadataError, match="expected metadata of a translation export"):
        EdgeTranslator.from_directory(sentiment_dir)
    with pytest.raises(MetadataError, match=r"among \['dynamic_range', 'float32'\]"):
        EdgeSentimentClassifier.from_directory(sentiment_dir, variant="float16")


def test_a_model_file_from_another_export_is_rejected(sentiment_dir, tiny_sentiment_run, tmp_path):
    other = write_sentiment_models(
        TrainedSentimentModel.load(tiny_sentiment_run),
        tmp_path / "other",
        ("float32",),
        dynamic_length=False,
    )
    directory = copy_export(sentiment_dir, tmp_path)
    shutil.copy(Path(other["directory"]) / "sentiment_float32.tflite", directory)
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(directory, "float32")
    message = str(error.value)
    assert "sentiment_float32.tflite does not match metadata (sha256" in message
    assert "export them together" in message


def test_a_vocabulary_from_another_export_is_rejected(sentiment_dir, translation_dir, tmp_path):
    directory = copy_export(sentiment_dir, tmp_path)
    edit_metadata(directory, lambda m: m.update(vocabulary=m["vocabulary"] + ["extra"]))
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(directory)
    assert "metadata 'vocabulary' to have as many entries" in str(error.value)
    assert "does not belong to this model" in str(error.value)

    directory = copy_export(translation_dir, tmp_path)
    edit_metadata(directory, lambda m: m.update(target_vocabulary=m["target_vocabulary"][:-5]))
    with pytest.raises(MetadataError, match="'target_vocabulary' to have as many entries"):
        EdgeTranslator.from_directory(directory)
    directory = copy_export(translation_dir, tmp_path / "second")
    edit_metadata(directory, lambda m: m.update(source_vocabulary=m["source_vocabulary"][:-1]))
    with pytest.raises(MetadataError, match="'source_vocabulary' to have as many entries"):
        EdgeTranslator.from_directory(directory)


def test_every_model_carries_its_metadata_fingerprint(sentiment_dir, translation_dir):
    for directory in (sentiment_dir, translation_dir):
        metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
        assert metadata["format_version"] == FORMAT_VERSION == 2
        assert metadata["fingerprint"] == fingerprint_of(metadata)
        for entry in metadata["models"].values():
            embedded = read_fingerprint((directory / entry["file"]).read_bytes())
            assert embedded == {"fingerprint": metadata["fingerprint"], "format_version": 2}
    # What it covers: everything that gives ids and outputs their meaning...
    metadata = json.loads((sentiment_dir / METADATA_FILE).read_text(encoding="utf-8"))
    for field, value in (
        ("vocabulary", metadata["vocabulary"][::-1]),
        ("labels", metadata["labels"][::-1]),
        ("max_length", metadata["max_length"] + 1),
        ("truncate_from", "start" if metadata["truncate_from"] == "end" else "end"),
        ("special_ids", {**metadata["special_ids"], "unk": 5}),
        ("tokenization", {**metadata["tokenization"], "decode": "latin-1"}),
    ):
        assert fingerprint_of({**metadata, field: value}) != metadata["fingerprint"], field
    # ... and not the files' digests (taken after embedding it) or records of the export.
    for field in ("models", "fingerprint", "default_variant", "run_config", "exported_with"):
        assert fingerprint_of({**metadata, field: None}) == metadata["fingerprint"], field


def test_a_shuffled_vocabulary_of_the_same_size_is_rejected(
    sentiment_dir, translation_dir, tmp_path
):
    """Right size, wrong order: the size checks pass, the ids would mean other words."""
    directory = copy_export(sentiment_dir, tmp_path / "sentiment")
    swap_two = lambda words: [words[0], words[1], words[3], words[2], *words[4:]]  # noqa: E731
    edit_metadata(directory, lambda m: m.update(vocabulary=swap_two(m["vocabulary"])))
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(directory, "float32")
    assert_mismatch_names(error, directory / "sentiment_float32.tflite")

    for field in ("source_vocabulary", "target_vocabulary"):
        directory = copy_export(translation_dir, tmp_path / field)
        edit_metadata(directory, lambda m, f=field: m.update({f: m[f][:4] + m[f][4:][::-1]}))
        with pytest.raises(MetadataError) as error:
            EdgeTranslator.from_directory(directory)
        assert_mismatch_names(error, directory / "translation_dynamic_range.tflite")


def test_reversed_labels_are_rejected(sentiment_dir, tmp_path):
    directory = copy_export(sentiment_dir, tmp_path)
    edit_metadata(directory, lambda m: m.update(labels=m["labels"][::-1]))
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(directory)
    assert_mismatch_names(error, directory / "sentiment_dynamic_range.tflite")
    # Editing the recorded fingerprint to match does not help: the model carries its own.
    edit_metadata(directory, lambda m: m.update(fingerprint=fingerprint_of(m)))
    with pytest.raises(MetadataError, match="describe different vocabularies"):
        EdgeSentimentClassifier.from_directory(directory)


def test_metadata_of_another_export_of_the_same_shape_is_rejected(
    sentiment_dir, tiny_sentiment_run, tmp_path
):
    """Another run's export (here: its vocabulary in another order, as another corpus would
    give, same size), its metadata.json copied over ours with digests regenerated to match
    our files: self-consistent, right sizes, and wrong for these models."""
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    words = trained.vectorizer.get_vocabulary()[2:]
    vectorizer = WordVectorizer(
        vocabulary=words[1:] + words[:1],
        max_length=trained.vectorizer.max_length,
        truncate_from=trained.vectorizer.truncate_from,
    )
    other = write_sentiment_models(
        dataclasses.replace(trained, vectorizer=vectorizer), tmp_path / "other", ("float32",)
    )
    directory = copy_export(sentiment_dir, tmp_path)
    other_metadata = json.loads(Path(other["metadata"]).read_text(encoding="utf-8"))
    assert len(other_metadata["vocabulary"]) == len(trained.vectorizer.get_vocabulary())
    other_metadata["models"] = json.loads((directory / METADATA_FILE).read_text())["models"]
    (directory / METADATA_FILE).write_text(json.dumps(other_metadata), encoding="utf-8")
    regenerate_digests(directory)
    for variant in VARIANTS:
        with pytest.raises(MetadataError) as error:
            EdgeSentimentClassifier.from_directory(directory, variant)
        assert_mismatch_names(error, directory / f"sentiment_{variant}.tflite")
    # The other export loads with its own model, and ours with its own metadata.
    EdgeSentimentClassifier.from_directory(other["directory"], "float32")
    EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")


def test_a_model_without_a_fingerprint_is_rejected_naming_the_file(translation_dir, tmp_path):
    """A .tflite from elsewhere (or an older exporter), digests regenerated: the error names
    the file and says to re-export; the TensorFlow-free CLI says the same."""
    directory = copy_export(translation_dir, tmp_path)
    model_file = directory / "translation_float32.tflite"
    content = model_file.read_bytes()
    model_file.write_bytes(with_metadata_entry(content, FINGERPRINT_ENTRY, None))
    regenerate_digests(directory)
    with pytest.raises(MetadataError) as error:
        EdgeTranslator.from_directory(directory, "float32")
    message = str(error.value)
    assert f"The model file {model_file} has no rnn_suite fingerprint" in message
    assert "not exported by this project's exporter" in message
    assert f"older than format version {FORMAT_VERSION}" in message and "re-export" in message
    result = run_edge_cli("translate", str(directory), "--variant", "float32", "Hola.")
    assert result.returncode == 2 and "has no rnn_suite fingerprint" in result.stderr
    assert str(model_file) in result.stderr and result.stdout == ""
    EdgeTranslator.from_directory(directory, "dynamic_range")  # the untouched file loads

    # A fingerprint of another format version: both versions named.
    older = json.dumps(
        {"fingerprint": read_fingerprint(content)["fingerprint"], "format_version": 1}
    )
    model_file.write_bytes(with_metadata_entry(content, FINGERPRINT_ENTRY, older.encode()))
    regenerate_digests(directory)
    with pytest.raises(MetadataError) as error:
        EdgeTranslator.from_directory(directory, "float32")
    message = str(error.value)
    assert f"{model_file} carries a fingerprint of format version 1" in message
    assert f"use format version {FORMAT_VERSION}" in message


def test_metadata_cannot_switch_the_size_checks_off(sentiment_dir, translation_dir, tmp_path):
    """The runner decides what to check; metadata only names the embedding tables."""
    for directory, runner, what in (
        (sentiment_dir, EdgeSentimentClassifier, "vocabulary"),
        (translation_dir, EdgeTranslator, "source_vocabulary"),
    ):
        copy = copy_export(directory, tmp_path / what)
        edit_metadata(copy, lambda m: m.update(size_checks=[]))
        with pytest.raises(
            MetadataError, match=f"name the model tensor whose rows match its '{what}'"
        ):
            runner.from_directory(copy)
    # Without its size_checks entry, a wrong label list is still caught (by the runner's
    # own check of labels against the probabilities).
    copy = copy_export(sentiment_dir, tmp_path / "labels")
    edit_metadata(copy, lambda m: m.update(labels=[*m["labels"], "neutral"]))
    edit_metadata(
        copy, lambda m: m.update(size_checks=[c for c in m["size_checks"] if "tensor" in c])
    )
    with pytest.raises(MetadataError, match="'labels' to have as many entries"):
        EdgeSentimentClassifier.from_directory(copy)


def test_missing_files_are_named_and_a_version_folder_is_pointed_to_its_export(
    sentiment_dir, tmp_path
):
    version = tmp_path / "saved_models" / "sentiment" / "3"
    export = copy_export(sentiment_dir, version)
    export.rename(version / TFLITE_FOLDER)
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(version)
    assert f"did you mean {version / TFLITE_FOLDER}?" in str(error.value)
    result = run_edge_cli("classify", str(version), "a film")
    assert result.returncode == 2 and f"did you mean {version / TFLITE_FOLDER}?" in result.stderr

    (version / TFLITE_FOLDER / "sentiment_float32.tflite").unlink()
    with pytest.raises(MetadataError) as error:
        EdgeSentimentClassifier.from_directory(version / TFLITE_FOLDER, "float32")
    message = str(error.value)
    assert f"Expected the float32 model file {version / TFLITE_FOLDER}" in message
    assert "sentiment_float32.tflite" in message and "Errno" not in message
    result = run_edge_cli("classify", str(version / TFLITE_FOLDER), "--variant", "float32", "x")
    assert result.returncode == 2 and "sentiment_float32.tflite" in result.stderr
    assert "Errno" not in result.stderr


def test_another_tokenization_spec_is_rejected(translation_dir, tmp_path):
    directory = copy_export(translation_dir, tmp_path)
    edit_metadata(directory, lambda m: m["tokenization"].update(version=0))
    with pytest.raises(MetadataError, match="tokenization spec version"):
        EdgeTranslator.from_directory(directory)


def test_latency_helpers_summarise_in_milliseconds():
    summary = measure_latency(lambda: sum(range(100)), repeats=20, warmup=1)
    assert summary["repeats"] == 20
    assert 0 <= summary["min_ms"] <= summary["median_ms"] <= summary["p90_ms"]
    both = interleaved_latency({"a": lambda: None, "b": lambda: sum(range(1000))}, repeats=10)
    assert set(both) == {"a", "b"}
    with pytest.raises(ValueError, match="repeats >= 1"):
        measure_latency(lambda: None, repeats=0)


EDGE_CLI_WITHOUT_TENSORFLOW = textwrap.dedent(
    """
    import importlib.abc, runpy, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "keras", "tensorflow_text", "tf_keras"):
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, Block())
    sys.argv = ["shared.edge", *sys.argv[1:]]
    runpy.run_module("shared.edge", run_name="__main__")
    """
)


def run_edge_cli(*args, stdin: str = ""):
    return subprocess.run(
        [sys.executable, "-c", EDGE_CLI_WITHOUT_TENSORFLOW, *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_edge_cli_classifies_and_translates_without_tensorflow(sentiment_dir, translation_dir):
    result = run_edge_cli("classify", str(sentiment_dir), *REVIEWS[:2])
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    expected = EdgeSentimentClassifier.from_directory(sentiment_dir).classify(REVIEWS[:2])
    assert [line["text"] for line in lines] == REVIEWS[:2]
    assert [line["label"] for line in lines] == [e["label"] for e in expected]
    # The same fields as `python -m apps.sentiment predict` prints, rounded the same way.
    assert all(set(line) == {"text", "label", "score", "probabilities"} for line in lines)
    assert [line["probabilities"] for line in lines] == [e["probabilities"] for e in expected]

    result = run_edge_cli(
        "translate", str(translation_dir), "--beam-width", "1", stdin="\n".join(SENTENCES[:2])
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    greedy = EdgeTranslator.from_directory(translation_dir).translate(SENTENCES[:2], beam_width=1)
    assert [line["translation"] for line in lines] == greedy
    # The same fields as `python -m apps.translation translate`: the beam width used.
    assert lines[0] == {"text": SENTENCES[0], "translation": greedy[0], "beam": 1}
    result = run_edge_cli("translate", str(translation_dir), SENTENCES[0])
    assert json.loads(result.stdout)["beam"] == 3  # the export's default width


def test_edge_cli_refuses_a_model_of_the_other_app_with_a_clear_error(sentiment_dir):
    result = run_edge_cli("translate", str(sentiment_dir), "hola")
    assert result.returncode == 2
    assert "error:" in result.stderr and "translation" in result.stderr
    assert result.stdout == ""


def test_edge_cli_takes_options_before_between_and_after_texts(sentiment_dir, translation_dir):
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    expected = [c["label"] for c in classifier.classify(REVIEWS[:2])]
    for args in (
        ["--variant", "float32", *REVIEWS[:2]],
        [REVIEWS[0], "--variant", "float32", REVIEWS[1]],
        [*REVIEWS[:2], "--variant", "float32"],
    ):
        result = run_edge_cli("classify", str(sentiment_dir), *args)
        assert result.returncode == 0, (args, result.stderr[-2000:])
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["text"] for line in lines] == REVIEWS[:2]
        assert [line["label"] for line in lines] == expected

    translator = EdgeTranslator.from_directory(translation_dir)
    expected = translator.translate(SENTENCES[:2], beam_width=2)
    for args in (
        ["--beam-width", "2", *SENTENCES[:2]],
        [SENTENCES[0], "--beam-width", "2", SENTENCES[1]],
        [*SENTENCES[:2], "--beam-width", "2"],
    ):
        result = run_edge_cli("translate", str(translation_dir), *args)
        assert result.returncode == 0, (args, result.stderr[-2000:])
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["text"] for line in lines] == SENTENCES[:2]
        assert [line["translation"] for line in lines] == expected


def test_edge_cli_rejects_a_beam_width_below_one(translation_dir):
    for width in ("0", "-3", "two"):
        result = run_edge_cli("translate", str(translation_dir), "--beam-width", width, "Hola.")
        assert result.returncode == 2, width
        assert "argument --beam-width: expected an integer >= 1" in result.stderr, result.stderr
        assert result.stdout == ""


def test_edge_n_best_matches_the_tensorflow_translator_and_the_cli_prints_it(
    translation_dir, tiny_translation_run
):
    from apps.translation.translator import Translator

    translator = EdgeTranslator.from_directory(translation_dir, variant="float32")
    hypotheses = translator.translate_n_best(SENTENCES[:2], 3, beam_width=3)
    best = translator.translate(SENTENCES[:2], beam_width=3, use_loop_signature=False)
    expected, _ = Translator(TrainedTranslator.load(tiny_translation_run)).translate_n_best(
        SENTENCES[:2], 3, 3
    )
    for found, first, reference in zip(hypotheses, best, expected, strict=True):
        assert len(found) == 3 and found[0][0] == first
        assert [text for text, _ in found] == [text for text, _ in reference]
        np.testing.assert_allclose([s for _, s in found], [s for _, s in reference], atol=1e-3)
    with pytest.raises(ValueError, match=r"Expected n_best between 1 and the beam width \(2\)"):
        translator.translate_n_best(SENTENCES[:1], 3, beam_width=2)

    result = run_edge_cli(
        "translate", str(translation_dir), "--variant", "float32", "--n-best", "2", SENTENCES[0]
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["beam"] == 3 and answer["translation"] == answer["n_best"][0]["translation"]
    assert [h["translation"] for h in answer["n_best"]] == [t for t, _ in hypotheses[0][:2]]
