"""One report for train and evaluate: the BiLSTM beside the TF-IDF baseline."""

from __future__ import annotations

from pathlib import Path

from apps.sentiment.inference import SentimentPredictor
from shared.evaluation.classification_report import (
    classification_metrics,
    format_report,
    plot_confusion_matrix,
)
from shared.evaluation.paired_comparison import compare_with_baseline
from shared.progress import ProgressLine


def evaluate_and_report(
    predictor: SentimentPredictor,
    baseline,
    texts: list[str],
    label_ids: list[int],
    title: str,
    confusion_png: Path,
) -> tuple[dict, str]:
    """Scores the model and the baseline (None: the model alone) on the same examples.

    Returns:
        `(metrics, report_text)`: metrics has accuracy/precision/recall/f1/n for the model
        and, with a baseline, a `baseline` entry with the same keys and a `comparison`
        entry (difference, standard errors, McNemar p, verdict); the text is the readable
        report.
    """
    names = list(predictor.trained.labels.names)
    progress = ProgressLine("scoring the BiLSTM", len(texts), "texts")  # on stderr
    probabilities, token_counts = predictor.predict(texts, progress=progress)
    progress.close()
    predicted = probabilities.argmax(axis=-1)
    metrics = classification_metrics(label_ids, predicted, len(names))
    baseline_predicted = None if baseline is None else baseline.predict(texts)
    if baseline_predicted is not None:
        metrics["baseline"] = {
            "model": "tfidf_logistic_regression",
            **{
                k: v
                for k, v in classification_metrics(
                    label_ids, baseline_predicted, len(names)
                ).items()
                if k != "n"
            },
        }
        metrics["comparison"] = compare_with_baseline(label_ids, predicted, baseline_predicted)
    text = format_report(label_ids, predicted, names, title, baseline_pred=baseline_predicted)
    plot_confusion_matrix(label_ids, predicted, names, confusion_png, title)
    text += f"confusion matrix plot: {confusion_png}\n"
    max_length = predictor.trained.config.max_length
    truncated = int((token_counts > max_length).sum())
    if truncated:
        # The baseline reads whole texts; the BiLSTM only its first (or last) max_length
        # tokens. Say so, since it matters when comparing the two.
        text += (
            f"note: {truncated} of {len(texts)} texts had more than {max_length} tokens; "
            f"the BiLSTM read {max_length} of them (--truncate-from "
            f"{predictor.trained.config.truncate_from}).\n"
        )
    return metrics, text
