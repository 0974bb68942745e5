"""Tests for label inference/encoding, the metrics report and the TF-IDF baseline."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import metrics as skm

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts
from shared.datasets.labels import MAX_ERRORS_SHOWN, LabelSet
from shared.evaluation.classification_report import (
    classification_metrics,
    format_report,
    plot_confusion_matrix,
)
from shared.evaluation.paired_comparison import compare_with_baseline, describe_comparison
from shared.evaluation.text_baseline import (
    fit_baseline,
    load_baseline,
    save_baseline,
    strip_markup_lowercase,
)
from shared.training.damage import RunFolderDamaged

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def labelled(labels, path="data/train.csv") -> LabelledTexts:
    """Examples with the given raw labels; origins mimic a CSV with a header row."""
    return LabelledTexts(
        texts=[f"text {i}" for i in range(len(labels))],
        labels=list(labels),
        origins=[f"{path}:{i + 2}" for i in range(len(labels))],
    )


# --- LabelSet.infer --------------------------------------------------------------------


def test_binary_integer_labels_get_sentiment_names_and_aliases():
    labels = LabelSet.infer(labelled(["1", "0", "1"]))  # order of appearance is irrelevant
    assert labels.names == ("negative", "positive")
    assert len(labels) == 2
    encoded = labels.encode(
        labelled(["0", "1", "negative", "positive", "Positive", " NEGATIVE "], path="eval.tsv")
    )
    assert encoded == [0, 1, 0, 1, 1, 0]


def test_string_labels_are_sorted():
    labels = LabelSet.infer(labelled(["pos", "neg", "neutral", "pos"]))
    assert labels.names == ("neg", "neutral", "pos")
    assert labels.encode(labelled(["pos", "neg", "neutral"])) == [2, 0, 1]


def test_integer_labels_sort_numerically_not_as_strings():
    labels = LabelSet.infer(labelled(["10", "2", "1", "2"]))
    assert labels.names == ("1", "2", "10")  # as strings "10" < "2"
    assert labels.encode(labelled(["2", "10", "1"])) == [1, 2, 0]


def test_three_integer_classes_including_negative_are_not_binary():
    labels = LabelSet.infer(labelled(["1", "-1", "0"]))
    assert labels.names == ("-1", "0", "1")
    assert labels.encode(labelled(["-1", "1"])) == [0, 2]


def test_label_names_apply_to_sorted_integer_labels_and_both_encode():
    labels = LabelSet.infer(labelled(["3", "1", "2"]), names=("low", "mid", "high"))
    assert labels.names == ("low", "mid", "high")
    assert labels.encode(labelled(["1", "2", "3", "low", "mid", "high"])) == [0, 1, 2, 0, 1, 2]


def test_label_names_override_the_binary_default():
    labels = LabelSet.infer(labelled(["0", "1"]), names=("bad", "good"))
    assert labels.names == ("bad", "good")
    assert labels.encode(labelled(["good", "0"])) == [1, 0]


@pytest.mark.parametrize("names", [("only",), ("a", "b", "c")])
def test_wrong_number_of_label_names_raises(names):
    with pytest.raises(DataError) as error:
        LabelSet.infer(labelled(["0", "1"], path="data/train.csv"), names=names)
    message = str(error.value)
    assert message.startswith("data/train.csv:")
    assert "expected 2 label names" in message
    assert f"Received {len(names)}" in message


def test_single_class_raises_naming_the_source_and_the_label():
    with pytest.raises(DataError) as error:
        LabelSet.infer(labelled(["pos", "pos", "pos"], path="reviews/train.tsv"))
    message = str(error.value)
    assert "reviews/train.tsv" in message
    assert "reviews/train.tsv:2" not in message  # the file, not one line of it
    assert "'pos'" in message
    assert "3 examples" in message


def test_a_typo_label_is_refused_naming_it_and_its_rows(capsys):
    raw = ["0", "1"] * 50
    raw[16] = raw[40] = "maybe"
    data = labelled(raw, path="data/train.csv")
    with pytest.raises(DataError) as error:
        LabelSet.infer(data)
    message = str(error.value)
    assert "'maybe' (2 rows: data/train.csv:18, data/train.csv:42)" in message
    assert "--allow-odd-labels" in message and "--label-names" in message
    # Accepted on request: a third class, with a warning that names it again.
    labels = LabelSet.infer(data, allow_odd=True)
    assert labels.names == ("0", "1", "maybe")
    assert "warning:" in capsys.readouterr().err
    # One name per label also says the third class is meant.
    named = LabelSet.infer(data, names=("negative", "positive", "unsure"))
    assert named.names == ("negative", "positive", "unsure")
    with pytest.raises(DataError, match="'maybe' .* look like typos"):
        LabelSet.infer(data, names=("negative", "positive"))


@pytest.mark.parametrize(
    ("raw", "odd"),
    [
        (["pos", "neg"] * 100 + ["postive"], "postive"),  # 1 row of 201: a typo, not a class
        (["positive", "negative"] * 5 + ["Positive"], "Positive"),  # a case variant
        (["neg", "pos"] * 5 + ["1"], "1"),  # a number among words
    ],
)
def test_rare_case_variant_and_mixed_kind_labels_are_odd(raw, odd):
    with pytest.raises(DataError, match=f"typos: '{odd}'"):
        LabelSet.infer(labelled(raw))


def test_small_and_imbalanced_but_consistent_labels_are_not_odd():
    assert LabelSet.infer(labelled(["a", "b", "c"])).names == ("a", "b", "c")
    assert len(LabelSet.infer(labelled(["0"] * 150 + ["1"] * 5 + ["2"] * 2))) == 3


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# --- LabelSet.encode -------------------------------------------------------------------


def test_unknown_labels_raise_one_error_listing_origins_and_values():
    labels = LabelSet.infer(labelled(["0", "1"]))
    raw = ["1", "maybe", "0", "2"]
    with pytest.raises(DataError) as error:
        labels.encode(labelled(raw, path="eval.csv"))
    message = str(error.value)
    assert "Received 2 unknown label(s)" in message
    assert "eval.csv:3: label 'maybe'" in message
    assert "eval.csv:5: label '2'" in message
    assert "eval.csv:2" not in message and "eval.csv:4" not in message
    # The valid values are listed so the user can fix the file.
    for valid in ("0", "1", "negative", "positive"):
        assert f"'{valid}'" in message


def test_unknown_labels_shown_are_capped_but_counted():
    labels = LabelSet.infer(labelled(["a", "b"]))
    n_bad = MAX_ERRORS_SHOWN + 5
    with pytest.raises(DataError) as error:
        labels.encode(labelled(["a"] + [f"bad{i}" for i in range(n_bad)], path="e.csv"))
    message = str(error.value)
    assert f"Received {n_bad} unknown label(s)" in message
    shown = [line for line in message.splitlines() if ": label 'bad" in line]
    assert len(shown) == MAX_ERRORS_SHOWN
    # The first ones are shown, in file order (line 2 holds "a", bad0 is on line 3).
    assert shown[0].strip() == "e.csv:3: label 'bad0'"
    assert f"'bad{MAX_ERRORS_SHOWN}'" not in message


def test_a_model_named_negative_positive_reads_0_1_labels():
    """The embedded corpus is labelled by name; SST-2 dev by 0/1 (issue 16)."""
    labels = LabelSet.infer(labelled(["positive", "negative"]))
    assert labels.aliases == {"negative": 0, "positive": 1}  # nothing about 0/1 stored
    raw = ["1", "0", "0", "positive", "NEG", "pos"]
    assert labels.encode(labelled(raw)) == [1, 0, 0, 1, 0, 1]


def test_a_model_trained_on_0_1_reads_negative_positive_labels():
    labels = LabelSet.infer(labelled(["1", "0"]))
    assert labels.encode(labelled(["negative", "positive", " Positive ", "0"])) == [0, 1, 1, 0]


def test_an_aclimdb_model_named_neg_pos_reads_0_1_and_full_names():
    labels = LabelSet.infer(labelled(["pos", "neg"]))
    assert labels.names == ("neg", "pos")
    assert labels.encode(labelled(["1", "0", "negative", "positive"])) == [1, 0, 0, 1]


def test_binary_spellings_follow_the_names_not_the_positions(tmp_path):
    # A model whose classes are stored positive first (names given in that order).
    reordered = LabelSet(("positive", "negative"), {"positive": 0, "negative": 1})
    assert reordered.encode(labelled(["0", "1", "neg"])) == [1, 0, 1]
    # Its own aliases win: trained on 0/1 with --label-names positive,negative, 0 means
    # positive, as the user said.
    explicit = LabelSet.infer(labelled(["0", "1"]), names=("positive", "negative"))
    assert explicit.encode(labelled(["0", "1", "positive"])) == [0, 1, 0]
    # A saved run's labels.json (written before this mapping existed) gets it on load.
    path = tmp_path / "labels.json"
    LabelSet.infer(labelled(["negative", "positive"])).save(path)
    assert LabelSet.load(path).encode(labelled(["0", "1"])) == [0, 1]


def test_other_binary_names_get_no_0_1_mapping():
    labels = LabelSet.infer(labelled(["good", "bad"]))
    with pytest.raises(DataError, match="Received 2 unknown label"):
        labels.encode(labelled(["0", "1"]))


def test_save_and_load_round_trip(tmp_path):
    original = LabelSet.infer(labelled(["10", "2", "1"]), names=("one", "two", "ten"))
    path = tmp_path / "labels.json"
    original.save(path)
    loaded = LabelSet.load(path)
    assert loaded == original
    sample = labelled(["1", "ten", "two", "10"])
    assert loaded.encode(sample) == original.encode(sample) == [0, 2, 1, 2]


# --- classification_metrics ------------------------------------------------------------

# Binary example worked out by hand: TP=3 (idx 0, 2, 6), FN=1 (idx 1), FP=2 (idx 4, 7),
# TN=2 (idx 3, 5) -> accuracy 5/8, precision 3/5, recall 3/4, F1 = 2*0.6*0.75/1.35 = 2/3.
BIN_TRUE = [1, 1, 1, 0, 0, 0, 1, 0]
BIN_PRED = [1, 0, 1, 0, 1, 0, 1, 1]
# Baseline: TP=3, FN=1 (idx 6), FP=0, TN=4 -> accuracy 7/8, F1 = 2*1*0.75/1.75 = 6/7.
BIN_BASE = [1, 1, 1, 0, 0, 0, 0, 0]


def test_binary_metrics_use_the_positive_class():
    result = classification_metrics(BIN_TRUE, BIN_PRED, num_classes=2)
    assert result == {
        "accuracy": 0.625,
        "precision": 0.6,
        "recall": 0.75,
        "f1": round(2 / 3, 4),
        "n": 8,
    }
    # Independently, with scikit-learn's own positive-class F1.
    assert result["f1"] == pytest.approx(skm.f1_score(BIN_TRUE, BIN_PRED, pos_label=1), abs=1e-4)
    # Not the negative class: its F1 is 2*(2/4)*(2/3)/(2/4+2/3) = 4/7.
    assert result["f1"] != pytest.approx(4 / 7, abs=1e-3)


def test_multiclass_metrics_are_macro_averaged():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    # Per class (precision, recall, F1): 0 -> (1/2, 1/2, 1/2), 1 -> (2/3, 1, 4/5),
    # 2 -> (1, 1/2, 2/3); macro = unweighted mean.
    result = classification_metrics(y_true, y_pred, num_classes=3)
    assert result["accuracy"] == round(4 / 6, 4)
    assert result["precision"] == round((1 / 2 + 2 / 3 + 1) / 3, 4)
    assert result["recall"] == round((1 / 2 + 1 + 1 / 2) / 3, 4)
    assert result["f1"] == round((1 / 2 + 4 / 5 + 2 / 3) / 3, 4)
    assert result["n"] == 6
    sk_f1 = skm.f1_score(y_true, y_pred, average="macro")
    assert result["f1"] == pytest.approx(sk_f1, abs=1e-4)
    assert result["f1"] != pytest.approx(skm.f1_score(y_true, y_pred, average="micro"), abs=1e-3)


def test_metrics_accept_numpy_and_degenerate_predictions():
    y_true = np.array([0, 1, 1, 0])
    result = classification_metrics(y_true, np.zeros(4, dtype=np.int64), num_classes=2)
    # Never predicting the positive class: precision is 0 (not a warning or NaN), F1 0.
    assert result == {"accuracy": 0.5, "precision": 0.0, "recall": 0.0, "f1": 0.0, "n": 4}


# --- format_report ---------------------------------------------------------------------


def confusion_rows(report: str, class_names) -> dict[str, list[int]]:
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    header = lines[start + 1].split()
    assert header == list(class_names)
    rows = {}
    for line in lines[start + 2 : start + 2 + len(class_names)]:
        name, *counts = line.split()
        rows[name] = [int(c) for c in counts]
    return rows


def test_report_has_confusion_matrix_rows_by_true_class_and_baseline_lines():
    names = ["negative", "positive"]
    report = format_report(BIN_TRUE, BIN_PRED, names, "validation", baseline_pred=BIN_BASE)
    assert report.splitlines()[0] == "== validation =="
    # rows: true class, columns: predicted (TN FP / FN TP)
    assert confusion_rows(report, names) == {"negative": [2, 2], "positive": [1, 3]}
    model_line = next(line for line in report.splitlines() if line.startswith("BiLSTM"))
    base_line = next(line for line in report.splitlines() if line.startswith("TF-IDF"))
    assert model_line.split()[-2:] == ["0.6250", f"{2 / 3:.4f}"]
    assert base_line.split()[-2:] == ["0.8750", f"{6 / 7:.4f}"]


def test_report_without_baseline_has_no_comparison():
    report = format_report(BIN_TRUE, BIN_PRED, ["negative", "positive"], "t")
    assert "BiLSTM" not in report and "TF-IDF" not in report
    assert "negative" in report and "0.6250" in report  # accuracy in sklearn's table


def test_report_multiclass_with_long_names_and_an_unpredicted_class():
    names = ["very_negative_sentiment", "neutral", "pos"]
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [1, 1, 1, 2, 2, 1]  # class 0 never predicted
    report = format_report(y_true, y_pred, names, "multi")
    assert confusion_rows(report, names) == {
        "very_negative_sentiment": [0, 2, 0],
        "neutral": [0, 1, 0],
        "pos": [0, 1, 2],
    }


# --- plot_confusion_matrix -------------------------------------------------------------


def test_plot_confusion_matrix_writes_a_png_and_closes_the_figure(tmp_path):
    figures_before = set(plt.get_fignums())
    path = tmp_path / "nested" / "evaluations" / "confusion.png"
    plot_confusion_matrix(BIN_TRUE, BIN_PRED, ["negative", "positive"], path, "validation")
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5_000  # a real picture, not an empty canvas
    width = int.from_bytes(data[16:20], "big")  # IHDR chunk
    height = int.from_bytes(data[20:24], "big")
    assert width >= 300 and height >= 300
    assert set(plt.get_fignums()) == figures_before


# --- TF-IDF baseline -------------------------------------------------------------------

# Sentiment words each occur in several documents (the vectorizer's min_df is 2), and
# "movie" occurs in every document so it is dropped by max_df and cannot be a cue.
POSITIVE = [
    "great movie, loved it",
    "loved this great movie",
    "wonderful movie, great cast",
    "a wonderful loved movie",
]
NEGATIVE = [
    "terrible movie, hated it",
    "hated this boring movie",
    "boring terrible movie",
    "a boring hated movie<br />terrible",
]
TOY_TEXTS = POSITIVE + NEGATIVE
TOY_LABELS = [1] * len(POSITIVE) + [0] * len(NEGATIVE)


@pytest.fixture(scope="module")
def baseline():
    return fit_baseline(TOY_TEXTS, TOY_LABELS, seed=0)


def test_baseline_separates_a_trivially_separable_set(baseline):
    assert list(baseline.predict(TOY_TEXTS)) == TOY_LABELS
    assert list(baseline.predict(["great and wonderful", "boring and terrible"])) == [1, 0]
    vocabulary = baseline.named_steps["tfidf"].vocabulary_
    assert "movie" not in vocabulary  # in 100% of documents > max_df
    assert "br" not in vocabulary  # markup is not a word


def test_strip_markup_lowercase():
    assert strip_markup_lowercase("Great<br />FILM") == "great film"


@pytest.mark.parametrize("classes", [2, 3])
def test_baseline_save_load_round_trip_predicts_identically_without_pickle(tmp_path, classes):
    labels = TOY_LABELS if classes == 2 else [2, 1, 2, 1, 0, 0, 1, 0]
    fitted = fit_baseline(TOY_TEXTS, labels, seed=0)
    path = tmp_path / "baseline.npz"
    save_baseline(fitted, path)
    with np.load(path, allow_pickle=False) as archive:  # plain arrays only: no code inside
        assert all(archive[name].dtype != object for name in archive.files)
    restored = load_baseline(path)
    probe = [*TOY_TEXTS, "loved it", "hated it", "unseen words only", "GREAT<br />boring"]
    np.testing.assert_array_equal(restored.predict(probe), fitted.predict(probe))
    np.testing.assert_array_equal(restored.predict_proba(probe), fitted.predict_proba(probe))


def test_a_baseline_with_inconsistent_arrays_is_damaged(tmp_path, baseline):
    path = tmp_path / "baseline.npz"
    save_baseline(baseline, path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    np.savez(path, **{**arrays, "idf": arrays["idf"][:-1]})
    with pytest.raises(RunFolderDamaged, match=r"run folder damaged: .*baseline.npz holds arrays"):
        load_baseline(path)


def test_baseline_is_deterministic_for_a_seed(baseline):
    again = fit_baseline(TOY_TEXTS, TOY_LABELS, seed=0)
    np.testing.assert_array_equal(
        again.named_steps["classifier"].coef_, baseline.named_steps["classifier"].coef_
    )


# --- the model against its baseline ------------------------------------------------------


def test_comparison_is_paired_and_calls_a_significant_loss_a_loss():
    # 200 examples: the baseline is right on all, the model wrong on 20 of them and right
    # on none the baseline missed, so McNemar's exact p is 2 * 0.5**20 and the model loses.
    y_true = np.array([0, 1] * 100)
    baseline = y_true.copy()
    model = y_true.copy()
    model[:20] = 1 - model[:20]
    result = compare_with_baseline(y_true, model, baseline)
    assert result["verdict"] == "loses"
    assert result["difference"] == pytest.approx(-0.10)
    assert (result["only_model_right"], result["only_baseline_right"]) == (0, 20)
    assert result["mcnemar_p"] == pytest.approx(round(2 * 0.5**20, 4))
    assert result["model_se"] == pytest.approx(round((0.9 * 0.1 / 200) ** 0.5, 4))
    text = describe_comparison(result)
    assert "10.00 points below" in text and "LOSES to the baseline" in text
    assert "p < 0.0001" in text  # 2 * 0.5**20 would print as p = 0.0000


def test_comparison_calls_a_small_difference_a_tie_and_a_clear_gain_a_win():
    y_true = np.array([0, 1] * 100)
    baseline = y_true.copy()
    baseline[:3] = 1 - baseline[:3]
    model = y_true.copy()
    model[10:12] = 1 - model[10:12]
    tie = compare_with_baseline(y_true, model, baseline)  # 3 vs 2 discordant: noise
    assert tie["verdict"] == "ties" and tie["difference"] == pytest.approx(0.005)
    assert "a tie within noise" in describe_comparison(tie)
    baseline[:40] = 1 - y_true[:40]
    win = compare_with_baseline(y_true, model, baseline)
    assert win["verdict"] == "wins" and "beats the baseline" in describe_comparison(win)


def test_report_with_a_baseline_states_the_verdict():
    report = format_report(
        BIN_TRUE, BIN_PRED, ["negative", "positive"], "v", baseline_pred=BIN_BASE
    )
    assert "McNemar" in report and "below the baseline" in report
