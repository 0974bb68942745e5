"""The sentiment app end to end through its CLI, on a tiny model and made-up data."""

import csv
import gzip
import json
import subprocess
import sys
import time

import numpy as np
import pytest

from apps.sentiment.cli import main
from apps.sentiment.corpus import generate_reviews
from shared.training.history import read_history

TINY = [
    "--epochs",
    "2",
    "--units",
    "8",
    "--embedding-dim",
    "16",
    "--max-length",
    "40",
    "--batch-size",
    "32",
    "--max-tokens",
    "400",
    # Real-data files get a preset with a 1M-bucket bag of n-grams: kept, but tiny.
    "--ngram-buckets",
    "64",
    "--min-count",
    "1",
    "--patience",
    "5",
]


def write_csv(path, texts, labels, header=("text", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(zip(texts, labels, strict=True))
    return path


@pytest.fixture(scope="session")
def corpus_csv(tmp_path_factory):
    texts, labels = generate_reviews(600, seed=7)
    ids = ["1" if label == "positive" else "0" for label in labels]
    return write_csv(tmp_path_factory.mktemp("data") / "reviews.csv", texts, ids)


@pytest.fixture(scope="session")
def trained_run(corpus_csv, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    assert main(["train", "--data", str(corpus_csv), "--run-dir", str(run_dir), *TINY]) == 0
    return run_dir


def last_json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_train_writes_a_complete_run_folder(trained_run):
    for name in [
        "model.keras",
        "vocabulary.txt",
        "labels.json",
        "config.json",
        "history.csv",
        "learning_curves.png",
        "report.txt",
        "metrics.json",
        "baseline.npz",
        "confusion_matrix.png",
    ]:
        assert (trained_run / name).is_file(), name
    assert not (trained_run / "baseline.joblib").exists()  # no pickle: loading runs no code
    assert (trained_run / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list((trained_run / "tensorboard" / "train").glob("events.out.tfevents.*"))
    assert json.loads((trained_run / "labels.json").read_text())["names"] == [
        "negative",
        "positive",
    ]
    assert [int(row["epoch"]) for row in read_history(trained_run / "history.csv")] == [1, 2]
    vocabulary = (trained_run / "vocabulary.txt").read_text(encoding="utf-8").splitlines()
    assert vocabulary[:2] == ["[PAD]", "[UNK]"] and len(vocabulary) <= 400


def test_report_sets_model_beside_baseline_on_the_same_examples(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    report = (trained_run / "report.txt").read_text()
    # 10% of 600, stratified by unique text: the copies of a held-out text go with it.
    assert 60 <= metrics["n"] <= 64
    assert 0.0 <= metrics["accuracy"] <= 1.0 and 0.0 <= metrics["baseline"]["accuracy"] <= 1.0
    assert f"{metrics['accuracy']:.4f}" in report
    assert f"{metrics['baseline']['accuracy']:.4f}" in report
    assert "TF-IDF + logistic regr." in report and "confusion matrix" in report


def test_rerunning_a_finished_train_reports_instead_of_retraining(corpus_csv, trained_run, capsys):
    before = (trained_run / "model.keras").stat().st_mtime_ns
    assert main(["train", "--data", str(corpus_csv), "--run-dir", str(trained_run), *TINY]) == 0
    out = capsys.readouterr().out
    assert "(finished)" in out
    assert last_json_line(out) == json.loads((trained_run / "metrics.json").read_text())
    assert (trained_run / "model.keras").stat().st_mtime_ns == before


def test_other_settings_in_the_same_run_folder_are_refused(corpus_csv, trained_run, capsys):
    args = ["train", "--data", str(corpus_csv), "--run-dir", str(trained_run), *TINY]
    assert main([*args, "--units", "9"]) == 2
    err = capsys.readouterr().err
    assert "differs in ['units']" in err and "--overwrite" in err


def test_evaluate_prints_report_and_ends_with_one_json_line(
    corpus_csv, trained_run, capsys, tmp_path
):
    code = main(
        [
            "evaluate",
            "--data",
            str(corpus_csv),
            "--run-dir",
            str(trained_run),
            "--output-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    metrics = last_json_line(out)
    assert metrics["n"] == 600
    assert set(metrics) >= {"accuracy", "precision", "recall", "f1", "n", "baseline"}
    assert "precision" in out and "recall" in out and "confusion matrix" in out
    assert (tmp_path / "reviews-confusion_matrix.png").is_file()


def test_evaluate_accepts_label_names_for_a_model_trained_on_ids(trained_run, tmp_path, capsys):
    data = write_csv(
        tmp_path / "named.csv", ["a fine film", "a dull film"], ["positive", "negative"]
    )
    assert main(["evaluate", "--data", str(data), "--run-dir", str(trained_run)]) == 0
    assert last_json_line(capsys.readouterr().out)["n"] == 2


def test_evaluate_maps_0_1_labels_to_a_model_named_negative_positive(
    tiny_sentiment_run, tmp_path, capsys
):
    """The default model (labels by name) on SST-2-style 0/1 labels, with progress."""
    assert json.loads((tiny_sentiment_run / "labels.json").read_text())["aliases"] == {
        "negative": 0,
        "positive": 1,
    }
    texts, labels = generate_reviews(40, seed=3)
    by_name = write_csv(tmp_path / "named.csv", texts, labels)
    by_id = write_csv(
        tmp_path / "ids.csv", texts, ["1" if label == "positive" else "0" for label in labels]
    )
    results = []
    for data in (by_name, by_id):
        argv = ["evaluate", "--data", str(data), "--run-dir", str(tiny_sentiment_run)]
        assert main([*argv, "--output-dir", str(tmp_path)]) == 0
        results.append(capsys.readouterr())
    assert last_json_line(results[1].out) == last_json_line(results[0].out)
    assert last_json_line(results[1].out)["n"] == 40
    # Progress on stderr, complete, never on stdout (whose last line is the JSON).
    assert "scoring the BiLSTM: 40/40 texts (100%" in results[1].err
    assert "scoring the BiLSTM" not in results[1].out


def test_evaluate_rejects_unknown_labels_naming_file_and_line(trained_run, tmp_path, capsys):
    data = write_csv(tmp_path / "odd.csv", ["fine", "dull", "meh"], ["1", "0", "neutral"])
    assert main(["evaluate", "--data", str(data), "--run-dir", str(trained_run)]) == 2
    err = capsys.readouterr().err
    assert f"{data}:4: label 'neutral'" in err and "Expected labels among" in err


def test_predict_prints_one_json_line_per_text(trained_run, capsys):
    code = main(["predict", "--run-dir", str(trained_run), "not bad at all", "a dull mess"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["text"] for line in lines] == ["not bad at all", "a dull mess"]
    for line in lines:
        assert set(line) == {"text", "label", "score", "probabilities"}  # shared.answers
        assert line["label"] in ("negative", "positive")
        assert line["score"] == line["probabilities"][line["label"]]
        assert line["score"] == max(line["probabilities"].values())
        assert sum(line["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        # Rounded to 4 decimals, as every path rounds them.
        assert all(round(p, 4) == p for p in line["probabilities"].values())


def test_predict_says_which_run_it_uses_on_stderr_only(trained_run, tmp_path, monkeypatch, capsys):
    import shutil

    # Without --run-dir: the latest finished run under ./runs/sentiment, named on stderr.
    monkeypatch.chdir(tmp_path)
    shutil.copytree(trained_run, tmp_path / "runs" / "sentiment" / "copied")
    assert main(["predict", "a fine film"]) == 0
    captured = capsys.readouterr()
    [using] = [line for line in captured.err.splitlines() if line.startswith("using run ")]
    assert using.startswith("using run runs/sentiment/copied (finished 20"), using
    assert [json.loads(line)["text"] for line in captured.out.splitlines()] == ["a fine film"]


def test_predict_flags_empty_texts_but_still_predicts_the_rest(trained_run, capsys):
    code = main(["predict", "--run-dir", str(trained_run), "good", "   ", ""])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert "label" in lines[0]
    assert lines[1]["error"].startswith("argument 2: empty text")
    assert lines[2]["error"].startswith("argument 3: empty text")


def test_predict_reads_stdin_and_reports_invalid_utf8_by_line(trained_run):
    stdin = b"great film\n" + b"caf\xe9 latin-1\n" + "pésima película\n".encode()
    result = subprocess.run(
        [sys.executable, "-m", "apps.sentiment", "predict", "--run-dir", str(trained_run)],
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1, result.stderr.decode()
    assert len(lines) == 3
    assert "label" in lines[0] and "label" in lines[2]
    assert lines[1]["error"] == "stdin line 2: invalid UTF-8 at byte 3: expected UTF-8 text"
    assert lines[1]["text"] == "caf\ufffd latin-1"


def test_predict_truncates_a_huge_text_and_says_so_once(trained_run, capsys):
    huge = "what a wonderful film " * 200_000  # 4.4 MB, 800k tokens
    started = time.monotonic()
    code = main(["predict", "--run-dir", str(trained_run), huge, huge[:4000], "short one"])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 0 and len(lines) == 3 and all("label" in line for line in lines)
    # The first two texts exceed 40 tokens; one note counts both.
    assert captured.err.count("note:") == 1
    assert "2 text(s) had more than 40 tokens" in captured.err
    # The huge and the 4000-character text read the same first 40 tokens.
    assert lines[0]["probabilities"] == lines[1]["probabilities"]
    assert elapsed < 30


def test_train_on_a_malformed_file_names_every_bad_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text('text,label\n"good film",1\nonly one field\n"bad film",0\n"x",1,extra\n')
    code = main(["train", "--data", str(path), "--run-dir", str(tmp_path / "run"), *TINY])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:3" in err and f"{path}:5" in err
    assert not (tmp_path / "run").exists()  # a refused run leaves no half-made folder


def test_train_with_skip_keeps_rejected_rows(corpus_csv, tmp_path, capsys):
    rows = corpus_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "some_bad.csv"
    path.write_text("".join(rows[:200]) + "broken row without label\n" + "".join(rows[200:]))
    run_dir = tmp_path / "run"
    code = main(
        [
            "train",
            "--data",
            str(path),
            "--run-dir",
            str(run_dir),
            "--on-bad-rows",
            "skip",
            *TINY,
            "--epochs",
            "1",
        ]
    )
    assert code == 0, capsys.readouterr().err
    rejected = (run_dir / "rejected_rows.tsv").read_text().splitlines()
    assert len(rejected) == 2 and f"{path}:201" in rejected[1]


def test_train_refuses_single_class_data(tmp_path, capsys):
    data = write_csv(tmp_path / "one.csv", ["good", "great", "fine"], ["1", "1", "1"])
    assert main(["train", "--data", str(data), "--run-dir", str(tmp_path / "r"), *TINY]) == 2
    assert "at least 2 distinct labels" in capsys.readouterr().err


def test_train_refuses_a_typo_label_before_training_naming_its_row(corpus_csv, tmp_path, capsys):
    rows = corpus_csv.read_text(encoding="utf-8").splitlines()
    rows[17] = rows[17].rsplit(",", 1)[0] + ",maybe"  # line 18 of the file
    data = tmp_path / "typo.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run_dir = tmp_path / "r"
    assert main(["train", "--data", str(data), "--run-dir", str(run_dir), *TINY]) == 2
    err = capsys.readouterr().err
    assert f"'maybe' (1 row: {data}:18)" in err and "--allow-odd-labels" in err
    assert not run_dir.exists()  # refused before anything was written


def test_train_three_classes_from_gzip_tsv_with_custom_columns(tmp_path, capsys):
    rng = np.random.default_rng(0)
    words = {"neg": "awful dreadful", "neu": "okay average", "pos": "superb lovely"}
    fillers = "the a this that film movie story plot cast".split()
    rows = ["review\tstars"] + [
        f"{' '.join(rng.choice(fillers, size=3))} was {words[c].split()[rng.integers(2)]}\t{c}"
        for c in rng.choice(list(words), size=240)
    ]
    path = tmp_path / "three.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    run_dir = tmp_path / "run"
    code = main(
        [
            "train",
            "--data",
            str(path),
            "--text-column",
            "review",
            "--label-column",
            "stars",
            "--run-dir",
            str(run_dir),
            *TINY,
            "--epochs",
            "8",
            "--learning-rate",
            "0.01",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads((run_dir / "labels.json").read_text())["names"] == ["neg", "neu", "pos"]
    assert last_json_line(out)["accuracy"] >= 0.9  # one keyword decides: trivially learnable


def test_mirrored_strategy_trains_on_two_replicas(corpus_csv, tmp_path, capsys):
    run_dir = tmp_path / "mirrored"
    code = main(
        [
            "train",
            "--data",
            str(corpus_csv),
            "--run-dir",
            str(run_dir),
            "--strategy",
            "mirrored",
            *TINY,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "strategy: mirrored (2 replica(s))" in out
    losses = [row["loss"] for row in read_history(run_dir / "history.csv")]
    assert len(losses) == 2 and losses[1] < losses[0]


def test_help_teaches_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "apps.sentiment", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("train", "evaluate", "predict", "download"):
        assert command in result.stdout
    assert "rnn-sentiment predict" in result.stdout  # an example to copy


def test_overwrite_refuses_a_folder_that_is_not_a_run(corpus_csv, tmp_path, capsys):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.txt").write_text("years of work")
    code = main(
        ["train", "--data", str(corpus_csv), "--run-dir", str(precious), "--overwrite", *TINY]
    )
    assert code == 2
    assert "refusing to delete it" in capsys.readouterr().err
    assert (precious / "chapter1.txt").read_text() == "years of work"


def test_predict_reports_invalid_utf8_arguments_and_predicts_the_rest(trained_run):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "apps.sentiment",
            "predict",
            "--run-dir",
            str(trained_run),
            b"caf\xe9 good",
            "fine film",
        ],
        capture_output=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1, result.stderr.decode()[-2000:]
    assert lines[0]["error"] == "argument 1: invalid UTF-8 at byte 3: expected UTF-8 text"
    assert "label" in lines[1]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--clipnorm", "-1", "Expected `clipnorm` >= 0"),
        ("--patience", "0", "Expected `patience` >= 1"),
        ("--embedding-dim", "0", "Expected `embedding_dim` >= 1"),
    ],
)
def test_out_of_range_settings_are_refused_before_training(
    corpus_csv, tmp_path, capsys, flag, value, message
):
    code = main(
        ["train", "--data", str(corpus_csv), "--run-dir", str(tmp_path / "r"), *TINY, flag, value]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_evaluate_requires_data(trained_run, capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--run-dir", str(trained_run)])
    assert "--data" in capsys.readouterr().err


def test_duplicate_texts_never_straddle_the_validation_split(tmp_path):
    from shared.datasets.examples import LabelledTexts
    from shared.datasets.labels import LabelSet
    from shared.training.splits import split_examples

    texts = [f"review {i % 30}" for i in range(120)]  # every text four times
    labels = [str(i % 30 % 2) for i in range(120)]
    data = LabelledTexts(texts, labels, [f"f:{i}" for i in range(120)])
    label_set = LabelSet.infer(data)
    train_idx, val_idx = split_examples(data, label_set.encode(data), label_set, 0.2, seed=0)
    assert sorted(train_idx + val_idx) == list(range(120))
    assert not {texts[i] for i in train_idx} & {texts[i] for i in val_idx}
    assert len({texts[i] for i in val_idx}) == 6  # 20% of the 30 unique texts


def test_final_state_pooling_reads_both_directions():
    import keras

    from apps.sentiment.config import SentimentConfig
    from apps.sentiment.model import build_classifier

    keras.utils.set_random_seed(0)
    config = SentimentConfig(pooling="final_state", units=4, embedding_dim=8, head_dropout=0.0)
    model = build_classifier(config, vocabulary_size=20, num_classes=2)
    ids = np.array([[3, 4, 5, 0], [6, 7, 0, 0]], dtype="int32")
    _, states = model.get_layer("encoder")(ids)
    ((forward, backward),) = states
    features = np.concatenate([np.asarray(forward[0]), np.asarray(backward[0])], axis=-1)
    expected = np.asarray(model.get_layer("probabilities")(features))
    np.testing.assert_allclose(model.predict(ids, verbose=0), expected, atol=1e-6)


def test_init_from_starts_from_the_source_weights_vocabulary_and_shape(
    tiny_sentiment_run, tmp_path, capsys
):
    import keras

    texts, _ = generate_reviews(120, seed=21)
    data = write_csv(tmp_path / "three.csv", texts, [i % 3 for i in range(len(texts))])
    run_dir = tmp_path / "warm"
    argv = [
        "train",
        "--data",
        str(data),
        "--run-dir",
        str(run_dir),
        "--init-from",
        str(tiny_sentiment_run),
        "--epochs",
        "1",
        "--learning-rate",
        "1e-12",
        "--units",
        "5",
        "--max-length",
        "48",
        "--batch-size",
        "32",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "model shape taken from" in out and "'units': 8" in out
    assert "(new: probabilities)" in out  # 3 classes here, 2 in the source
    source_config = json.loads((tiny_sentiment_run / "config.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    assert config["units"] == source_config["units"] == 8  # the source's shape, not --units
    assert config["init_from"] == str(tiny_sentiment_run)
    assert (run_dir / "vocabulary.txt").read_text() == (
        tiny_sentiment_run / "vocabulary.txt"
    ).read_text()
    # A learning rate of 1e-12 leaves the copied encoder where the source left it.
    source = keras.models.load_model(tiny_sentiment_run / "model.keras")
    warm = keras.models.load_model(run_dir / "model.keras")
    for a, b in zip(
        source.get_layer("encoder").get_weights(),
        warm.get_layer("encoder").get_weights(),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert warm.get_layer("probabilities").get_weights()[0].shape[-1] == 3


def test_init_from_an_unfinished_run_is_refused(corpus_csv, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = [
        "train",
        "--data",
        str(corpus_csv),
        "--run-dir",
        str(tmp_path / "r"),
        "--init-from",
        str(tmp_path / "empty"),
        "--epochs",
        "1",
    ]
    assert main(argv) != 0
    assert "empty" in capsys.readouterr().err


def test_init_from_with_the_same_number_of_other_classes_starts_the_output_afresh(
    tiny_sentiment_run, tmp_path, capsys
):
    texts, _ = generate_reviews(120, seed=22)
    data = write_csv(tmp_path / "ab.csv", texts, ["a" if i % 2 else "b" for i in range(120)])
    argv = [
        "train",
        "--data",
        str(data),
        "--run-dir",
        str(tmp_path / "warm"),
        "--init-from",
        str(tiny_sentiment_run),
        "--epochs",
        "1",
        "--max-length",
        "48",
        "--batch-size",
        "32",
    ]
    assert main(argv) == 0
    assert "(new: probabilities)" in capsys.readouterr().out  # 2 classes, but a/b, not 0/1


def test_evaluate_skip_lists_every_skipped_row_in_a_file(trained_run, tmp_path, capsys):
    texts, labels = generate_reviews(20, seed=5)
    path = write_csv(
        tmp_path / "with-bad.csv", texts, ["1" if y == "positive" else "0" for y in labels]
    )
    with open(path, "a", encoding="utf-8") as f:
        f.write('"a review with no label",\n')
    argv = ["evaluate", "--data", str(path), "--run-dir", str(trained_run)]
    assert main([*argv, "--output-dir", str(tmp_path), "--on-bad-rows", "skip"]) == 0
    out = capsys.readouterr().out
    assert last_json_line(out)["skipped_rows"] == 1 and last_json_line(out)["n"] == 20
    rejected = (tmp_path / "with-bad-rejected_rows.tsv").read_text(encoding="utf-8").splitlines()
    assert rejected[0] == "origin\treason\traw" and len(rejected) == 2
    assert f"{path}:22" in rejected[1] and "a review with no label" in rejected[1]
    assert f"all listed in {tmp_path / 'with-bad-rejected_rows.tsv'}" in out
