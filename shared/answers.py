"""One answer schema for every inference path: CLI, Python API and phone runner.

Pure Python (no numpy, no TensorFlow), so the phone runner (`shared.edge`) uses it too.
Every path builds its answers here, so field names and rounding cannot drift apart:

- sentiment: `{"label": str, "score": float, "probabilities": {label: float, ...}}`;
  `score` is the probability of `label` (the most probable class, the first on a tie).
- translation: `{"translation": str, "beam": int}`; `beam` is the beam width used
  (1 = greedy). With n-best output (`translate --n-best K`) it also holds
  `"n_best": [{"translation": str, "score": float}, ...]`: the K best beam hypotheses,
  best first (the first is `translation`); `score` is the length-normalised
  log-probability beam search ranks by (<= 0; higher is better), rounded as below.

Probabilities are rounded to `DECIMALS` places (more is noise for a classifier: float32
logits, and the export variants already differ in the 4th-5th place). The command lines
put `"text": <the input>` first; the Python API answers without it.
"""

from __future__ import annotations

from collections.abc import Sequence

DECIMALS = 4


def text_batch(texts: str | Sequence[str], what: str = "texts") -> tuple[list[str], bool]:
    """The inputs of an API call as a list, and whether a single string was given.

    Raises a clear error for what would otherwise fail deep inside the graph: a value
    that is not a string, or a text with nothing but white space (the command lines
    answer those with an `error` line instead).
    """
    single = isinstance(texts, str)
    batch = [texts] if single else list(texts)
    wrong = [type(t).__name__ for t in batch if not isinstance(t, str)]
    if wrong:
        raise TypeError(
            f"Expected {what} as str. Received {len(wrong)} other value(s), e.g. {wrong[0]}."
        )
    blank = [i for i, text in enumerate(batch) if not text.strip()]
    if blank:
        raise ValueError(
            f"Expected {what} with at least one non-space character. Received "
            f"{len(blank)} empty or blank one(s), at index {blank[:5]}."
        )
    return batch, single


def rounded(value: float) -> float:
    """A probability as every answer shows it."""
    return round(float(value), DECIMALS)


def sentiment_answer(probabilities: Sequence[float], labels: Sequence[str]) -> dict:
    """The answer for one text.

    Args:
        probabilities: one row of class probabilities (a list or numpy row).
        labels: the class names, `labels[i]` for `probabilities[i]`.

    Returns:
        `{"label": ..., "score": ..., "probabilities": {...}}`.

    Example:
        >>> sentiment_answer([0.0312, 0.96881], ["negative", "positive"])["score"]
        0.9688
    """
    values = [float(p) for p in probabilities]
    if len(values) != len(labels) or not values:
        raise ValueError(
            f"Expected one probability per label ({len(labels)}: {list(labels)}). "
            f"Received {len(values)}."
        )
    best = max(range(len(values)), key=values.__getitem__)  # first maximum, as argmax
    return {
        "label": labels[best],
        "score": rounded(values[best]),
        "probabilities": {name: rounded(p) for name, p in zip(labels, values, strict=True)},
    }


def translation_answer(
    translation: str, beam: int, n_best: Sequence[tuple[str, float]] | None = None
) -> dict:
    """The answer for one sentence: `{"translation": ..., "beam": ...}`.

    Args:
        translation: the best translation.
        beam: the beam width used.
        n_best: optional `(translation, score)` hypotheses, best first; adds `"n_best"`.

    Example:
        >>> translation_answer("Hi.", 4, [("Hi.", -0.12345), ("Hello.", -0.5)])["n_best"][0]
        {'translation': 'Hi.', 'score': -0.1235}
    """
    answer = {"translation": translation, "beam": int(beam)}
    if n_best is not None:
        answer["n_best"] = [{"translation": t, "score": rounded(score)} for t, score in n_best]
    return answer
