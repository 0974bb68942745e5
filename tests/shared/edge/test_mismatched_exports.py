"""Metadata checks of the edge runners: a model and metadata.json that do not belong
together (another export, edited lists, a missing fingerprint, missing files) are refused
with errors a user can act on."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.tflite import write_tflite_models as write_sentiment_models
from shared.edge.fingerprint import fingerprint_of, read_fingerprint
from shared.edge.flatbuffer import with_metadata_entry
from shared.edge.metadata import (
    FINGERPRINT_ENTRY,
    FORMAT_VERSION,
    METADATA_FILE,
    TFLITE_FOLDER,
    MetadataError,
)
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.translation import EdgeTranslator
from shared.text.vectorizer import WordVectorizer
from tests.helpers.edge import (
    EDGE_VARIANTS,
    assert_mismatch_names,
    copy_export,
    edit_metadata,
    regenerate_digests,
    run_edge_cli,
)


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
    with pytest.raises(MetadataError, match=r"among \['browser', 'dynamic_range', 'float32'\]"):
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
        assert metadata["format_version"] == FORMAT_VERSION == 3
        assert metadata["fingerprint"] == fingerprint_of(metadata)
        for entry in metadata["models"].values():
            embedded = read_fingerprint((directory / entry["file"]).read_bytes())
            assert embedded == {"fingerprint": metadata["fingerprint"], "format_version": 3}
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
    for variant in EDGE_VARIANTS:
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
