"""Classification metrics and a readable report, computed by scikit-learn."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from sklearn import metrics

from shared.evaluation.paired_comparison import compare_with_baseline, describe_comparison

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def classification_metrics(y_true, y_pred, num_classes: int) -> dict[str, float | int]:
    """Accuracy, precision, recall and F1 (of the positive class when binary, else macro)."""
    average = "binary" if num_classes == 2 else "macro"
    precision, recall, f1, _ = metrics.precision_recall_fscore_support(
        y_true,
        y_pred,
        average=average,
        labels=list(range(num_classes)) if average == "macro" else None,
        zero_division=0,
    )
    return {
        "accuracy": round(float(metrics.accuracy_score(y_true, y_pred)), 4),
        "precision": round(float(precision), 4),
        "recall": round(float(recall), 4),
        "f1": round(float(f1), 4),
        "n": int(len(y_true)),
    }


def format_report(y_true, y_pred, class_names: list[str], title: str, baseline_pred=None) -> str:
    """Per-class table, confusion matrix and (optionally) the baseline beside the model."""
    labels = list(range(len(class_names)))
    lines = [f"== {title} ==", ""]
    lines.append(
        metrics.classification_report(
            y_true, y_pred, labels=labels, target_names=class_names, digits=4, zero_division=0
        )
    )
    matrix = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    width = max(8, *(len(n) for n in class_names)) + 2
    lines.append("confusion matrix (rows: true, columns: predicted)")
    lines.append(" " * width + "".join(n.rjust(width) for n in class_names))
    for name, row in zip(class_names, matrix, strict=True):
        lines.append(name.rjust(width) + "".join(str(v).rjust(width) for v in row))
    if baseline_pred is not None:
        model = classification_metrics(y_true, y_pred, len(class_names))
        base = classification_metrics(y_true, baseline_pred, len(class_names))
        lines += ["", f"{'':28}{'accuracy':>10}{'f1':>10}"]
        lines.append(f"{'BiLSTM (this model)':28}{model['accuracy']:>10.4f}{model['f1']:>10.4f}")
        lines.append(f"{'TF-IDF + logistic regr.':28}{base['accuracy']:>10.4f}{base['f1']:>10.4f}")
        lines += ["", describe_comparison(compare_with_baseline(y_true, y_pred, baseline_pred))]
    return "\n".join(lines) + "\n"


def plot_confusion_matrix(y_true, y_pred, class_names: list[str], path: Path, title: str) -> None:
    """Writes the confusion matrix (counts, row-normalised colours) as a PNG."""
    fig, ax = plt.subplots(figsize=(1.2 * len(class_names) + 3, 1.2 * len(class_names) + 2.5))
    metrics.ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=list(range(len(class_names))),
        display_labels=class_names,
        ax=ax,
        colorbar=False,
        cmap="Blues",
    )
    ax.set_title(title)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
