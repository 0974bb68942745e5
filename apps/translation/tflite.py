"""Translation run -> builtins-only `.tflite` models (three precisions) and `metadata.json`.

One model per variant with these signatures (all ids int32, states float32):
- `encode`: `source_ids [1, length]` (dynamic length; masked padding is exact) -> the
  decoder's initial states, one named output per state (`state_names`);
- `decode_step`: `tokens [n]` plus the states `[n, units]` -> `logits [n, vocabulary]`
  and the new states under the same names. `n` is dynamic (no `WHILE` loop here), so one
  signature serves greedy (`n` = sentences) and beam search (`n` = sentences x beams);
- `greedy` (when it converts): `source_ids [1, length]` -> `target_ids [1,
  max_target_length]`, the whole greedy loop (`shared.decoding.greedy_decode`) in one call.
  An all-`[PAD]` source (an empty text) is finished from the start and gives only `[PAD]`
  (an empty translation), as `apps.translation.translator.Translator` does;
- `beam_search` (when it converts, and the export's beam width is above 1): the same for
  the whole beam search (`shared.decoding.beam_search_decode`) at the export's beam width
  (metadata's `beam_width`, also recorded as `beam_search_width`) and length penalty.
Decoding semantics live in `shared/decoding`; `shared/edge/translation.py` reproduces them
in numpy on top of `decode_step`, and defines the names used here.

Every variant is checked at export: `encode` and `decode_step` against Keras on probe
inputs (a long repetitive source among them), and the `greedy` and `beam_search` signatures
on a few sources, an empty one included: the float32 model must give TensorFlow's ids
exactly; a quantised one must agree with its own `decode_step` run step by step in numpy,
diverging at most where two candidates' scores tie within the variant's tolerance.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from shared.decoding import beam_search_decode, greedy_decode
from shared.edge.metadata import (
    DEFAULT_VARIANT,
    METADATA_FILE,
    VARIANTS,
    add_model_files,
    new_metadata,
    write_metadata,
)
from shared.edge.runtime import VARIABLE_RESET_CALLS, LiteModel, has_variable_tensors
from shared.edge.translation import (
    APP,
    BANNED_IDS,
    BEAM_SEARCH,
    DECODE_STEP,
    ENCODE,
    FILE_PATTERN,
    GREEDY,
    LOGITS,
    SOURCE_IDS,
    TARGET_IDS,
    TOKENS,
    ban_tokens,
    beam_search,
    greedy_search,
    is_empty_source,
)
from shared.export.progress import stage
from shared.export.tflite import (
    PROBE_TOLERANCE,
    Probe,
    TFLiteExportError,
    common_tensor_name,
    convert_variants,
    save_endpoints,
    write_variants,
)
from shared.ids import END_ID, PAD_ID, START_ID, UNK_ID

STATE_KINDS = {"lstm": ("hidden", "carry"), "gru": ("hidden",), "simple_rnn": ("hidden",)}


def state_names(decoder) -> list[str]:
    """Flat names of the decoder's states, layer by layer: `layer_0_hidden`, ..."""
    return [
        f"layer_{layer}_{kind}"
        for layer in range(decoder.num_layers)
        for kind in STATE_KINDS[decoder.cell]
    ]


class LoopSignatureError(TFLiteExportError):
    """A whole-loop signature (`greedy`, `beam_search`) decodes otherwise than it should.

    Attributes:
        signature: the signature's name, so the export can drop just that one.
    """

    def __init__(self, signature: str, message: str):
        super().__init__(message)
        self.signature = signature


def translation_functions(
    trained: TrainedTranslator, include_greedy: bool = True, beam_width: int | None = None
) -> dict:
    """The traced endpoints: signature name -> `tf.function` with named inputs/outputs.

    Args:
        trained: a loaded translation run.
        include_greedy: add the whole-loop `greedy` signature.
        beam_width: add the whole-loop `beam_search` signature at this width (None or 1:
            none; width 1 is greedy decoding).
    """
    encoder = trained.model.get_layer("encoder")
    bridge = trained.model.get_layer("bridge")
    decoder = trained.model.get_layer("decoder")
    names = state_names(decoder)
    per_layer = len(STATE_KINDS[decoder.cell])
    source_spec = tf.TensorSpec([1, None], tf.int32, SOURCE_IDS)

    def flatten(states) -> dict:
        return dict(zip(names, [s for layer in states for s in layer], strict=True))

    def nest(flat) -> tuple:
        return tuple(
            tuple(flat[i * per_layer : (i + 1) * per_layer]) for i in range(decoder.num_layers)
        )

    def initial_states(source_ids):
        _, states = encoder(source_ids, training=False)
        return bridge(states)

    @tf.function(input_signature=[source_spec])
    def encode(source_ids):
        return flatten(initial_states(source_ids))

    state_specs = [tf.TensorSpec([None, decoder.units], tf.float32, name) for name in names]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32, TOKENS), *state_specs])
    def decode_step(tokens, *states):
        logits, states = decoder.step(tokens, nest(states))
        return {LOGITS: logits, **flatten(states)}

    @tf.function(input_signature=[source_spec])
    def greedy(source_ids):
        start = tf.zeros([1], tf.int32) + START_ID
        # An empty source gives an empty target, as in `Translator.decode_ids`.
        empty = tf.reduce_all(tf.equal(source_ids, PAD_ID), axis=1)
        ids = greedy_decode(
            decoder.step,
            initial_states(source_ids),
            start,
            trained.config.max_target_length,
            END_ID,
            BANNED_IDS,
            empty,
        )
        return {TARGET_IDS: ids}

    @tf.function(input_signature=[source_spec])
    def beam(source_ids):
        start = tf.zeros([1], tf.int32) + START_ID
        empty = tf.reduce_all(tf.equal(source_ids, PAD_ID), axis=1)
        ids, _ = beam_search_decode(
            decoder.step,
            initial_states(source_ids),
            start,
            trained.config.max_target_length,
            END_ID,
            beam_width=beam_width,
            alpha=trained.config.length_penalty,
            banned_ids=BANNED_IDS,
            finished=empty,
        )
        return {TARGET_IDS: ids}

    functions = {ENCODE: encode, DECODE_STEP: decode_step}
    if include_greedy:
        functions[GREEDY] = greedy
    if beam_width is not None and beam_width > 1:
        functions[BEAM_SEARCH] = beam
    return functions


def probe_sources(trained: TrainedTranslator) -> list[np.ndarray]:
    """Source ids `[1, length]` for the export-time checks: random pieces, one piece
    repeated over `max_source_length` (long and repetitive, where states grow largest),
    and an empty source (one `[PAD]`)."""
    rng = np.random.default_rng(0)
    source_size = trained.source_tokenizer.vocabulary_size
    random = rng.integers(END_ID + 1, source_size, size=(1, 9), dtype=np.int32)
    repeated = np.full((1, trained.config.max_source_length), random[0, 0], np.int32)
    return [random, repeated, np.full((1, 1), PAD_ID, np.int32)]


def _probes(
    functions: dict, trained: TrainedTranslator, names: list[str], sources: list[np.ndarray]
) -> list[Probe]:
    rng = np.random.default_rng(1)
    target_size = trained.target_tokenizer.vocabulary_size
    encoded = [
        {k: v.numpy() for k, v in functions[ENCODE](tf.constant(ids)).items()} for ids in sources
    ]
    # Three rows: the encoder's states and two perturbed copies, as beam search sees them.
    step_states = {
        k: (np.repeat(v, 3, axis=0) + rng.normal(0, 0.1, (3, v.shape[1]))).astype(np.float32)
        for k, v in encoded[0].items()
    }
    tokens = np.array([START_ID, *rng.integers(END_ID + 1, target_size, 2)], np.int32)
    step = functions[DECODE_STEP](
        tf.constant(tokens), *[tf.constant(step_states[n]) for n in names]
    )
    return [
        *[
            Probe(ENCODE, {SOURCE_IDS: ids}, states)
            for ids, states in zip(sources, encoded, strict=True)
        ],
        Probe(
            DECODE_STEP, {TOKENS: tokens, **step_states}, {k: v.numpy() for k, v in step.items()}
        ),
    ]


def stepwise_greedy(model: LiteModel, source_ids: np.ndarray, names: list[str], max_length: int):
    """Greedy decoding of one source with the model's `encode` and `decode_step`, in numpy
    (`shared.edge.translation.greedy_search`).

    Returns:
        `(ids int32 [1, max_length], logits)`: `logits[t]` the banned-adjusted logits
        `[1, vocab]` of step `t`.
    """
    states = model.run(ENCODE, **{SOURCE_IDS: source_ids})
    logged = []

    def step(tokens, states):
        outputs = model.run(DECODE_STEP, **{TOKENS: tokens}, **states)
        logged.append(ban_tokens(outputs[LOGITS], BANNED_IDS))
        return outputs[LOGITS], {name: outputs[name] for name in names}

    ids = greedy_search(
        step,
        {name: states[name] for name in names},
        1,
        max_length,
        BANNED_IDS,
        is_empty_source(source_ids),
    )
    return ids, logged


def greedy_check(functions: dict, trained: TrainedTranslator, sources: list[np.ndarray]):
    """A `convert_variants` check of the `greedy` signature on `sources`.

    float32 must give TensorFlow's ids exactly. A quantised variant is compared with its
    own `decode_step` run step by step (`stepwise_greedy`), which the runner uses for
    batches and beam search: the two may part only at a step where the token the
    signature chose is within `PROBE_TOLERANCE[variant]` (relative) of the best logit.

    Returns:
        `(variant, content) -> {"greedy/target_ids": tokens differing after near ties}`.
    """
    names = state_names(trained.model.get_layer("decoder"))
    max_length = trained.config.max_target_length
    expected = [functions[GREEDY](tf.constant(ids))[TARGET_IDS].numpy() for ids in sources]

    def check(variant: str, content: bytes) -> dict[str, float]:
        model = LiteModel(content, num_threads=1)
        if GREEDY not in model.signature_keys:
            return {}
        differing = 0
        for source, tf_ids in zip(sources, expected, strict=True):
            ids = model.run(GREEDY, **{SOURCE_IDS: source})[TARGET_IDS]
            if variant == "float32":
                if not np.array_equal(ids, tf_ids):
                    raise LoopSignatureError(
                        GREEDY,
                        f"Expected the float32 model's {GREEDY!r} signature to give "
                        f"TensorFlow's ids for source {source.tolist()}: {tf_ids.tolist()}. "
                        f"Received: {ids.tolist()}",
                    )
                continue
            reference, logits = stepwise_greedy(model, source, names, max_length)
            parted = np.flatnonzero(ids[0] != reference[0])
            if not parted.size:
                continue
            t = int(parted[0])
            row = logits[t][0] if t < len(logits) else None
            allowed = (
                PROBE_TOLERANCE[variant] * max(1.0, float(np.abs(row).max()))
                if row is not None
                else 0.0
            )
            if row is None or row.max() - row[ids[0, t]] > allowed:
                raise LoopSignatureError(
                    GREEDY,
                    f"Expected the {variant} model's {GREEDY!r} signature to decode source "
                    f"{source.tolist()} as its {DECODE_STEP!r} does step by step: "
                    f"{reference.tolist()}. Received: {ids.tolist()}, parting at step {t} "
                    "where no two tokens tie.",
                )
            differing += int(parted.size)
        return {f"{GREEDY}/{TARGET_IDS}": float(differing)}

    return check


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
    names: list[str],
    max_length: int,
    beam_width: int,
    alpha: float,
):
    """Beam search of one source with the model's `encode` and `decode_step`, in numpy
    (`shared.edge.translation.beam_search`, as the runner does for batches).

    Returns:
        `(ids int32 [1, max_length], margin)`: `margin` is the closest any choice came to a
        tie (`smallest_margin`): the `beam_width` candidates kept at every step, and the
        best final beam; inf when nothing was chosen (an empty source).
    """
    states = model.run(ENCODE, **{SOURCE_IDS: source_ids})
    margins = [np.inf]

    def step(tokens, states):
        outputs = model.run(DECODE_STEP, **{TOKENS: tokens}, **states)
        return outputs[LOGITS], {name: outputs[name] for name in names}

    ids, _ = beam_search(
        step,
        {name: states[name] for name in names},
        1,
        max_length,
        beam_width,
        alpha,
        BANNED_IDS,
        is_empty_source(source_ids),
        observe=lambda values, kept: margins.append(smallest_margin(values, kept)),
    )
    return ids, min(margins)


def beam_search_check(
    functions: dict, trained: TrainedTranslator, sources: list[np.ndarray], beam_width: int
):
    """A `convert_variants` check of the `beam_search` signature on `sources`.

    float32 must give TensorFlow's ids exactly. A quantised variant is compared with its
    own `decode_step` driving the numpy beam search (`stepwise_beam_search`): the two may
    part only if that search met a near tie, a kept candidate or the best final beam
    within `PROBE_TOLERANCE[variant]` (relative) of the next one.

    Returns:
        `(variant, content) -> {"beam_search/target_ids": tokens differing after near ties}`.
    """
    names = state_names(trained.model.get_layer("decoder"))
    max_length = trained.config.max_target_length
    alpha = trained.config.length_penalty
    expected = [functions[BEAM_SEARCH](tf.constant(ids))[TARGET_IDS].numpy() for ids in sources]

    def check(variant: str, content: bytes) -> dict[str, float]:
        model = LiteModel(content, num_threads=1)
        if BEAM_SEARCH not in model.signature_keys:
            return {}
        differing = 0
        for source, tf_ids in zip(sources, expected, strict=True):
            ids = model.run(BEAM_SEARCH, **{SOURCE_IDS: source})[TARGET_IDS]
            if variant == "float32":
                if not np.array_equal(ids, tf_ids):
                    raise LoopSignatureError(
                        BEAM_SEARCH,
                        f"Expected the float32 model's {BEAM_SEARCH!r} signature to give "
                        f"TensorFlow's ids for source {source.tolist()}: {tf_ids.tolist()}. "
                        f"Received: {ids.tolist()}",
                    )
                continue
            reference, margin = stepwise_beam_search(
                model, source, names, max_length, beam_width, alpha
            )
            parted = int(np.sum(ids != reference))
            if parted and margin > PROBE_TOLERANCE[variant]:
                raise LoopSignatureError(
                    BEAM_SEARCH,
                    f"Expected the {variant} model's {BEAM_SEARCH!r} signature to decode "
                    f"source {source.tolist()} as its {DECODE_STEP!r} does in the numpy beam "
                    f"search: {reference.tolist()}. Received: {ids.tolist()}, though no two "
                    f"candidates came within {PROBE_TOLERANCE[variant]:g} (relative) of a "
                    f"tie (closest: {margin:.3g}).",
                )
            differing += parted
        return {f"{BEAM_SEARCH}/{TARGET_IDS}": float(differing)}

    return check


def write_tflite_models(
    trained: TrainedTranslator,
    out_dir: Path,
    variants: tuple[str, ...] = VARIANTS,
    include_greedy: bool = True,
    beam_width: int | None = None,
    include_beam_search: bool = True,
) -> dict:
    """Converts a trained translator to one `.tflite` per variant plus `metadata.json`.

    Every model is checked after conversion: builtins only, weights present, `encode`
    and `decode_step` within `PROBE_TOLERANCE[variant]` of Keras on probe inputs, the
    `greedy` signature by `greedy_check` and the `beam_search` one by `beam_search_check`.
    A whole-loop signature that does not convert or fails its check is left out and the
    reason returned under `"greedy_error"` / `"beam_search_error"`; the models are
    written without it (`encode` and `decode_step` serve every decoding anyway). A failed
    check names its signature; a failed conversion does not, so `beam_search` is left out
    first, then `greedy`. Each model then gets the fingerprint of `metadata.json` embedded
    (`shared.export.tflite.write_variants`, which runs every check again on the final
    bytes), so a runner refuses the pair once either is edited.

    Args:
        trained: a loaded translation run.
        out_dir: folder for `translation_<variant>.tflite` and `metadata.json`.
        variants: a subset of `VARIANTS`.
        include_greedy: try to add the whole-loop `greedy` signature.
        beam_width: the beam width runners use by default (metadata's `beam_width`) and
            the `beam_search` signature's; None keeps the run's.
        include_beam_search: try to add the whole-loop `beam_search` signature (only
            for a beam width above 1).

    Returns:
        `{"directory", "metadata", "signatures", "files": {variant: {"file", "sha256",
        "bytes"}}, "fingerprint", "probe_differences": {variant: {...}}, "greedy_error",
        "beam_search_error"}`.
    """
    beam_width = beam_width or trained.config.beam_width
    if beam_width < 1:
        raise ValueError(f"Expected beam_width >= 1. Received: {beam_width}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    decoder = trained.model.get_layer("decoder")
    names = state_names(decoder)
    functions = translation_functions(
        trained, include_greedy, beam_width if include_beam_search else None
    )
    sources = probe_sources(trained)
    probes = _probes(functions, trained, names, sources)
    loop_checks = {}
    if GREEDY in functions:
        loop_checks[GREEDY] = greedy_check(functions, trained, sources)
    if BEAM_SEARCH in functions:
        loop_checks[BEAM_SEARCH] = beam_search_check(functions, trained, sources, beam_width)
    loop_errors = {}
    parameter_count = trained.model.count_params()

    with tempfile.TemporaryDirectory(prefix="translation-tflite-") as saved_model_dir:
        save_endpoints(saved_model_dir, trained.model, functions)

        keys = list(functions)
        while True:
            checks = [loop_checks[k] for k in keys if k in loop_checks]
            try:
                converted = convert_variants(
                    saved_model_dir, keys, probes, parameter_count, variants, checks
                )
                break
            except TFLiteExportError as error:
                optional = [k for k in keys if k in loop_checks]
                if not optional:
                    raise
                culprit = getattr(error, "signature", None)
                if culprit not in optional:
                    culprit = optional[-1]
                loop_errors[culprit] = str(error)
                keys.remove(culprit)
                stage("TFLite: %s failed (metadata says why); converting without it", culprit)

    contents = {variant: item["content"] for variant, item in converted.items()}
    reference = contents[variants[0]]
    signatures = LiteModel(reference).describe_signatures()
    source_vocabulary = list(trained.source_tokenizer.vocabulary)
    target_vocabulary = list(trained.target_tokenizer.vocabulary)
    embedding = trained.model.get_layer("encoder").embedding
    table = common_tensor_name(
        contents,
        [len(source_vocabulary), embedding.output_dim],
        embedding.name,
        "source vocabulary",
    )
    # Recorded for phone apps; the edge runner decides itself what it checks.
    size_checks = [
        {"what": "target_vocabulary", "signature": DECODE_STEP, "output": LOGITS, "axis": -1},
        {"what": "source_vocabulary", "tensor": table, "axis": 0},
    ]
    stateful = has_variable_tensors(reference)
    config = trained.config
    metadata = new_metadata(
        APP,
        default_variant=DEFAULT_VARIANT if DEFAULT_VARIANT in converted else variants[0],
        signatures=signatures,
        special_ids={"pad": PAD_ID, "unk": UNK_ID, "start": START_ID, "end": END_ID},
        size_checks=size_checks,
        run_config=dataclasses.asdict(config),
        source_vocabulary=source_vocabulary,
        target_vocabulary=target_vocabulary,
        source_lowercase=bool(trained.source_tokenizer.lowercase),
        target_lowercase=bool(trained.target_tokenizer.lowercase),
        max_source_length=config.max_source_length,
        max_target_length=config.max_target_length,
        beam_width=beam_width,
        beam_search_width=beam_width if BEAM_SEARCH in signatures else None,
        length_penalty=config.length_penalty,
        banned_ids=list(BANNED_IDS),
        state_names=names,
        reset_variables_after_each_call=stateful,
        reset_variables_with=VARIABLE_RESET_CALLS if stateful else None,
        exported_with={"tensorflow": tf.__version__, "keras": keras.__version__},
    )
    # Each model carries the metadata's fingerprint; the final bytes are checked again,
    # the loop signatures included.
    written = write_variants(
        converted, out_dir, FILE_PATTERN, metadata["fingerprint"], probes, parameter_count, checks
    )
    metadata = add_model_files(metadata, {v: item["path"] for v, item in written.items()})
    metadata_path = write_metadata(out_dir / METADATA_FILE, metadata)
    return {
        "directory": str(out_dir),
        "metadata": str(metadata_path),
        "signatures": sorted(signatures),
        "files": metadata["models"],
        "fingerprint": metadata["fingerprint"],
        "probe_differences": {v: item["probe_differences"] for v, item in written.items()},
        "greedy_error": loop_errors.get(GREEDY),
        "beam_search_error": loop_errors.get(BEAM_SEARCH),
    }
