"""Translation run -> builtins-only `.tflite` models (three precisions) and `metadata.json`.

One model per variant with these signatures (all ids int32, states float32):
- `encode`: `source_ids [1, length]` (dynamic length; masked padding is exact) -> the
  decoder's initial states, one named output per state (`state_names`);
- `decode_step`: `tokens [n]` plus the states `[n, units]` -> `logits [n, vocabulary]`
  and the new states under the same names. `n` is dynamic (no `WHILE` loop here), so one
  signature serves greedy (`n` = sentences) and beam search (`n` = sentences x beams);
- `greedy` (when it converts): `source_ids [1, length]` -> `target_ids [1,
  max_target_length]`, the whole greedy loop (`shared.decoding.greedy_decode`) in one call.
Decoding semantics live in `shared/decoding`; `shared/edge/translation.py` reproduces them
in numpy on top of `decode_step`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from apps.translation.artifacts import TrainedTranslator
from shared.decoding import greedy_decode
from shared.edge.metadata import METADATA_FILE, new_metadata, write_metadata
from shared.edge.runtime import LiteModel
from shared.export.tflite import (
    TFLITE_VARIANTS,
    Probe,
    TFLiteExportError,
    convert_variants,
    find_tensor_name,
    save_endpoints,
)
from shared.layers.masking import PAD_ID
from shared.text.subword import END_ID, START_ID, UNK_ID

ENCODE, DECODE_STEP, GREEDY = "encode", "decode_step", "greedy"
SOURCE_IDS, TOKENS, LOGITS, TARGET_IDS = "source_ids", "tokens", "logits", "target_ids"
BANNED_IDS = (PAD_ID, START_ID)
DEFAULT_VARIANT = "dynamic_range"
FILE_PATTERN = "translation_{variant}.tflite"
STATE_KINDS = {"lstm": ("hidden", "carry"), "gru": ("hidden",), "simple_rnn": ("hidden",)}


def state_names(decoder) -> list[str]:
    """Flat names of the decoder's states, layer by layer: `layer_0_hidden`, ..."""
    return [
        f"layer_{layer}_{kind}"
        for layer in range(decoder.num_layers)
        for kind in STATE_KINDS[decoder.cell]
    ]


def translation_functions(trained: TrainedTranslator, include_greedy: bool = True) -> dict:
    """The traced endpoints: signature name -> `tf.function` with named inputs/outputs."""
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
        ids = greedy_decode(
            decoder.step,
            initial_states(source_ids),
            start,
            trained.config.max_target_length,
            END_ID,
            BANNED_IDS,
        )
        return {TARGET_IDS: ids}

    functions = {ENCODE: encode, DECODE_STEP: decode_step}
    if include_greedy:
        functions[GREEDY] = greedy
    return functions


def _probes(functions: dict, trained: TrainedTranslator, names: list[str]) -> list[Probe]:
    rng = np.random.default_rng(0)
    source_size = trained.source_tokenizer.vocabulary_size
    target_size = trained.target_tokenizer.vocabulary_size
    source_ids = rng.integers(END_ID + 1, source_size, size=(1, 9), dtype=np.int32)
    states = {k: v.numpy() for k, v in functions[ENCODE](tf.constant(source_ids)).items()}
    # Three rows: the encoder's states and two perturbed copies, as beam search sees them.
    step_states = {
        k: (np.repeat(v, 3, axis=0) + rng.normal(0, 0.1, (3, v.shape[1]))).astype(np.float32)
        for k, v in states.items()
    }
    tokens = np.array([START_ID, *rng.integers(END_ID + 1, target_size, 2)], np.int32)
    step = functions[DECODE_STEP](
        tf.constant(tokens), *[tf.constant(step_states[n]) for n in names]
    )
    return [
        Probe(ENCODE, {SOURCE_IDS: source_ids}, states),
        Probe(
            DECODE_STEP, {TOKENS: tokens, **step_states}, {k: v.numpy() for k, v in step.items()}
        ),
    ]


def write_tflite_models(
    trained: TrainedTranslator,
    out_dir: Path,
    variants: tuple[str, ...] = TFLITE_VARIANTS,
    include_greedy: bool = True,
) -> dict:
    """Converts a trained translator to one `.tflite` per variant plus `metadata.json`.

    Every model is checked after conversion: builtins only, weights present, and `encode`
    and `decode_step` within `PROBE_TOLERANCE[variant]` of Keras on probe inputs. If the
    `greedy` signature does not convert, the models are written without it and the
    converter's message is returned under `"greedy_error"`.

    Args:
        trained: a loaded translation run.
        out_dir: folder for `translation_<variant>.tflite` and `metadata.json`.
        variants: a subset of `TFLITE_VARIANTS`.
        include_greedy: try to add the whole-loop `greedy` signature.

    Returns:
        `{"directory", "metadata", "signatures", "files": {variant: {"file", "sha256",
        "bytes"}}, "probe_differences": {variant: {...}}, "greedy_error"}`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    decoder = trained.model.get_layer("decoder")
    names = state_names(decoder)
    functions = translation_functions(trained, include_greedy)
    probes = _probes(functions, trained, names)
    greedy_error = None

    with tempfile.TemporaryDirectory(prefix="translation-tflite-") as saved_model_dir:
        save_endpoints(saved_model_dir, trained.model, functions)

        def convert(keys):
            return convert_variants(
                saved_model_dir,
                keys,
                out_dir,
                FILE_PATTERN,
                probes,
                trained.model.count_params(),
                variants,
            )

        try:
            converted = convert(list(functions))
        except TFLiteExportError as error:
            if GREEDY not in functions:
                raise
            greedy_error = str(error)
            converted = convert([ENCODE, DECODE_STEP])

    reference = converted[variants[0]]["content"]
    signatures = LiteModel(reference).describe_signatures()
    source_vocabulary = list(trained.source_tokenizer.vocabulary)
    target_vocabulary = list(trained.target_tokenizer.vocabulary)
    size_checks = [
        {"what": "target_vocabulary", "signature": DECODE_STEP, "output": LOGITS, "axis": -1}
    ]
    embedding = trained.model.get_layer("encoder").embedding
    table = find_tensor_name(
        reference, [len(source_vocabulary), embedding.output_dim], embedding.name
    )
    if table is not None:
        size_checks.append({"what": "source_vocabulary", "tensor": table, "axis": 0})
    config = trained.config
    metadata = new_metadata(
        "translation",
        {variant: item["path"] for variant, item in converted.items()},
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
        beam_width=config.beam_width,
        length_penalty=config.length_penalty,
        banned_ids=list(BANNED_IDS),
        state_names=names,
        exported_with={"tensorflow": tf.__version__, "keras": keras.__version__},
    )
    metadata_path = write_metadata(out_dir / METADATA_FILE, metadata)
    return {
        "directory": str(out_dir),
        "metadata": str(metadata_path),
        "signatures": sorted(signatures),
        "files": metadata["models"],
        "probe_differences": {v: item["probe_differences"] for v, item in converted.items()},
        "greedy_error": greedy_error,
    }
