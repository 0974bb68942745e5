"""What `rnn-sentiment train` makes of its data: bad rows, labels, columns, splits."""

import gzip
import json

import numpy as np

from apps.sentiment.cli import main
from tests.helpers.cli import (
    TINY_SENTIMENT_FLAGS,
    insert_line,
    last_json_line,
    train_argv,
    write_csv,
)


def test_train_on_a_malformed_file_names_every_bad_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text('text,label\n"good film",1\nonly one field\n"bad film",0\n"x",1,extra\n')
    code = main(train_argv(path, tmp_path / "run", *TINY_SENTIMENT_FLAGS))
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:3" in err and f"{path}:5" in err
    assert not (tmp_path / "run").exists()  # a refused run leaves no half-made folder


def test_train_with_skip_keeps_rejected_rows(corpus_csv, tmp_path, capsys):
    path = insert_line(corpus_csv, tmp_path / "some_bad.csv", 201, "broken row without label")
    run_dir = tmp_path / "run"
    code = main(
        train_argv(path, run_dir, "--on-bad-rows", "skip", *TINY_SENTIMENT_FLAGS, "--epochs", "1")
    )
    assert code == 0, capsys.readouterr().err
    rejected = (run_dir / "rejected_rows.tsv").read_text().splitlines()
    assert len(rejected) == 2 and f"{path}:201" in rejected[1]


def test_train_refuses_single_class_data(tmp_path, capsys):
    data = write_csv(tmp_path / "one.csv", ["good", "great", "fine"], ["1", "1", "1"])
    assert main(train_argv(data, tmp_path / "r", *TINY_SENTIMENT_FLAGS)) == 2
    assert "at least 2 distinct labels" in capsys.readouterr().err


def test_train_refuses_a_typo_label_before_training_naming_its_row(corpus_csv, tmp_path, capsys):
    rows = corpus_csv.read_text(encoding="utf-8").splitlines()
    rows[17] = rows[17].rsplit(",", 1)[0] + ",maybe"  # line 18 of the file
    data = tmp_path / "typo.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run_dir = tmp_path / "r"
    assert main(train_argv(data, run_dir, *TINY_SENTIMENT_FLAGS)) == 2
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
            *TINY_SENTIMENT_FLAGS,
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


def test_treebank_tokenised_training_text_is_read_as_users_write_it(tmp_path, capsys):
    # SST-2 splits contractions ("was n't"); users type "wasn't". Trained on the split
    # form, the model would meet an unknown word wherever a user wrote a negation.
    rng = np.random.default_rng(0)
    subjects = "the film|this movie|the plot|the cast|the ending|the story".split("|")
    verbs = ("is", "was", "does", "did")
    rows = ["sentence\tlabel"]
    for _ in range(240):
        subject, verb = rng.choice(subjects), rng.choice(verbs)
        good = "work" if verb in ("does", "did") else "good"
        if rng.random() < 0.5:
            rows.append(f"{subject} {verb} n't {good} .\t0")
        else:
            rows.append(f"{subject} {verb} really {good} .\t1")
    path = tmp_path / "treebank.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    flags = [*TINY_SENTIMENT_FLAGS, "--epochs", "8", "--learning-rate", "0.01"]
    assert main(train_argv(path, run_dir, *flags)) == 0
    out = capsys.readouterr().out
    assert "contractions or quotes" in out and "re-attached" in out

    vocabulary = set((run_dir / "vocabulary.txt").read_text(encoding="utf-8").split())
    assert {"wasn't", "isn't", "doesn't", "didn't"} <= vocabulary
    assert "n't" not in vocabulary

    sentences = ["The plot wasn't good.", "The ending didn't work!", "The cast was really good."]
    assert main(["predict", "--run-dir", str(run_dir), *sentences]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[-3:]]
    assert [a["label"] for a in answers] == ["negative", "negative", "positive"], answers
