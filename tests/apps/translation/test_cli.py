"""The translation app end to end through its CLI, on a tiny model and generated pairs."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from apps.translation.cli import main
from apps.translation.config import TranslationConfig
from apps.translation.corpus import generate_pairs
from apps.translation.presets import few_pairs_note
from apps.translation.translator import Translator
from shared.datasets.pairs import read_sentence_pairs, source_key
from shared.evaluation.translation_metrics import translation_scores
from shared.ids import START_ID
from tests.helpers.cli import (
    assert_rerun_reports_the_finished_run,
    insert_line,
    last_json_line,
    train_argv,
)

TINY = [
    "--epochs",
    "2",
    "--embedding-dim",
    "16",
    "--encoder-units",
    "16",
    "--decoder-units",
    "32",
    "--source-vocabulary-size",
    "300",
    "--target-vocabulary-size",
    "300",
    "--batch-size",
    "32",
    "--max-source-length",
    "24",
    "--max-target-length",
    "24",
    "--test-split",
    "0.1",
    "--beam-width",
    "3",
]


@pytest.fixture(scope="session")
def pairs_tsv(tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "spa-eng.tsv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("english\tspanish\n")
        for spanish, english in generate_pairs(800, seed=5):
            f.write(f"{english}\t{spanish}\n")
        # Real corpora quote speech: quotes are text in these files, never CSV quoting.
        for i in range(30):
            f.write(f'He said "yes" {i} times.\tDijo "sí" {i} veces.\n')
    return path


@pytest.fixture(scope="session")
def trained_run(pairs_tsv, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    assert main(train_argv(pairs_tsv, run_dir, *TINY)) == 0
    return run_dir


def test_train_writes_a_complete_run_with_an_unseen_test_split(pairs_tsv, trained_run):
    for name in [
        "model.keras",
        "source_vocabulary.txt",
        "target_vocabulary.txt",
        "config.json",
        "history.csv",
        "learning_curves.png",
        "test_pairs.tsv",
        "report.txt",
        "metrics.json",
    ]:
        assert (trained_run / name).is_file(), name
    vocabulary = (trained_run / "target_vocabulary.txt").read_text(encoding="utf-8").split("\n")
    assert vocabulary[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]
    test = read_sentence_pairs(trained_run / "test_pairs.tsv")
    everything = read_sentence_pairs(pairs_tsv)
    test_keys = {source_key(s) for s in test.sources}
    training_keys = {source_key(s) for s in everything.sources} - test_keys
    # Every pair whose source is a test source went to the test side, none to training.
    assert len(test) == sum(source_key(s) in test_keys for s in everything.sources)
    assert training_keys and not (test_keys & training_keys)
    assert 60 <= len(test) <= 100  # 10% of 800, within one source group


def test_a_small_pair_file_is_told_what_bleu_to_expect(trained_run):
    # ~700 training pairs under the 105k-pair preset: said before training and kept in
    # the report, so a user reading BLEU 0 learns it is the data, not a bug.
    report = (trained_run / "report.txt").read_text(encoding="utf-8")
    settings = json.loads((trained_run / "config.json").read_text(encoding="utf-8"))
    assert settings["preset"] == "sentence-pairs"
    assert "training pairs. The sentence-pairs preset was measured on 105k" in report


@pytest.mark.parametrize(
    ("preset", "pairs", "noted"),
    [("sentence-pairs", 9_000, True), ("sentence-pairs", 100_000, False), ("embedded", 900, False)],
)
def test_few_pairs_note_only_for_the_real_data_preset_on_little_data(preset, pairs, noted):
    assert bool(few_pairs_note(preset, pairs)) is noted


def test_metrics_are_sacrebleu_scores_of_the_translations_themselves(trained_run):
    metrics = json.loads((trained_run / "metrics.json").read_text())
    assert metrics["beam"] == 3 and metrics["bleu_signature"].startswith("nrefs:1|case:mixed")
    test = read_sentence_pairs(trained_run / "test_pairs.tsv")
    translator = Translator(TrainedTranslator.load(trained_run))
    for width, expected in ((3, metrics), (1, metrics["greedy"])):
        hypotheses, _ = translator.translate(test.sources, beam_width=width)
        scores = translation_scores(hypotheses, test.targets)
        assert (scores["bleu"], scores["chrf"]) == (expected["bleu"], expected["chrf"])


def test_evaluate_reports_and_ends_with_one_json_line(trained_run, capsys):
    code = main(
        ["evaluate", "--data", str(trained_run / "test_pairs.tsv"), "--run-dir", str(trained_run)]
    )
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0
    metrics = last_json_line(out)
    assert set(metrics) >= {"bleu", "chrf", "n", "beam", "greedy", "sentences_per_second"}
    assert metrics["n"] == len(read_sentence_pairs(trained_run / "test_pairs.tsv"))
    assert "greedy" in out and "beam 3" in out and "reference:" in out
    # Progress of each decoding pass on stderr, complete, and never on stdout.
    n = metrics["n"]
    for name in ("greedy", "beam 3"):
        assert f"translating ({name}): {n}/{n} sentences (100%" in captured.err
    assert "translating (" not in out


def test_graph_greedy_matches_a_plain_python_loop_over_decoder_step(trained_run):
    trained = TrainedTranslator.load(trained_run)
    translator = Translator(trained)
    sources = ["¿Dónde está el libro?", "No tengo un perro.", "Hoy comemos pan."]
    graph_output, _ = translator.translate(sources, beam_width=1)
    ids, _ = translator.source_ids(tf.constant(sources))
    states = translator.encode_ids(ids)
    tokens = np.full(len(sources), START_ID, dtype="int32")
    generated = []
    for _ in range(trained.config.max_target_length):
        logits, states = translator.decoder.step(tf.constant(tokens), states)
        tokens = np.argmax(np.asarray(logits), axis=-1).astype("int32")
        generated.append(tokens)
    ids = np.stack(generated, axis=1)
    expected = [t.decode() for t in trained.target_tokenizer.detokenize(ids).numpy()]
    assert graph_output == expected


def test_translate_prints_json_lines_and_flags_what_cannot_be_translated(trained_run, capsys):
    long_input = "El perro come pan. " * 40
    code = main(
        [
            "translate",
            "--run-dir",
            str(trained_run),
            "El gato negro.",
            "   ",
            "¿?!",
            "Ω☃ 𝄞 zzqx",
            long_input,
        ]
    )
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 1
    assert [line["text"] for line in lines] == [
        "El gato negro.",
        "   ",
        "¿?!",
        "Ω☃ 𝄞 zzqx",
        long_input,
    ]
    assert isinstance(lines[0]["translation"], str) and lines[0]["beam"] == 3
    assert set(lines[0]) == {"text", "translation", "beam"}  # the schema of shared.answers
    assert lines[1]["error"].startswith("argument 2: nothing to translate")
    assert lines[2]["error"].startswith("argument 3: nothing to translate")
    assert isinstance(lines[3]["translation"], str)  # unseen characters: [UNK], no crash
    assert isinstance(lines[4]["translation"], str)
    assert captured.err.count("note:") == 1 and "1 input(s) had more than 24" in captured.err
    # Which run answered: one line on stderr, never on stdout (JSON lines only).
    [using] = [line for line in captured.err.splitlines() if line.startswith("using run ")]
    assert using.startswith(f"using run {trained_run} (finished 20") and using.endswith(")")
    assert "using run" not in captured.out


def test_translate_reads_stdin(trained_run):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "apps.translation",
            "translate",
            "--run-dir",
            str(trained_run),
            "--beam-width",
            "1",
        ],
        input=b"Me gusta trabajar.\nLa casa blanca.\n",
        capture_output=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["text"] for line in lines] == ["Me gusta trabajar.", "La casa blanca."]
    assert all(line["beam"] == 1 for line in lines)


def test_malformed_pair_rows_are_named_by_file_and_line(tmp_path, capsys):
    path = tmp_path / "bad.tsv"
    path.write_text(
        "english\tspanish\nHello.\tHola.\nonly one column\nBye.\t\t\tx\n", encoding="utf-8"
    )
    code = main(train_argv(path, tmp_path / "run", *TINY))
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:3" in err and f"{path}:4" in err
    assert not (tmp_path / "run").exists()


def test_rerunning_a_finished_train_reports_instead_of_retraining(pairs_tsv, trained_run, capsys):
    argv = train_argv(pairs_tsv, trained_run, *TINY)
    assert_rerun_reports_the_finished_run(main, argv, trained_run, capsys)


def test_help_needs_no_tensorflow():
    code = (
        "import sys\nsys.modules['tensorflow'] = None\nsys.modules['keras'] = None\n"
        "from apps.translation.cli import build_parser\nbuild_parser().format_help()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_test_pairs_file_round_trips_through_the_reader(trained_run):
    with open(trained_run / "test_pairs.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["spanish", "english"]
    pairs = read_sentence_pairs(trained_run / "test_pairs.tsv")
    assert [[s, t] for s, t in zip(pairs.sources, pairs.targets, strict=True)] == rows[1:]


def test_skip_mode_keeps_the_rejected_rows(pairs_tsv, tmp_path, capsys):
    path = insert_line(pairs_tsv, tmp_path / "some_bad.tsv", 51, "no tab here")
    run_dir = tmp_path / "run"
    code = main(train_argv(path, run_dir, "--on-bad-rows", "skip", *TINY, "--epochs", "1"))
    out = capsys.readouterr().out
    assert code == 0
    assert f"skipped 1 bad row(s), e.g. {path}:51" in out
    rejected = (run_dir / "rejected_rows.tsv").read_text(encoding="utf-8").splitlines()
    assert len(rejected) == 2 and rejected[1].startswith(f"{path}:51\t")


def test_a_copy_bridge_that_cannot_fit_is_refused_before_any_work(pairs_tsv, tmp_path, capsys):
    run_dir = tmp_path / "run"
    code = main(train_argv(pairs_tsv, run_dir, *TINY, "--bridge", "copy", "--decoder-units", "40"))
    assert code == 2
    assert "Expected `decoder_units` == 2 * encoder_units (= 32)" in capsys.readouterr().err
    assert not run_dir.exists()


@pytest.mark.parametrize("value", ["0", "-1", "two", "65", "100000"])
def test_beam_width_must_be_a_whole_number_up_to_the_maximum(tmp_path, capsys, value):
    # 100000 used to translate to "" with exit status 0; refused before TensorFlow loads.
    for argv in (["translate", "Hola."], ["export", str(tmp_path)]):
        with pytest.raises(SystemExit) as exit_status:
            main([*argv, "--beam-width", value])
        assert exit_status.value.code == 2
        err = capsys.readouterr().err
        assert "expected a whole number from 1 (greedy) to 64" in err and repr(value) in err
    # A run's own width (train --beam-width, a config file) has the same bounds.
    with pytest.raises(ValueError, match=r"Expected `beam_width` in \[1, 64\]"):
        TranslationConfig(beam_width=65).validate()


def test_evaluate_on_embedded_scores_sources_the_corpus_does_not_contain():
    from apps.translation.corpus import generate_pairs
    from apps.translation.data import HELD_OUT_SIZE, embedded_held_out

    held_out = embedded_held_out()
    training_keys = {source_key(s) for s, _ in generate_pairs()}
    assert len(held_out) == HELD_OUT_SIZE
    assert not {source_key(s) for s in held_out.sources} & training_keys


def test_an_interrupted_run_resumes_with_the_same_vocabularies(pairs_tsv, tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = train_argv(pairs_tsv, run_dir, *TINY, "--epochs", "1")
    assert main(args) == 0
    vocabularies = {
        name: (run_dir / name).read_bytes()
        for name in ("source_vocabulary.txt", "target_vocabulary.txt")
    }
    (run_dir / "model.keras").unlink()  # as if killed after the epoch, before the end
    capsys.readouterr()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "(resume)" in out
    assert "Epoch 1/1" not in out  # the backed-up epoch is not trained again
    for name, content in vocabularies.items():
        assert (run_dir / name).read_bytes() == content
    assert (run_dir / "model.keras").is_file()
