"""Pretrained word-vector files: GloVe, word2vec (text or binary) and fastText `.vec`.

The format is read from the content, never trusted from the name: gzip by its magic
bytes, a `count dim` first line means word2vec/fastText (then text or binary by whether
the next entry parses as a line of numbers), anything else is GloVe text (the dimension
is the first line's number of values). Files are streamed and only the words asked for
are kept, so GloVe 840B (5 GB, 2.2M words) costs the memory of a 20,000-word matrix.

No TensorFlow here: the command line peeks at a file's dimension before TF loads.
"""

from __future__ import annotations

import dataclasses
import gzip
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from shared.datasets.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
# Facebook's fastText model files (.bin with subword tables) start with this int32.
FASTTEXT_MODEL_MAGIC = (793712314).to_bytes(4, "little")
HEADER_LIMIT = 1 << 20  # a first line longer than 1 MB is no vector file
BINARY_CHUNK = 1 << 20
# Typographic apostrophes, as shared.text.normalization maps them ("don’t" -> "don't").
APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})

GLOVE = "GloVe text (no header)"
WORD2VEC_TEXT = "word2vec/fastText text ('count dim' header)"
WORD2VEC_BINARY = "word2vec binary"


@dataclasses.dataclass(frozen=True)
class VectorFileInfo:
    """What the first lines of a vector file say.

    Attributes:
        path: the file.
        format: `GLOVE`, `WORD2VEC_TEXT` or `WORD2VEC_BINARY`.
        dim: values per word.
        count: words the header announces (None for GloVe, which has no header).
        compressed: gzip.
    """

    path: Path
    format: str
    dim: int
    count: int | None
    compressed: bool

    def describe(self) -> str:
        return f"{self.format}{', gzip' if self.compressed else ''}, {self.dim} dims"


def _open(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _error(path: Path, where: str, expected: str, received: str) -> DataError:
    return DataError(f"{path}, {where}: expected {expected}. Received: {received}")


def _parse_header(first: bytes) -> tuple[int, int] | None:
    """`(count, dim)` when the first line is word2vec's `count dim` header."""
    parts = first.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _is_text_entry(line: bytes, dim: int) -> bool:
    """Whether `line` is `word v1 .. v_dim` (text format after a header).

    A word that is not UTF-8 does not make it binary: the text reader then reports it
    with its line number.
    """
    try:
        fields = line.decode("utf-8", "replace").split()
        np.asarray(fields[-dim:], dtype=np.float32)
    except ValueError:
        return False
    return len(fields) >= dim + 1


def inspect_vector_file(path: str | Path) -> VectorFileInfo:
    """Reads the first lines of `path` to tell its format and dimension (cheap).

    Raises:
        DataError: no such file, empty, an archive or model file we cannot read, or a
            first line that is neither a header nor `word v1 v2 ...`.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"Expected --embeddings to be a word-vector file. Received: {path} (no such file)."
        )
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:4] == ZIP_MAGIC:
        raise _error(
            path,
            "byte 0",
            "a text or word2vec binary file (plain or .gz)",
            "a zip archive; unzip it and pass the .txt/.vec file inside",
        )
    if magic[:4] == FASTTEXT_MODEL_MAGIC:
        raise _error(
            path,
            "byte 0",
            "a text or word2vec binary file",
            "a fastText model (.bin with subwords); pass its .vec file instead",
        )
    compressed = magic[:2] == GZIP_MAGIC
    try:
        with _open(path, compressed) as f:
            first = f.readline(HEADER_LIMIT)
            second = f.readline(HEADER_LIMIT)
    except (OSError, EOFError) as error:
        raise _error(path, "byte 0", "a readable gzip file", str(error)) from None
    if not first.strip():
        raise _error(
            path,
            "line 1",
            "a 'count dim' header or 'word v1 v2 ...'",
            "an empty " + ("file" if not first else "line"),
        )
    header = _parse_header(first)
    if header is not None:
        count, dim = header
        if count < 1 or dim < 1:
            raise _error(
                path,
                "line 1",
                "a header 'count dim' with both >= 1",
                first.decode("ascii", "replace").strip(),
            )
        kind = WORD2VEC_TEXT if _is_text_entry(second, dim) else WORD2VEC_BINARY
        return VectorFileInfo(path, kind, dim, count, compressed)
    try:
        fields = first.decode("utf-8").split()
    except UnicodeDecodeError as error:
        raise _error(
            path, "line 1", "UTF-8 text", f"invalid byte at column {error.start + 1}"
        ) from None
    try:
        np.asarray(fields[1:], dtype=np.float32)
    except ValueError:
        fields = []
    if len(fields) < 2:
        raise _error(
            path,
            "line 1",
            "a 'count dim' header or 'word v1 v2 ...' (GloVe)",
            repr(first[:80].decode("utf-8", "replace").strip()),
        )
    return VectorFileInfo(path, GLOVE, len(fields) - 1, None, compressed)


def fold(word: str) -> str:
    """The vocabulary's spelling of a file's word: NFKC, case-folded, ASCII apostrophes
    (what `normalize_text` does to text), so cased files (GloVe 840B) still match."""
    return unicodedata.normalize("NFKC", word).casefold().translate(APOSTROPHES)


def _text_entries(info: VectorFileInfo, wanted) -> Iterator[tuple[str, np.ndarray | None]]:
    """`(word, vector or None)` per line; vectors are parsed only for `wanted(word)`.

    Every line's number of values is checked (cheaply, by counting spaces); words that
    hold spaces (a few in GloVe 840B) are joined back. Blank lines are skipped.
    """
    path, dim = info.path, info.dim
    first_line = 2 if info.count is not None else 1
    with _open(path, info.compressed) as f:
        if info.count is not None:
            f.readline(HEADER_LIMIT)
        for number, raw in enumerate(f, first_line):
            try:
                line = raw.decode("utf-8").rstrip()
            except UnicodeDecodeError as error:
                raise _error(
                    path,
                    f"line {number}",
                    "UTF-8 text",
                    f"invalid byte at column {error.start + 1}",
                ) from None
            if not line:
                continue
            if line.count(" ") == dim:  # the usual case: one space between fields
                word, _, values = line.partition(" ")
                values = values.split(" ")
            else:
                fields = line.split()
                if len(fields) < dim + 1:
                    raise _error(
                        path,
                        f"line {number}",
                        f"a word and {dim} values",
                        f"{len(fields) - 1} value(s)",
                    )
                word, values = " ".join(fields[:-dim]), fields[-dim:]
                if len(fields) > dim + 1 and _all_numbers(fields[1:-dim]):
                    raise _error(
                        path,
                        f"line {number}",
                        f"a word and {dim} values",
                        f"{len(fields) - 1} values",
                    )
            if not wanted(word):
                yield word, None
                continue
            try:
                yield word, np.asarray(values, dtype=np.float32)
            except ValueError:
                bad = next(v for v in values if not _all_numbers([v]))
                raise _error(
                    path, f"line {number}", f"{dim} numbers after the word", repr(bad[:40])
                ) from None


def _all_numbers(fields) -> bool:
    try:
        np.asarray(fields, dtype=np.float32)
    except ValueError:
        return False
    return True


class _Buffered:
    """Reads a binary stream in 1 MB chunks: words up to a space, then fixed-size blocks."""

    def __init__(self, stream):
        self.stream, self.buffer, self.position = stream, b"", 0

    def _fill(self, needed: int) -> bool:
        while len(self.buffer) - self.position < needed:
            chunk = self.stream.read(BINARY_CHUNK)
            if not chunk:
                return False
            self.buffer = self.buffer[self.position :] + chunk
            self.position = 0
        return True

    def word(self) -> bytes | None:
        while True:
            end = self.buffer.find(b" ", self.position)
            if end >= 0:
                word = self.buffer[self.position : end].lstrip(b"\n\r\t")
                self.position = end + 1
                return word
            if not self._fill(len(self.buffer) - self.position + 1):
                return None

    def block(self, size: int) -> bytes | None:
        if not self._fill(size):
            return None
        data = self.buffer[self.position : self.position + size]
        self.position += size
        return data


def _binary_entries(info: VectorFileInfo, wanted, skipped: list[int]):
    """`(word, vector or None)` per entry of a word2vec binary file.

    A word that is not UTF-8 cannot be in a UTF-8 vocabulary: it is skipped and counted
    in `skipped` (GoogleNews has a few), not an error.
    """
    size = 4 * info.dim
    with _open(info.path, info.compressed) as f:
        f.readline(HEADER_LIMIT)
        reader = _Buffered(f)
        for index in range(1, info.count + 1):
            raw_word = reader.word()
            data = reader.block(size) if raw_word is not None else None
            if data is None:
                raise _error(
                    info.path,
                    f"entry {index:,}",
                    f"{info.count:,} words of {info.dim} float32 values (header)",
                    f"the file ends after {index - 1:,}",
                )
            try:
                word = raw_word.decode("utf-8")
            except UnicodeDecodeError:
                skipped.append(index)
                continue
            if wanted(word):
                yield word, np.frombuffer(data, dtype="<f4").astype(np.float32)
            else:
                yield word, None


@dataclasses.dataclass(frozen=True)
class VocabularyVectors:
    """The vectors a file holds for a vocabulary.

    Attributes:
        info: the file's format and dimension.
        vectors: `{vocabulary word: vector}` for the words found (an exact spelling
            wins over a case-folded one; among folded ones the file's first, usually
            its most frequent).
        entries: words read from the file.
        skipped: binary entries skipped because their word was not UTF-8.
    """

    info: VectorFileInfo
    vectors: dict[str, np.ndarray]
    entries: int
    skipped: int


def read_vocabulary_vectors(path: str | Path, vocabulary) -> VocabularyVectors:
    """Streams `path` and keeps the vectors of `vocabulary`'s words.

    Raises:
        DataError: a malformed file; the message names the line (or binary entry).
    """
    info = inspect_vector_file(path)
    vocabulary = set(vocabulary)
    exact: dict[str, np.ndarray] = {}
    folded: dict[str, np.ndarray] = {}

    def wanted(word: str) -> bool:
        return word in vocabulary or (fold(word) in vocabulary and fold(word) not in folded)

    skipped: list[int] = []
    if info.format == WORD2VEC_BINARY:
        entries = _binary_entries(info, wanted, skipped)
    else:
        entries = _text_entries(info, wanted)
    count = 0
    for word, vector in entries:
        count += 1
        if vector is None:
            continue
        if word in vocabulary:
            exact[word] = vector
        else:
            folded.setdefault(fold(word), vector)
    if count == 0:
        raise _error(info.path, "line 2", "at least one word vector after the header", "none")
    return VocabularyVectors(info, {**folded, **exact}, count, len(skipped))


__all__ = [
    "VectorFileInfo",
    "VocabularyVectors",
    "inspect_vector_file",
    "read_vocabulary_vectors",
]
