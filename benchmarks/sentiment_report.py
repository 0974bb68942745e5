"""The sentiment section's tables, targets and plot, from its raw results alone (so saved
results re-render without training again)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.accuracy_trace import TracePoint, seconds_to_reach
from benchmarks.context import BenchContext, cpu_cores
from benchmarks.plotting import new_figure, save_figure
from benchmarks.report import Section, Table, ratio
from shared.evaluation.paired_comparison import describe_comparison

# Targets from the issue that set them, reported as met / not met. The presets were chosen
# on these same validation splits (BENCHMARKS.md says so): a held-out test set would be
# the stricter judge.
TARGETS = {"sst2": 0.88, "imdb": 0.915}
TRAINING_BUDGET_SECONDS = 30 * 60
REFERENCE_TIME_TARGET = 0.5


def accuracy_plot(context: BenchContext, results: dict) -> Path:
    """Validation accuracy vs training seconds: ours, the recipe, the baseline, the target."""
    names = list(results)
    figure, axes_row = new_figure(width=6.0 * len(names), height=4.2, columns=len(names))
    for name, axes in zip(names, axes_row, strict=True):
        result = results[name]
        for label, trace, style in (
            (f"ours ({result['ours']['preset']})", result["ours"]["trace"], "o-"),
            ("keras.io recipe", result["reference"]["trace"], "s--"),
        ):
            axes.plot(
                [p["seconds"] for p in trace], [p["accuracy"] for p in trace], style, label=label
            )
        axes.axhline(
            result["baseline"]["accuracy"], color="gray", linestyle=":", label="TF-IDF + LR"
        )
        if name in TARGETS:
            axes.axhline(TARGETS[name], color="red", linestyle="-.", alpha=0.6, label="target")
        axes.set_title(result["description"])
        axes.set_xlabel(f"training seconds ({cpu_cores()} CPU cores)")
        axes.set_ylabel("validation accuracy")
        axes.legend(loc="lower right")
    return save_figure(figure, context.plot_path("sentiment_accuracy_vs_time.png"))


def reach_seconds(points: list[dict], accuracy: float) -> float | None:
    """`seconds_to_reach` on a trace saved as dicts (results JSON)."""
    return seconds_to_reach([TracePoint(**p) for p in points], accuracy)


def section_from_results(results: dict, notes: list[str]) -> Section:
    """The tables of the section, from the raw results alone (so saved results re-render)."""
    section = Section("sentiment", "Sentiment: accuracy and training cost", notes=list(notes))
    section.results = results
    if not results:
        return section

    accuracy_rows, cost_rows, target_rows = [], [], []
    for name, r in results.items():
        ours, reference, baseline = r["ours"], r["reference"], r["baseline"]
        accuracy_rows += [
            [
                r["description"],
                f"ours (`{ours['preset']}` preset)",
                ours["accuracy"],
                ours["train_seconds"],
                ratio(ours["train_seconds"], reference["train_seconds"]),
            ],
            [
                r["description"],
                "keras.io BiLSTM recipe",
                reference["accuracy"],
                reference["train_seconds"],
                "1.00x",
            ],
            [
                r["description"],
                "TF-IDF + logistic regression",
                baseline["accuracy"],
                baseline["fit_seconds"],
                ratio(baseline["fit_seconds"], reference["train_seconds"]),
            ],
        ]
        reach = reach_seconds(ours["trace"], reference["accuracy"])
        # The recipe's last epoch is what it hands users; its best sampled point is the
        # harder bar (it peaked mid-run on IMDB), so both are shown.
        best = max(p["accuracy"] for p in reference["trace"])
        reach_best = reach_seconds(ours["trace"], best)
        cost_rows.append(
            [
                r["description"],
                reference["accuracy"],
                reach,
                ratio(reach, reference["train_seconds"]),
                best,
                reach_best,
                ratio(reach_best, reference["train_seconds"]),
                r["ours_tokens_per_second"],
                r["reference_tokens_per_second"],
                ratio(r["ours_tokens_per_second"], r["reference_tokens_per_second"]),
            ]
        )
        if name in TARGETS:
            target_rows.append(
                [
                    f"{r['description']}: accuracy >= {TARGETS[name]}",
                    ours["accuracy"],
                    "yes" if ours["accuracy"] >= TARGETS[name] else "**no**",
                ]
            )
        target_rows.append(
            [
                f"{r['description']}: training <= 30 min",
                ours["train_seconds"],
                "yes" if ours["train_seconds"] <= TRAINING_BUDGET_SECONDS else "**no**",
            ]
        )
        reach_ratio = reach / reference["train_seconds"] if reach is not None else None
        target_rows.append(
            [
                f"{r['description']}: reach the recipe's accuracy in <= 0.5x its time",
                ratio(reach, reference["train_seconds"]),
                "yes"
                if reach_ratio is not None and reach_ratio <= REFERENCE_TIME_TARGET
                else "**no**",
            ]
        )
    section.tables = [
        Table(
            ["data", "model", "validation accuracy", "training s", "time vs recipe"],
            accuracy_rows,
            "Accuracy on the validation split and training wall time (fit only; the "
            "baseline's is its scikit-learn fit):",
        ),
        Table(
            [
                "data",
                "recipe accuracy",
                "ours: s to reach it",
                "vs recipe's time",
                "recipe's best point",
                "ours: s to reach that",
                "vs recipe's time",
                "ours tokens/s",
                "recipe tokens/s",
                "ratio",
            ],
            cost_rows,
            "Training cost. Tokens are real (non-padding) tokens fed per second of "
            "training; the recipe also spends time on the padding it feeds:",
        ),
        Table(["target", "measured", "met"], target_rows, "Targets:"),
    ]
    section.notes.append(
        "Validation accuracy is sampled 8 times per epoch (4 in quick runs) without "
        "stopping the clock for anything but the sampling itself."
    )
    last = ", ".join(
        f"{r['description']}: {r['ours']['trace'][-1]['accuracy']:.4f}" for r in results.values()
    )
    section.notes.append(
        "Ours is the epoch with the lowest validation loss, picked on the same split it is "
        "scored on, and its preset was tuned there too; the recipe keeps its last epoch, as "
        f"the example does. Ours at its last epoch instead: {last}."
    )
    for r in results.values():
        # The run's own paired comparison on the same validation examples: a loss is
        # called a loss, and a difference within noise a tie.
        if r["ours"].get("comparison"):
            verdict = describe_comparison(r["ours"]["comparison"], "ours").replace("\n", "; ")
            section.notes.append(f"{r['description']}, against its in-run baseline: {verdict}.")
    return section
