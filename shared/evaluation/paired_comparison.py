"""The model against its baseline on the same examples: difference, standard errors, verdict.

Both classifiers are scored on one set of examples, so the honest test of "which is better"
is paired: McNemar's exact test on the examples where exactly one of them is right. A
difference smaller than its noise is reported as a tie, and a loss is called a loss.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

SIGNIFICANCE_LEVEL = 0.05


def accuracy_standard_error(accuracy: float, n: int) -> float:
    """Binomial standard error of an accuracy measured on `n` examples."""
    return math.sqrt(max(accuracy * (1.0 - accuracy), 0.0) / n) if n else float("nan")


def compare_with_baseline(y_true, model_pred, baseline_pred) -> dict:
    """Accuracy of both, their standard errors, the paired difference and a verdict.

    Returns:
        A dict with `model_accuracy`, `baseline_accuracy`, `model_se`, `baseline_se`,
        `difference` (model minus baseline, in accuracy units), `only_model_right`,
        `only_baseline_right`, `mcnemar_p` (exact, two-sided) and `verdict`: one of
        "wins", "loses" or "ties" (no significant difference at the 5% level).
    """
    y_true, model_pred, baseline_pred = (np.asarray(a) for a in (y_true, model_pred, baseline_pred))
    n = int(len(y_true))
    model_right = model_pred == y_true
    baseline_right = baseline_pred == y_true
    only_model = int(np.sum(model_right & ~baseline_right))
    only_baseline = int(np.sum(baseline_right & ~model_right))
    discordant = only_model + only_baseline
    p_value = binomtest(only_model, discordant, 0.5).pvalue if discordant else 1.0
    model_accuracy = float(model_right.mean()) if n else float("nan")
    baseline_accuracy = float(baseline_right.mean()) if n else float("nan")
    if p_value >= SIGNIFICANCE_LEVEL:
        verdict = "ties"
    else:
        verdict = "wins" if only_model > only_baseline else "loses"
    return {
        "model_accuracy": round(model_accuracy, 4),
        "baseline_accuracy": round(baseline_accuracy, 4),
        "model_se": round(accuracy_standard_error(model_accuracy, n), 4),
        "baseline_se": round(accuracy_standard_error(baseline_accuracy, n), 4),
        "difference": round(model_accuracy - baseline_accuracy, 4),
        "only_model_right": only_model,
        "only_baseline_right": only_baseline,
        "mcnemar_p": round(float(p_value), 4),
        "verdict": verdict,
        "n": n,
    }


def format_p_value(p_value: float) -> str:
    """`p = 0.0123`, or `p < 0.0001` where four decimals would print a misleading zero."""
    return "p < 0.0001" if p_value < 0.0001 else f"p = {p_value:.4f}"


def describe_comparison(comparison: dict, model_name: str = "the BiLSTM") -> str:
    """One or two readable lines: who is ahead, by how much, and whether it is noise."""
    points = 100 * comparison["difference"]
    direction = "above" if points > 0 else "below" if points < 0 else "level with"
    amount = f"{abs(points):.2f} points " if points else ""
    verdict = {
        "wins": f"{model_name} beats the baseline",
        "loses": f"{model_name} LOSES to the baseline",
        "ties": "no significant difference (a tie within noise)",
    }[comparison["verdict"]]
    return (
        f"{model_name} is {amount}{direction} the baseline "
        f"({comparison['model_accuracy']:.4f} ± {comparison['model_se']:.4f} vs "
        f"{comparison['baseline_accuracy']:.4f} ± {comparison['baseline_se']:.4f}, "
        f"n={comparison['n']:,}, ± one standard error)\n"
        f"paired test (McNemar, exact): {comparison['only_model_right']} examples only "
        f"{model_name} got right, {comparison['only_baseline_right']} only the baseline, "
        f"{format_p_value(comparison['mcnemar_p'])}: {verdict}"
    )
