"""Tests for the paired comparison of a model with its baseline (McNemar)."""

import numpy as np
import pytest

from shared.evaluation.paired_comparison import compare_with_baseline, describe_comparison

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
