"""Translation run -> builtins-only `.tflite` models (three precisions) and `metadata.json`.

One model per variant with these signatures (all ids int32, states float32):
- `encode`: `source_ids [1, length]` (dynamic length; masked padding is exact) -> the
  decoder's initial states, one named output per state (`state_names`);
- `decode_step`: `tokens [n]` plus the states `[n, units]` -> `logits [n, vocabulary]`
  and the new states under the same names. `n` is dynamic (no `WHILE` loop here), so one
  signature serves greedy (`n` = sentences) and beam search (`n` = sentences x beams);
- `greedy` (when it converts): `source_ids [1, length]` -> `target_ids [1,
  max_target_length]`, the whole greedy loop in one call, decoding as
  `apps.translation.translator.Translator` does (`shared.decoding.policy`: an all-`[PAD]`
  source, an empty text, is finished from the start and gives only `[PAD]`);
- `beam_search` (when it converts, and the export's beam width is above 1): the same for
  the whole beam search (`shared.decoding.policy` again) at the export's beam width
  (metadata's `beam_width`, also recorded as `beam_search_width`) and length penalty.
Decoding semantics live in `shared/decoding`; `shared/edge/translation.py` reproduces them
in numpy on top of `decode_step`, and defines the names used here.

Every variant is checked at export: `encode` and `decode_step` against Keras on probe
inputs (a long repetitive source among them), and the `greedy` and `beam_search` signatures
on a few sources, an empty one included (`shared.export.tflite.loop_signatures`). The rest
of the export is every app's: `shared.export.tflite.phone_export`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from apps.translation.corpus import generate_pairs
from shared.decoding.policy import decode
from shared.edge.golden import GOLDEN_CORPUS_TEXTS
from shared.edge.metadata import VARIANTS
from shared.edge.translation import (
    BEAM_SEARCH,
    DECODE_STEP,
    ENCODE,
    GREEDY,
    LOGITS,
    SOURCE_IDS,
    TARGET_IDS,
    TOKENS,
    EdgeTranslator,
)
from shared.export.tflite.loop_signatures import beam_search_check, greedy_check
from shared.export.tflite.phone_export import EmbeddingTable, PhoneExportSpec, write_phone_export
from shared.export.tflite.verification import ModelCheck, Probe
from shared.ids import BANNED_IDS, END_ID, PAD_ID, START_ID, STATE_NAMES, STATES_PER_CELL, UNK_ID


def state_names(decoder) -> list[str]:
    """Flat names of the decoder's states, layer by layer: `layer_0_hidden`, ..."""
    return [
        f"layer_{layer}_{kind}"
        for layer in range(decoder.num_layers)
        for kind in STATE_NAMES[decoder.cell]
    ]


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
    per_layer = STATES_PER_CELL[decoder.cell]
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

    def decode_from(source_ids, beam_width):  # as the Translator: shared.decoding.policy
        config = trained.config
        return decode(
            decoder.step,
            initial_states(source_ids),
            source_ids,
            config.max_target_length,
            beam_width,
            config.length_penalty,
        )

    @tf.function(input_signature=[source_spec])
    def greedy(source_ids):
        return {TARGET_IDS: decode_from(source_ids, 1)}

    @tf.function(input_signature=[source_spec])
    def beam(source_ids):
        return {TARGET_IDS: decode_from(source_ids, beam_width)}

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
    """What every variant must reproduce: `encode` on `sources`, and `decode_step` on the
    first source's states and two perturbed copies."""
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


def loop_signature_checks(
    functions: dict, trained: TrainedTranslator, sources: list[np.ndarray], beam_width: int
) -> dict[str, ModelCheck]:
    """The checks of the whole-loop signatures among `functions`
    (`shared.export.tflite.loop_signatures`), on `sources`: signature name -> check."""
    names = state_names(trained.model.get_layer("decoder"))
    max_length = trained.config.max_target_length
    checks = {}
    if GREEDY in functions:
        checks[GREEDY] = greedy_check(functions[GREEDY], sources, names, max_length)
    if BEAM_SEARCH in functions:
        alpha = trained.config.length_penalty
        checks[BEAM_SEARCH] = beam_search_check(
            functions[BEAM_SEARCH], sources, names, max_length, beam_width, alpha
        )
    return checks


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
    `greedy` and `beam_search` signatures by `loop_signature_checks`. A whole-loop
    signature that does not convert or fails its check is left out and the reason
    returned under `"greedy_error"` / `"beam_search_error"`; the models are written
    without it (`encode` and `decode_step` serve every decoding anyway). A failed check
    names its signature; a failed conversion does not, so `beam_search` is left out
    first, then `greedy`. Each model then gets the fingerprint of `metadata.json` embedded
    (`shared.export.tflite.phone_export`, which runs every check again on the final
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
    config = trained.config
    names = state_names(trained.model.get_layer("decoder"))
    functions = translation_functions(
        trained, include_greedy, beam_width if include_beam_search else None
    )
    sources = probe_sources(trained)
    source_vocabulary = list(trained.source_tokenizer.vocabulary)
    target_vocabulary = list(trained.target_tokenizer.vocabulary)
    embedding = trained.model.get_layer("encoder").embedding
    spec = PhoneExportSpec(
        runner=EdgeTranslator,
        model=trained.model,
        endpoints=functions,
        probes=_probes(functions, trained, names, sources),
        table=EmbeddingTable(
            "source_vocabulary", [len(source_vocabulary), embedding.output_dim], embedding.name
        ),
        special_ids={"pad": PAD_ID, "unk": UNK_ID, "start": START_ID, "end": END_ID},
        run_config=dataclasses.asdict(config),
        metadata_fields=lambda signatures: {
            "source_vocabulary": source_vocabulary,
            "target_vocabulary": target_vocabulary,
            "source_lowercase": bool(trained.source_tokenizer.lowercase),
            "target_lowercase": bool(trained.target_tokenizer.lowercase),
            "max_source_length": config.max_source_length,
            "max_target_length": config.max_target_length,
            "beam_width": beam_width,
            "beam_search_width": beam_width if BEAM_SEARCH in signatures else None,
            "length_penalty": config.length_penalty,
            "banned_ids": list(BANNED_IDS),
            "state_names": names,
        },
        optional_checks=loop_signature_checks(functions, trained, sources, beam_width),
        golden_texts=[spanish for spanish, _ in generate_pairs(GOLDEN_CORPUS_TEXTS)],
    )
    export = write_phone_export(spec, out_dir, variants)
    return {
        "directory": export["directory"],
        "metadata": export["metadata"],
        "signatures": sorted(export["signatures"]),
        "files": export["files"],
        "fingerprint": export["fingerprint"],
        "probe_differences": export["probe_differences"],
        "greedy_error": export["left_out"].get(GREEDY),
        "beam_search_error": export["left_out"].get(BEAM_SEARCH),
    }
