"""Checks of a phone model's whole-loop decoding signatures (`greedy`, `beam_search`).

Such a signature takes `source_ids [1, length]` and returns `target_ids [1, max_length]`,
the whole decoding loop in one call (the phone interface is `shared.edge.translation`).
Each check (a `verification.ModelCheck`) runs the signature on a few sources:
- float32 must give TensorFlow's ids exactly;
- a quantised variant is compared with its own `encode` and `decode_step` driving the
  runner's numpy decoding (`shared.edge.decoding`, through `stepwise_greedy` and
  `stepwise_beam_search`), which the runner uses for batches: the two may part only where
  that decoding chose between candidates within `PROBE_TOLERANCE[variant]` (relative) of
  a tie.
A failure raises `LoopSignatureError` naming the signature, so an export can leave just
that signature out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from shared.edge import decoding as numpy_decoding  # what the runner decodes with
from shared.edge import translation as phone  # the model's interface
from shared.edge.runtime import LiteModel
from shared.export.tflite import TFLiteExportError
from shared.export.tflite.verification import PROBE_TOLERANCE, ModelCheck
from shared.ids import BANNED_IDS

# `(variant, model, source ids, the signature's ids) -> tokens differing after near ties`,
# raising `LoopSignatureError` for a real difference.
QuantisedComparison = Callable[[str, LiteModel, np.ndarray, np.ndarray], int]


class LoopSignatureError(TFLiteExportError):
    """A whole-loop signature (`greedy`, `beam_search`) decodes otherwise than it should.

    Attributes:
        signature: the signature's name, so the export can drop just that one.
    """

    def __init__(self, signature: str, message: str):
        super().__init__(message)
        self.signature = signature


def loop_signature_check(
    signature: str,
    sources: Sequence[np.ndarray],
    expected: Sequence[np.ndarray],
    compare_quantised: QuantisedComparison,
) -> ModelCheck:
    """The check of one loop signature: TensorFlow's `expected` ids exactly for float32,
    `compare_quantised` for the other variants. A model without the signature passes.

    Returns:
        `(variant, content) -> {"<signature>/target_ids": tokens differing after near ties}`.
    """

    def check(variant: str, content: bytes) -> dict[str, float]:
        model = LiteModel(content, num_threads=1)
        if signature not in model.signature_keys:
            return {}
        differing = 0
        for source, tf_ids in zip(sources, expected, strict=True):
            ids = model.run(signature, **{phone.SOURCE_IDS: source})[phone.TARGET_IDS]
            if variant != "float32":
                differing += compare_quantised(variant, model, source, ids)
            elif not np.array_equal(ids, tf_ids):
                raise LoopSignatureError(
                    signature,
                    f"Expected the float32 model's {signature!r} signature to give "
                    f"TensorFlow's ids for source {source.tolist()}: {tf_ids.tolist()}. "
                    f"Received: {ids.tolist()}",
                )
        return {f"{signature}/{phone.TARGET_IDS}": float(differing)}

    return check


def _tensorflow_ids(function, sources: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [function(tf.constant(ids))[phone.TARGET_IDS].numpy() for ids in sources]


def _stepper(model: LiteModel, names: Sequence[str], log=None):
    """The model's `decode_step` as a numpy step function over named states."""

    def step(tokens, states):
        outputs = model.run(phone.DECODE_STEP, **{phone.TOKENS: tokens}, **states)
        if log is not None:
            log.append(numpy_decoding.ban_tokens(outputs[phone.LOGITS], BANNED_IDS))
        return outputs[phone.LOGITS], {name: outputs[name] for name in names}

    return step


def _initial_states(model: LiteModel, source_ids: np.ndarray, names: Sequence[str]) -> dict:
    states = model.run(phone.ENCODE, **{phone.SOURCE_IDS: source_ids})
    return {name: states[name] for name in names}


def stepwise_greedy(
    model: LiteModel, source_ids: np.ndarray, names: Sequence[str], max_length: int
):
    """Greedy decoding of one source with the model's `encode` and `decode_step`, in numpy
    (`shared.edge.decoding.greedy_search`).

    Returns:
        `(ids int32 [1, max_length], logits)`: `logits[t]` the banned-adjusted logits
        `[1, vocab]` of step `t`.
    """
    logged = []
    ids = numpy_decoding.greedy_search(
        _stepper(model, names, logged),
        _initial_states(model, source_ids, names),
        1,
        max_length,
        BANNED_IDS,
        numpy_decoding.is_empty_source(source_ids),
    )
    return ids, logged


def greedy_check(
    greedy_function, sources: Sequence[np.ndarray], names: Sequence[str], max_length: int
) -> ModelCheck:
    """The check of the `greedy` signature on `sources`.

    A quantised variant may part from its own `stepwise_greedy` only at a step where the
    token the signature chose is within `PROBE_TOLERANCE[variant]` (relative) of the best
    logit.

    Args:
        greedy_function: the TensorFlow `greedy` endpoint (`source_ids -> target_ids`).
        sources: source ids `[1, length]` to decode.
        names: the model's state names (`decode_step` inputs and outputs).
        max_length: the signature's `max_target_length`.
    """

    def compare(variant: str, model: LiteModel, source: np.ndarray, ids: np.ndarray) -> int:
        reference, logits = stepwise_greedy(model, source, names, max_length)
        parted = np.flatnonzero(ids[0] != reference[0])
        if not parted.size:
            return 0
        t = int(parted[0])
        row = logits[t][0] if t < len(logits) else None
        allowed = (
            PROBE_TOLERANCE[variant] * max(1.0, float(np.abs(row).max()))
            if row is not None
            else 0.0
        )
        if row is None or row.max() - row[ids[0, t]] > allowed:
            raise LoopSignatureError(
                phone.GREEDY,
                f"Expected the {variant} model's {phone.GREEDY!r} signature to decode source "
                f"{source.tolist()} as its {phone.DECODE_STEP!r} does step by step: "
                f"{reference.tolist()}. Received: {ids.tolist()}, parting at step {t} "
                "where no two tokens tie.",
            )
        return int(parted.size)

    return loop_signature_check(
        phone.GREEDY, sources, _tensorflow_ids(greedy_function, sources), compare
    )


def smallest_margin(values: np.ndarray, kept: int) -> float:
    """How close a top-`kept` choice came to a tie: over the rows of `values [n, m]`, the
    smallest gap between the `kept`-th and the next largest value, relative to
    `max(1, |kept-th value|)`."""
    top = -np.sort(-values.astype(np.float64), axis=-1)[:, : kept + 1]
    gap = top[:, kept - 1] - top[:, kept]
    return float(np.min(gap / np.maximum(1.0, np.abs(top[:, kept - 1]))))


def stepwise_beam_search(
    model: LiteModel,
    source_ids: np.ndarray,
    names: Sequence[str],
    max_length: int,
    beam_width: int,
    alpha: float,
):
    """Beam search of one source with the model's `encode` and `decode_step`, in numpy
    (`shared.edge.decoding.beam_search`, as the runner does for batches).

    Returns:
        `(ids int32 [1, max_length], margin)`: `margin` is the closest any choice came to a
        tie (`smallest_margin`): the `beam_width` candidates kept at every step, and the
        best final beam; inf when nothing was chosen (an empty source).
    """
    margins = [np.inf]
    ids, _ = numpy_decoding.beam_search(
        _stepper(model, names),
        _initial_states(model, source_ids, names),
        1,
        max_length,
        beam_width,
        alpha,
        BANNED_IDS,
        numpy_decoding.is_empty_source(source_ids),
        observe=lambda values, kept: margins.append(smallest_margin(values, kept)),
    )
    return ids, min(margins)


def beam_search_check(
    beam_search_function,
    sources: Sequence[np.ndarray],
    names: Sequence[str],
    max_length: int,
    beam_width: int,
    alpha: float,
) -> ModelCheck:
    """The check of the `beam_search` signature on `sources`.

    A quantised variant may part from its own `stepwise_beam_search` only if that search
    met a near tie: a kept candidate or the best final beam within
    `PROBE_TOLERANCE[variant]` (relative) of the next one.

    Args:
        beam_search_function: the TensorFlow `beam_search` endpoint.
        sources, names, max_length: as `greedy_check`.
        beam_width, alpha: the signature's beam width and length penalty.
    """

    def compare(variant: str, model: LiteModel, source: np.ndarray, ids: np.ndarray) -> int:
        reference, margin = stepwise_beam_search(
            model, source, names, max_length, beam_width, alpha
        )
        parted = int(np.sum(ids != reference))
        if parted and margin > PROBE_TOLERANCE[variant]:
            raise LoopSignatureError(
                phone.BEAM_SEARCH,
                f"Expected the {variant} model's {phone.BEAM_SEARCH!r} signature to decode "
                f"source {source.tolist()} as its {phone.DECODE_STEP!r} does in the numpy beam "
                f"search: {reference.tolist()}. Received: {ids.tolist()}, though no two "
                f"candidates came within {PROBE_TOLERANCE[variant]:g} (relative) of a "
                f"tie (closest: {margin:.3g}).",
            )
        return parted

    expected = _tensorflow_ids(beam_search_function, sources)
    return loop_signature_check(phone.BEAM_SEARCH, sources, expected, compare)
