"""Translation quality with sacrebleu: corpus BLEU and chrF, as papers report them."""

from __future__ import annotations

from sacrebleu.metrics import BLEU, CHRF


def translation_scores(hypotheses: list[str], references: list[str]) -> dict[str, float | str]:
    """Corpus BLEU (13a tokenisation, case-sensitive) and chrF, one reference per sentence.

    Returns:
        `{"bleu": ..., "chrf": ..., "signature": ...}`; the signature is sacrebleu's
        record of the BLEU settings, so the number can be compared with others.
    """
    bleu, chrf = BLEU(), CHRF()
    bleu_score = bleu.corpus_score(hypotheses, [references])
    chrf_score = chrf.corpus_score(hypotheses, [references])
    return {
        "bleu": round(bleu_score.score, 2),
        "chrf": round(chrf_score.score, 2),
        "signature": str(bleu.get_signature()),
    }
