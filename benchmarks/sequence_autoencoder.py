"""Experiment: Dai & Le (2015) sequence-autoencoder pretraining of the sentiment encoder.

The shared `BidirectionalRecurrentEncoder` reads a chunk of a review, the shared
`StateBridge` maps its final states, and the shared teacher-forced `RecurrentDecoder`
reconstructs the chunk from those states alone. The encoder (embedding included) then
starts the sentiment classifier, whose `train` copies it in by layer name, exactly as
`--init-from` does for a finished sentiment run.

Not part of `make bench`: it is the script behind experiments S11-S13 in BENCHMARKS.md.

    python -m benchmarks.sequence_autoencoder pretrain --out /tmp/sa [--resume-from DIR]
    python -m benchmarks.sequence_autoencoder finetune --out /tmp/sa [--control] -- \\
        --data ../shared/data/sst2/train.tsv.gz --validation-data ../shared/data/sst2/dev.tsv.gz

`pretrain` reads IMDB train and SST-2 train texts (never SST-2 dev); `--control` fine-tunes
with the same vocabulary but no pretrained weights, to separate the two effects.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from shared.layers.masking import PAD_ID

UNKNOWN_ID = 1  # the vectorizer's [UNK]
AUTOENCODER_FILE = "autoencoder.keras"
VOCABULARY_FILE = "vocabulary.txt"


@dataclasses.dataclass(frozen=True)
class PretrainingSettings:
    chunk_length: int = 40  # tokens per reconstructed chunk: sentence-sized
    min_chunk_tokens: int = 5
    # The decoder predicts only the most frequent ids (rarer ones become [UNK]): the
    # softmax over 20,000 words would cost 4x more than the whole rest of the model.
    decoder_vocabulary: int = 5000
    max_chunks: int = 100_000
    skip_chunks: int = 0  # a later session continues on chunks the first did not see
    validation_chunks: int = 2000
    epochs: int = 1
    batch_size: int = 128
    learning_rate: float = 2e-3


def pretraining_chunks(
    token_ids: list[np.ndarray], chunk_length: int, min_tokens: int
) -> list[np.ndarray]:
    """Cuts each text's ids (padding dropped) into consecutive chunks; drops short tails."""
    chunks = []
    for ids in token_ids:
        ids = ids[ids != PAD_ID]
        for start in range(0, len(ids), chunk_length):
            chunk = ids[start : start + chunk_length]
            if len(chunk) >= min_tokens:
                chunks.append(chunk)
    return chunks


def reconstruction_arrays(chunks: list[np.ndarray], chunk_length: int, decoder_vocabulary: int):
    """`(source, decoder_inputs, labels, weights)` for teacher-forced reconstruction.

    The encoder reads the full ids; the decoder reads `[START] x1 .. x(n-1)` and predicts
    `x1 .. xn`, with ids at or above `decoder_vocabulary` as [UNK] and `[START]` =
    `decoder_vocabulary` (one id past the labels). Padding has weight 0.
    """
    source = np.full((len(chunks), chunk_length), PAD_ID, np.int32)
    for row, chunk in enumerate(chunks):
        source[row, : len(chunk)] = chunk
    labels = np.where(source < decoder_vocabulary, source, UNKNOWN_ID).astype(np.int32)
    labels[source == PAD_ID] = PAD_ID
    start = np.full((len(chunks), 1), decoder_vocabulary, np.int32)
    decoder_inputs = np.concatenate([start, labels[:, :-1]], axis=1)
    weights = (source != PAD_ID).astype(np.float32)
    return source, decoder_inputs, labels, weights


def build_autoencoder(config, vocabulary_size: int, decoder_vocabulary: int):
    """Encoder (the classifier's, same name and shapes) -> bridge -> decoder -> logits."""
    import keras

    from shared.layers import BidirectionalRecurrentEncoder, RecurrentDecoder, StateBridge

    source = keras.Input(shape=(None,), dtype="int32", name="source_ids")
    decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
    _, states = BidirectionalRecurrentEncoder(
        vocabulary_size=vocabulary_size,
        embedding_dim=config.embedding_dim,
        units=config.units,
        num_layers=config.num_layers,
        cell=config.cell,
        dropout=config.dropout,
        embedding_dropout=config.embedding_dropout,
        name="encoder",
    )(source)
    decoder_units = 2 * config.units  # both directions' states, copied by the bridge
    initial_states = StateBridge(
        decoder_units=decoder_units,
        decoder_cell=config.cell,
        decoder_num_layers=1,
        mode="auto",
        name="bridge",
    )(states)
    logits = RecurrentDecoder(
        vocabulary_size=decoder_vocabulary + 1,  # + [START]
        embedding_dim=config.embedding_dim,
        units=decoder_units,
        cell=config.cell,
        dropout=config.dropout,
        name="decoder",
    )(decoder_inputs, initial_states)
    return keras.Model([source, decoder_inputs], logits, name="sequence_autoencoder")


def _texts(data_dir: Path) -> list[str]:
    from apps.sentiment.data import DataOptions, load_examples

    options = DataOptions("text", "label", "error")
    imdb = load_examples(data_dir / "imdb" / "train.csv.gz", options).texts
    sst2 = load_examples(data_dir / "sst2" / "train.tsv.gz", options).texts
    return imdb + sorted(set(sst2))


def pretrain(
    texts: list[str], out: Path, config, settings: PretrainingSettings, resume_from=None
) -> dict:
    """Learns a vocabulary on `texts`, then trains the autoencoder on their chunks."""
    import keras
    import tensorflow as tf

    from shared.text.vectorizer import WordVectorizer, save_vocabulary

    out.mkdir(parents=True, exist_ok=True)
    vectorizer = WordVectorizer(
        max_length=100_000, max_tokens=config.max_tokens, min_count=config.min_count
    )
    vectorizer.adapt(texts)
    save_vocabulary(out / VOCABULARY_FILE, vectorizer.get_vocabulary())
    token_ids = []
    for start in range(0, len(texts), 1024):
        batch = vectorizer.vectorize(tf.constant(texts[start : start + 1024]), False)
        token_ids.extend(batch.numpy())
    chunks = pretraining_chunks(token_ids, settings.chunk_length, settings.min_chunk_tokens)
    np.random.default_rng(config.seed).shuffle(chunks)
    chunks = chunks[settings.skip_chunks : settings.skip_chunks + settings.max_chunks]
    arrays = reconstruction_arrays(chunks, settings.chunk_length, settings.decoder_vocabulary)

    def dataset(rows: slice, shuffle: bool):
        source, decoder_inputs, labels, weights = (a[rows] for a in arrays)
        data = tf.data.Dataset.from_tensor_slices(((source, decoder_inputs), labels, weights))
        if shuffle:
            data = data.shuffle(20_000, seed=config.seed)
        return data.batch(settings.batch_size).prefetch(4)

    model = build_autoencoder(config, vectorizer.vocabulary_size, settings.decoder_vocabulary)
    if resume_from:
        earlier = keras.models.load_model(Path(resume_from) / AUTOENCODER_FILE)
        model.set_weights(earlier.get_weights())
    model.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate, clipnorm=config.clipnorm or None),
        loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"
        ),
        weighted_metrics=["sparse_categorical_accuracy"],
    )
    held_out = settings.validation_chunks
    started = time.monotonic()
    history = model.fit(
        dataset(slice(held_out, None), True),
        validation_data=dataset(slice(0, held_out), False),
        epochs=settings.epochs,
        verbose=2,
    )
    summary = {
        "seconds": round(time.monotonic() - started, 1),
        "chunks": len(chunks),
        "tokens": int(arrays[3].sum()),
        "history": history.history,
        "settings": dataclasses.asdict(settings),
        "resumed_from": str(resume_from) if resume_from else None,
    }
    model.save(out / AUTOENCODER_FILE)
    (out / "pretraining.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


@dataclasses.dataclass
class PretrainedEncoder:
    """What `apps.sentiment.train.train(..., source=...)` reads from a warm-start source."""

    classifier: object  # a model with an `encoder` layer of the classifier's shapes
    vectorizer: object
    labels: object
    origin: str


def load_pretrained(out: Path, control: bool = False) -> PretrainedEncoder:
    import keras

    from shared.datasets.labels import LabelSet
    from shared.text.vectorizer import WordVectorizer, load_vocabulary

    if control:  # same vocabulary, fresh weights: no layer is named `encoder`
        inputs = keras.Input(shape=(1,))
        model = keras.Model(inputs, keras.layers.Dense(1, name="unused")(inputs))
    else:
        model = keras.models.load_model(out / AUTOENCODER_FILE)
    vectorizer = WordVectorizer(vocabulary=load_vocabulary(out / VOCABULARY_FILE)[2:])
    origin = f"{out} ({'its vocabulary only' if control else 'sequence autoencoder'})"
    return PretrainedEncoder(model, vectorizer, LabelSet(("negative", "positive")), origin)


def split_at_double_dash(argv: list[str]) -> tuple[list[str], list[str]]:
    """This script's flags, and the `apps.sentiment train` flags after `--`."""
    if "--" not in argv:
        return list(argv), []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sequence_autoencoder")
    parser.add_argument("phase", choices=("pretrain", "finetune"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--resume-from", type=Path, default=None)
    parser.add_argument("--control", action="store_true")
    for field in dataclasses.fields(PretrainingSettings):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default))
    own, train_flags = split_at_double_dash(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(own)

    from apps.sentiment.cli import build_parser
    from apps.sentiment.presets import resolve_sentiment_config
    from apps.sentiment.train import train

    if args.phase == "pretrain":
        from apps.sentiment.config import SentimentConfig

        overrides = {
            f.name: getattr(args, f.name)
            for f in dataclasses.fields(PretrainingSettings)
            if getattr(args, f.name) is not None
        }
        settings = PretrainingSettings(**overrides)
        summary = pretrain(
            _texts(args.data_dir), args.out, SentimentConfig(), settings, args.resume_from
        )
        print(json.dumps({k: v for k, v in summary.items() if k != "history"}))
        return 0
    train_args = build_parser().parse_args(["train", *train_flags])
    config = resolve_sentiment_config(train_args)
    return train(train_args, config, source=load_pretrained(args.out, args.control))


if __name__ == "__main__":
    raise SystemExit(main())
