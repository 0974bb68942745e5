"""Tests for the metrics, the text report and the confusion-matrix plot."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import metrics as skm

from shared.evaluation.classification_report import (
    classification_metrics,
    format_report,
    plot_confusion_matrix,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


def test_report_with_a_baseline_states_the_verdict():
    report = format_report(
        BIN_TRUE, BIN_PRED, ["negative", "positive"], "v", baseline_pred=BIN_BASE
    )
    assert "McNemar" in report and "below the baseline" in report
