"""In-domain word vectors learned from unlabelled text with gensim (word2vec or fastText).

The texts are tokenised by the models' own in-graph tokenizer (`tokenized_batches`), so
the learned words are spelled exactly as the classifier's vocabulary spells them. The
tokens go to a corpus file (one text per line) that gensim streams with its multi-worker
`corpus_file` mode, so 75,000 IMDB reviews never sit in memory as Python lists.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from shared.training.config import field

ALGORITHMS = ("word2vec", "fasttext")
ARCHITECTURES = ("skipgram", "cbow")


@dataclasses.dataclass(frozen=True)
class WordVectorConfig:
    """How word vectors are learned (`rnn-sentiment word-vectors`, `train --unlabelled`)."""

    algorithm: str = field(
        "word2vec",
        "word2vec, or fasttext (also learns from character n-grams: rare words get better "
        "vectors; slower).",
        choices=ALGORITHMS,
    )
    architecture: str = field(
        "skipgram", "skipgram (better for rare words) or cbow (faster).", choices=ARCHITECTURES
    )
    dim: int = field(128, "Values per word vector (match the classifier's --embedding-dim).")
    window: int = field(5, "Words on each side that count as a word's context.")
    epochs: int = field(5, "Passes over the text.")
    min_count: int = field(5, "Words seen fewer times get no vector.")
    workers: int = field(2, "gensim worker threads (with more than 1, reruns differ slightly).")
    seed: int = field(1337, "Seed of gensim's initial vectors and sampling.")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def validate(self) -> None:
        for name in ("dim", "window", "epochs", "min_count", "workers"):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"Expected `{name}` >= 1. Received: {name}={value!r}")


def write_token_corpus(texts: Iterable[str], path: Path) -> tuple[int, int]:
    """Writes each text's tokens (the models' tokenizer) as one space-separated line.

    Returns:
        `(texts, tokens)` written.
    """
    from shared.text.normalization import tokenized_batches  # loads TensorFlow

    texts_written = tokens = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for batch in tokenized_batches(texts):
            for row in batch.to_list():
                if row:
                    f.write(b" ".join(row).decode("utf-8") + "\n")
                    texts_written += 1
                    tokens += len(row)
    return texts_written, tokens


def learn_word_vectors(
    texts: Iterable[str],
    out: str | Path,
    *,
    algorithm: str = "word2vec",
    architecture: str = "skipgram",
    dim: int = 128,
    window: int = 5,
    epochs: int = 5,
    min_count: int = 5,
    workers: int = 2,
    seed: int = 1337,
) -> dict:
    """Learns vectors from `texts` and writes them to `out` (word2vec format: binary when
    `out` ends in `.bin`, else text with a `count dim` header; `--embeddings` reads both).

    The arguments are `WordVectorConfig`'s fields (`learn_word_vectors(texts, out,
    **config.to_dict())`).

    Returns:
        What was learned: `texts`, `tokens`, `words` (with a vector), `dim`,
        `seconds` (tokenising included) and the `settings`.
    """
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    config = WordVectorConfig(
        algorithm, architecture, dim, window, epochs, min_count, workers, seed
    )
    config.validate()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    class EpochLog(CallbackAny2Vec):
        def __init__(self):
            self.epoch = 0

        def on_epoch_end(self, model):
            self.epoch += 1
            elapsed = time.monotonic() - started
            print(f"word vectors: epoch {self.epoch}/{config.epochs} ({elapsed:.0f} s)")

    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".word-vectors-") as work:
        corpus = Path(work) / "corpus.txt"
        n_texts, n_tokens = write_token_corpus(texts, corpus)
        if n_tokens == 0:
            raise ValueError("Expected text to learn word vectors from. Received no words.")
        print(
            f"word vectors: {n_texts:,} texts, {n_tokens:,} tokens tokenised in "
            f"{time.monotonic() - started:.0f} s; learning {config.algorithm} "
            f"({config.architecture}, {config.dim} dims, {config.epochs} epochs, "
            f"{config.workers} workers)"
        )
        learner = FastText if config.algorithm == "fasttext" else Word2Vec
        model = learner(
            corpus_file=str(corpus),
            vector_size=config.dim,
            window=config.window,
            min_count=config.min_count,
            sg=1 if config.architecture == "skipgram" else 0,
            epochs=config.epochs,
            workers=config.workers,
            seed=config.seed,
            callbacks=[EpochLog()],
        )
        tmp = Path(work) / ("vectors" + out.suffix)
        model.wv.save_word2vec_format(str(tmp), binary=out.suffix == ".bin")
        os.replace(tmp, out)
    return {
        "texts": n_texts,
        "tokens": n_tokens,
        "words": len(model.wv),
        "dim": config.dim,
        "seconds": round(time.monotonic() - started, 1),
        "settings": config.to_dict(),
    }


__all__ = ["WordVectorConfig", "learn_word_vectors", "write_token_corpus"]
