"""One report for train and evaluate: BLEU and chrF (sacrebleu), greedy and beam."""

from __future__ import annotations

import time

from apps.translation.translator import Translator
from shared.evaluation.translation_metrics import translation_scores
from shared.progress import ProgressLine

EXAMPLES_SHOWN = 8


def evaluate_translations(
    translator: Translator, sources: list[str], references: list[str], title: str
) -> tuple[dict, str]:
    """Translates `sources` greedily and with the run's beam, and scores both.

    Returns:
        `(metrics, report_text)`. Metrics hold the beam figures at top level (`bleu`,
        `chrf`, `beam`, `n`) plus `greedy` and speeds in sentences per second.
    """
    beam_width = translator.trained.config.beam_width
    results = {}
    for width in dict.fromkeys((1, beam_width)):
        translator.translate(sources[:2], beam_width=width)  # trace outside the timing
        name = "greedy" if width == 1 else f"beam {width}"
        progress = ProgressLine(f"translating ({name})", len(sources), "sentences")  # stderr
        started = time.monotonic()
        hypotheses, counts = translator.translate(sources, beam_width=width, progress=progress)
        seconds = time.monotonic() - started
        progress.close()
        scores = translation_scores(hypotheses, references)
        signature = scores.pop("signature")
        results[width] = (hypotheses, scores, seconds)
    beam_hypotheses, beam_scores, beam_seconds = results[beam_width]
    _, greedy_scores, greedy_seconds = results[1]
    metrics = {
        **beam_scores,
        "n": len(sources),
        "beam": beam_width,
        "bleu_signature": signature,
        "greedy": greedy_scores,
        "sentences_per_second": {
            "greedy": round(len(sources) / greedy_seconds, 1),
            f"beam{beam_width}": round(len(sources) / beam_seconds, 1),
        },
    }
    lines = [f"== {title} ==", "", f"{'decoding':<12}{'BLEU':>8}{'chrF':>8}{'sent/s':>10}"]
    for width, (_, scores, seconds) in results.items():
        name = "greedy" if width == 1 else f"beam {width}"
        lines.append(
            f"{name:<12}{scores['bleu']:>8.2f}{scores['chrf']:>8.2f}{len(sources) / seconds:>10.1f}"
        )
    lines += ["", f"sacrebleu: {signature}", "", "examples (beam):"]
    for source, reference, hypothesis in list(
        zip(sources, references, beam_hypotheses, strict=True)
    )[:EXAMPLES_SHOWN]:
        lines += [
            f"  source:    {source}",
            f"  reference: {reference}",
            f"  output:    {hypothesis}",
            "",
        ]
    max_length = translator.trained.config.max_source_length
    truncated = int((counts > max_length).sum())
    if truncated:
        lines.append(
            f"note: {truncated} source(s) had more than {max_length} subword tokens and "
            "were truncated."
        )
    return metrics, "\n".join(lines) + "\n"
