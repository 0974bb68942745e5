"""TF Serving exports: layout, atomic versions, warmup requests, config files, parity.

The parity tests load each SavedModel in a fresh process that cannot import project code
(as TF Serving would: only TensorFlow and tensorflow-text), replay its warmup requests,
and compare the answers with the Keras model in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from apps.sentiment.artifacts import TrainedSentimentModel
from apps.sentiment.cli import main as sentiment_main
from apps.sentiment.export import build_export as build_sentiment_export
from apps.sentiment.inference import SentimentPredictor
from apps.translation.artifacts import TrainedTranslator
from apps.translation.export import build_export as build_translation_export
from apps.translation.translator import Translator
from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH, export_version
from shared.export.shape_buckets import length_buckets, pad_to_bucket
from shared.export.tf_serving_config import ALLOWED_BATCH_SIZES, served_models
from shared.export.versions import STAGING_PREFIX, StagedVersion, existing_versions
from shared.export.warmup import read_warmup_requests
from shared.ids import batch_buckets
from tests.helpers.paths import REPO_ROOT

REPLAY_SCRIPT = REPO_ROOT / "shared" / "export" / "replay_warmup.py"

# Raises on any import of project code, so the replay proves the export stands alone.
BLOCK_PROJECT_IMPORTS = textwrap.dedent(
    """
    import runpy, sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("apps", "shared"):
                raise ImportError(f"project module {name} imported by a served model")
    sys.meta_path.insert(0, Block())
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
    """
)


def replay_in_fresh_process(version_dir: Path, tmp_path: Path) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_PROJECT_IMPORTS, str(REPLAY_SCRIPT), str(version_dir)],
        cwd=tmp_path,  # not the repo: project packages are not importable from here
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def exported(tiny_sentiment_run, tiny_translation_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("saved_models")
    sentiment = export_version(build_sentiment_export(tiny_sentiment_run, tflite=False), root)
    translation = export_version(build_translation_export(tiny_translation_run, tflite=False), root)
    return root, Path(sentiment["path"]), Path(translation["path"])


# -- layout and versions ---------------------------------------------------------------


def test_versions_are_published_in_tf_serving_layout(exported):
    root, sentiment_dir, translation_dir = exported
    assert sentiment_dir == root / "sentiment" / "1"
    assert translation_dir == root / "translation" / "1"
    for version_dir in (sentiment_dir, translation_dir):
        assert (version_dir / "saved_model.pb").is_file()
        assert (version_dir / "variables" / "variables.index").is_file()
        assert (version_dir / "assets.extra" / "tf_serving_warmup_requests").is_file()
        assert not list(version_dir.parent.glob(f"{STAGING_PREFIX}*"))
    info = json.loads((sentiment_dir / EXPORT_INFO_RELATIVE_PATH).read_text())
    assert info["signatures"] == ["classify_token_ids", "serving_default"]
    assert info["xla_compiled"] is True


def test_a_new_export_takes_the_next_version_and_never_touches_old_ones(tmp_path):
    model_root = tmp_path / "m"
    for expected in (1, 2, 3):
        with StagedVersion(model_root) as staged:
            (staged.path / "saved_model.pb").write_text(str(expected))
        assert staged.published == model_root / str(expected)
    assert existing_versions(model_root) == [1, 2, 3]
    contents = [(model_root / str(v) / "saved_model.pb").read_text() for v in (1, 2, 3)]
    assert contents == ["1", "2", "3"]
    assert sorted(p.name for p in model_root.iterdir()) == ["1", "2", "3"]  # no lock files


def test_a_failed_or_incomplete_export_publishes_nothing(tmp_path):
    model_root = tmp_path / "m"
    with pytest.raises(RuntimeError), StagedVersion(model_root) as staged:
        (staged.path / "saved_model.pb").write_bytes(b"x")
        raise RuntimeError("converter crashed")
    with pytest.raises(ValueError, match="saved_model.pb"), StagedVersion(model_root) as staged:
        (staged.path / "assets.extra").mkdir()  # warmup written, SavedModel missing
    assert existing_versions(model_root) == []
    assert list(model_root.iterdir()) == []


KILLED_EXPORT = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from shared.export.versions import StagedVersion
with StagedVersion({root!r}) as staged:
    (staged.path / "saved_model.pb").write_bytes(b"half")
    {action}
"""


def test_a_killed_export_leaves_no_version_and_the_next_export_cleans_up(tmp_path):
    model_root = tmp_path / "m"
    script = KILLED_EXPORT.format(
        repo=str(REPO_ROOT), root=str(model_root), action="os.kill(os.getpid(), signal.SIGKILL)"
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -9
    assert existing_versions(model_root) == []
    assert len(list(model_root.glob(f"{STAGING_PREFIX}*"))) == 2  # folder + its lock, hidden
    with StagedVersion(model_root) as staged:
        (staged.path / "saved_model.pb").write_bytes(b"whole")
    assert sorted(p.name for p in model_root.iterdir()) == ["1"]


def test_cleanup_never_touches_an_export_still_in_progress(tmp_path):
    model_root = tmp_path / "m"
    script = KILLED_EXPORT.format(
        repo=str(REPO_ROOT),
        root=str(model_root),
        action="print('ready', flush=True); sys.stdin.readline()",
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout.readline().strip() == "ready"
        with StagedVersion(model_root) as staged:  # runs the cleanup
            (staged.path / "saved_model.pb").write_bytes(b"mine")
        assert staged.published == model_root / "1"
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.wait(timeout=60) == 0
    finally:
        other.kill()
    assert existing_versions(model_root) == [1, 2]
    assert (model_root / "2" / "saved_model.pb").read_bytes() == b"half"


def test_two_exports_racing_for_a_number_get_different_versions(tmp_path):
    model_root = tmp_path / "m"
    first, second = StagedVersion(model_root), StagedVersion(model_root)
    (first.path / "saved_model.pb").write_text("first")
    (second.path / "saved_model.pb").write_text("second")
    with first:
        pass
    with second:
        pass
    assert {first.published.name, second.published.name} == {"1", "2"}
    assert (second.published / "saved_model.pb").read_text() == "second"


# -- config files -------------------------------------------------------------------------


def test_models_config_parses_as_model_server_config_listing_both_apps(exported):
    root, _, _ = exported
    config = text_format.Parse(
        (root / "models.config").read_text(), model_server_config_pb2.ModelServerConfig()
    )
    models = {m.name: m for m in config.model_config_list.config}
    assert sorted(models) == served_models(root) == ["sentiment", "translation"]
    assert models["sentiment"].base_path == "/models/sentiment"
    assert models["translation"].model_platform == "tensorflow"


def test_batching_parameters_match_the_xla_batch_buckets(exported):
    root, _, _ = exported
    text = (root / "batching_parameters.txt").read_text()
    allowed = [int(line.split(":")[1]) for line in text.splitlines() if "allowed" in line]
    assert allowed == list(ALLOWED_BATCH_SIZES) == batch_buckets(ALLOWED_BATCH_SIZES[-1])
    assert f"max_batch_size {{ value: {allowed[-1]} }}" in text


def test_warmup_requests_cover_every_compiled_shape(
    exported, tiny_sentiment_run, tiny_translation_run
):
    _, sentiment_dir, translation_dir = exported
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    shapes = set()
    for signature, inputs in read_warmup_requests(sentiment_dir):
        if signature == "classify_token_ids":
            continue
        assert signature == "serving_default"
        ids = trained.vectorizer.vectorize(tf.constant(inputs["text"]), pad_to_max_length=False)
        shapes.add(tuple(pad_to_bucket(ids, trained.vectorizer.max_length).shape))
    lengths = length_buckets(trained.vectorizer.max_length)
    assert shapes == {(b, n) for b in batch_buckets(32) for n in lengths}

    translator = Translator(TrainedTranslator.load(tiny_translation_run))
    max_length = translator.trained.config.max_source_length
    shapes = {"serving_default": set(), "translate_greedy": set()}
    for signature, inputs in read_warmup_requests(translation_dir):
        ids, _ = translator.source_ids(tf.constant(inputs["text"]))
        shapes[signature].add(tuple(pad_to_bucket(ids, max_length).shape))
    expected = {(b, n) for b in batch_buckets(32) for n in length_buckets(max_length)}
    assert shapes == {"serving_default": expected, "translate_greedy": expected}


def test_bucket_padding_rounds_batch_and_length_up():
    ids = tf.ones([3, 17], tf.int32)
    padded = pad_to_bucket(ids, max_length=48)
    assert padded.shape == (4, 32)
    assert int(tf.reduce_sum(padded)) == 3 * 17  # only padding added
    assert pad_to_bucket(tf.ones([1, 40], tf.int32), max_length=48).shape == (1, 48)
    assert pad_to_bucket(tf.ones([0, 0], tf.int32), max_length=48).shape == (1, 16)
    assert length_buckets(200) == [16, 32, 64, 128, 200]
    assert length_buckets(8) == [8]


# -- parity: fresh process vs Keras ------------------------------------------------------


def test_sentiment_savedmodel_replays_warmup_like_keras(exported, tiny_sentiment_run, tmp_path):
    _, sentiment_dir, _ = exported
    answers = replay_in_fresh_process(sentiment_dir, tmp_path)
    assert len(answers) == len(read_warmup_requests(sentiment_dir))
    predictor = SentimentPredictor(TrainedSentimentModel.load(tiny_sentiment_run))
    names = predictor.trained.labels.names
    for answer in answers:
        if answer["signature"] == "classify_token_ids":
            ids = np.array(answer["inputs"]["token_ids"], np.int32)
            expected = predictor.trained.classifier(ids, training=False).numpy()
            np.testing.assert_allclose(answer["outputs"]["probabilities"], expected, atol=1e-5)
            continue
        texts = answer["inputs"]["text"]
        probabilities, counts = predictor.predict(texts)
        served = np.array(answer["outputs"]["probabilities"])
        np.testing.assert_allclose(served, probabilities, atol=1e-5)
        assert answer["outputs"]["label"] == [names[i] for i in probabilities.argmax(-1)]
        assert answer["outputs"]["token_count"] == counts.tolist()


def test_translation_savedmodel_replays_warmup_like_keras(exported, tiny_translation_run, tmp_path):
    _, _, translation_dir = exported
    answers = replay_in_fresh_process(translation_dir, tmp_path)
    signatures = {answer["signature"] for answer in answers}
    assert signatures == {"serving_default", "translate_greedy"}
    translator = Translator(TrainedTranslator.load(tiny_translation_run))
    for answer in answers:
        texts = answer["inputs"]["text"]
        width = 1 if answer["signature"] == "translate_greedy" else None
        expected, counts = translator.translate(texts, beam_width=width)
        assert answer["outputs"]["translation"] == expected
        assert answer["outputs"]["source_token_count"] == counts.tolist()


def test_serving_signatures_answer_awkward_inputs_without_errors(exported, tiny_sentiment_run):
    _, sentiment_dir, translation_dir = exported
    awkward = [
        b"",
        b"   ",
        b"\xff\xfe not utf-8 \xc3",
        "ça va? ¿qué tal? 🙂".encode(),
        b"x " * 50_000,
    ]
    sentiment = tf.saved_model.load(str(sentiment_dir)).signatures["serving_default"]
    out = sentiment(text=tf.constant(awkward))
    probabilities = out["probabilities"].numpy()
    assert probabilities.shape == (len(awkward), 2)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    assert out["token_count"].numpy()[0] == 0 and out["token_count"].numpy()[-1] > 48
    translate = tf.saved_model.load(str(translation_dir)).signatures["serving_default"]
    translations = translate(text=tf.constant(awkward))["translation"].numpy()
    assert translations.shape == (len(awkward),)
    assert sentiment(text=tf.constant([], tf.string))["probabilities"].shape == (0, 2)


def test_token_id_signature_matches_text_signature(exported, tiny_sentiment_run):
    _, sentiment_dir, _ = exported
    model = tf.saved_model.load(str(sentiment_dir))
    trained = TrainedSentimentModel.load(tiny_sentiment_run)
    texts = tf.constant(["a great film , truly", "dull and far too long", "ok"])
    ids = trained.vectorizer.vectorize(texts, pad_to_max_length=False)
    from_text = model.signatures["serving_default"](text=texts)["probabilities"]
    from_ids = model.signatures["classify_token_ids"](token_ids=ids)["probabilities"]
    np.testing.assert_allclose(from_ids.numpy(), from_text.numpy(), atol=1e-6)


def test_plain_graph_export_gives_the_xla_answers(exported, tiny_sentiment_run, tmp_path):
    _, sentiment_dir, _ = exported
    plain = export_version(
        build_sentiment_export(tiny_sentiment_run, jit_compile=False, tflite=False), tmp_path
    )
    texts = tf.constant(["a great film , truly", "dull and far too long"] * 3)
    xla_out = tf.saved_model.load(str(sentiment_dir)).signatures["serving_default"](text=texts)
    plain_out = tf.saved_model.load(plain["path"]).signatures["serving_default"](text=texts)
    np.testing.assert_allclose(
        xla_out["probabilities"].numpy(), plain_out["probabilities"].numpy(), atol=1e-5
    )
    assert plain["xla_compiled"] is False


# -- command line -------------------------------------------------------------------------


def test_export_command_writes_a_version_and_ends_with_json(tiny_sentiment_run, tmp_path, capsys):
    argv = ["export", str(tiny_sentiment_run), "--saved-models", str(tmp_path), "--no-tflite"]
    assert sentiment_main(argv) == 0
    assert sentiment_main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["version"] == 2 and Path(summary["path"]) == tmp_path / "sentiment" / "2"
    assert existing_versions(tmp_path / "sentiment") == [1, 2]


def test_export_without_a_finished_run_says_what_is_missing(tmp_path, capsys):
    code = sentiment_main(["export", str(tmp_path / "nope"), "--saved-models", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "nope" in err
    assert existing_versions(tmp_path / "sentiment") == []


def test_latency_comparison_times_every_candidate_on_the_same_cases(tiny_sentiment_run, tmp_path):
    from apps.sentiment.export import latency_comparison
    from shared.export.latency import format_table

    exported = export_version(build_sentiment_export(tiny_sentiment_run), tmp_path / "models")
    tables = latency_comparison(tiny_sentiment_run, Path(exported["path"]), tmp_path)
    assert [title.split(" (")[0] for title, _, _ in tables] == ["Serving", "Phone path"]
    serving_rows = tables[0][1]
    assert {r["candidate"] for r in serving_rows} == {
        "model.export (ids)",
        "ours, plain graph (text)",
        "ours, XLA (text)",
    }
    phone_candidates = {r["candidate"] for r in tables[1][1]}
    assert phone_candidates == {
        "XLA tf.function (ids)",
        "LiteRT float32 (ids)",
        "LiteRT float16 (ids)",
        "LiteRT dynamic_range (ids)",
    }
    for _, rows, reference in tables:
        cases = {r["case"] for r in rows}
        assert len(rows) == len(cases) * len({r["candidate"] for r in rows})
        assert all(0 < r["p50_ms"] <= r["p99_ms"] for r in rows)
        lines = [line for line in format_table(rows, reference).splitlines()]
        reference_lines = [line for line in lines if f"| {reference} |" in line]
        assert len(reference_lines) == len(cases)
        assert all(line.endswith("| 1.00x |") for line in reference_lines)


def test_full_export_ships_phone_models_that_agree_with_the_savedmodel(
    tiny_sentiment_run, tiny_translation_run, tmp_path, capsys
):
    from apps.translation.cli import main as translation_main
    from shared.edge.metadata import load_metadata
    from shared.edge.sentiment import EdgeSentimentClassifier
    from shared.edge.translation import EdgeTranslator

    assert sentiment_main(["export", str(tiny_sentiment_run), "--saved-models", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    tflite_dir = Path(summary["tflite"]["directory"])
    assert tflite_dir == tmp_path / "sentiment" / "1" / "tflite"  # inside the version
    assert load_metadata(tflite_dir, expected_app="sentiment")["app"] == "sentiment"
    texts = ["a great film , truly", "dull and far too long", "", "ok " * 100]
    served = tf.saved_model.load(summary["path"]).signatures["serving_default"]
    expected = served(text=tf.constant(texts))["probabilities"].numpy()
    for variant, tolerance in {"float32": 1e-5, "float16": 1e-3, "dynamic_range": 2e-2}.items():
        phone = EdgeSentimentClassifier.from_directory(tflite_dir, variant=variant)
        np.testing.assert_allclose(phone.predict(texts), expected, atol=tolerance)

    argv = ["export", str(tiny_translation_run), "--saved-models", str(tmp_path)]
    assert translation_main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    sentences = ["el perro come pan .", "¿dónde está la casa?", ""]
    served = tf.saved_model.load(summary["path"]).signatures["translate_greedy"]
    expected = [t.decode() for t in served(text=tf.constant(sentences))["translation"].numpy()]
    phone = EdgeTranslator.from_directory(summary["tflite"]["directory"], variant="float32")
    assert phone.translate(sentences, beam_width=1) == expected


@pytest.mark.parametrize(
    ("bad_ids", "message"),
    [
        ([[5, -3]], "token_ids >= 0"),
        ([[5, 10**6]], "the vocabulary size"),
        ([[5] * 49], "at most 48 ids per row"),
    ],
)
def test_token_id_signature_refuses_ids_it_cannot_read(exported, bad_ids, message):
    _, sentiment_dir, _ = exported
    classify = tf.saved_model.load(str(sentiment_dir)).signatures["classify_token_ids"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        classify(token_ids=tf.constant(bad_ids, tf.int32))


def test_unfused_phone_export_is_stateless_and_recorded(tiny_sentiment_run, tmp_path, capsys):
    from shared.edge.runtime import LiteModel

    argv = ["export", str(tiny_sentiment_run), "--saved-models", str(tmp_path)]
    assert sentiment_main([*argv, "--no-fused-lstm"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    info = json.loads((Path(summary["path"]) / EXPORT_INFO_RELATIVE_PATH).read_text())
    assert info["tflite"]["fused_lstm"] is False
    assert set(info["tflite"]["files"]) == {"float32", "float16", "dynamic_range"}
    model = LiteModel.from_file(Path(summary["tflite"]["directory"]) / "sentiment_float32.tflite")
    assert not model.stateful  # no variable tensors: nothing to reset between calls
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" not in model.operator_names()


def test_translation_latency_comparison_has_serving_and_phone_tables(
    tiny_translation_run, tmp_path
):
    from apps.translation.export import latency_comparison

    exported = export_version(build_translation_export(tiny_translation_run), tmp_path / "m")
    tables = latency_comparison(tiny_translation_run, Path(exported["path"]), tmp_path)
    (_, serving_rows, _), (_, phone_rows, reference) = tables
    assert {r["candidate"] for r in serving_rows} == {"plain graph", "XLA"}
    assert {r["candidate"] for r in phone_rows} == {
        reference,
        "LiteRT float32 (text)",
        "LiteRT float16 (text)",
        "LiteRT dynamic_range (text)",
    }
    assert {r["case"].split(", ")[-1] for r in phone_rows} == {"greedy", "beam 3"}
