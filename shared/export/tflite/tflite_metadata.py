"""Standard TFLite Model Metadata for the sentiment model: MediaPipe Tasks runs it unchanged.

MediaPipe Tasks' `TextClassifier` (Android, iOS, web, Python) reads a text model's
tokenizer, vocabulary and labels from the metadata every `.tflite` may carry: a
`TFLITE_METADATA` entry holding a `ModelMetadata` flatbuffer (the official schema,
`metadata_schema_py_generated.py` of the `mediapipe` wheel), and the files it names in a
zip archive appended to the model (stored, not deflated: the reader points into the
model's bytes). `with_task_metadata` writes both into an exported sentiment model.

The tokenizer is MediaPipe's `RegexTokenizer`, which cuts the raw text at every match of
a delimiter pattern and looks each piece up in a `token id` vocabulary file; it neither
folds case nor keeps delimiters. Ours (`shared.edge.tokenizers.WordTokenizer`) does both:
it folds case and keeps each punctuation character as a token. Both are expressed:

* Case and typographic apostrophes: the vocabulary file lists, for each word, the surface
  forms our tokenizer maps to it (`great`, `Great`, `GREAT`, `don’t` -> the id of `great`
  or `don't`), each checked by running our tokenizer on it (`surface_forms`).
* Punctuation: MediaPipe compiles the pattern as `(<pattern>)` and emits the text from the
  end of one match to the start of that group. `DELIMITER_PATTERN` closes the group early:
  the full regex becomes `(?:WORD+|PUNCT)((?:SPACE|<br />)*)`, so a match is one word or
  one punctuation character (emitted) followed by whitespace and HTML line breaks (the
  group, dropped). This relies on MediaPipe's (and the Task Library's) `RegexTokenizer`
  source, `absl::Substitute("($0)", pattern)`; tests/shared/export/test_mediapipe*.py
  run the real `mediapipe` package on it.

Where MediaPipe's ids still differ from ours: a word in a case our vocabulary file does
not list (`gReat`: only lower, Capitalised and UPPER forms are), leading whitespace (the
first word then carries it and is unknown), an HTML line break at the very start, text
NFKC changes (full-width letters, ligatures, `…` read as `...`), and texts longer than the model's
`max_length` when the run keeps the last words (`truncate_from="start"`): MediaPipe keeps
the first. The model's input keeps its dynamic length (`shape_signature` `[1, -1]`, our
runner feeds each text's ids); its static `shape` says `[1, max_length]`, the length
MediaPipe pads every text to (equal answers: padding is masked).

MediaPipe's TFLite runtime (and the Task Library's) refuses an op that writes a variable
tensor; the fused-LSTM models reset their state without one
(`shared.export.tflite.state_zeroing`), so those clients run the exported file as written.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import flatbuffers
from ai_edge_litert import schema_py_generated as schema

from shared.edge.flatbuffer import (
    metadata_entries,
    operator_names,
    tensor_shapes,
    with_metadata_entry,
)
from shared.edge.model_files import TASK_METADATA_ENTRY as METADATA_ENTRY
from shared.edge.tokenizers import WordTokenizer
from shared.export.tflite import TFLiteExportError
from shared.ids import PAD_ID, UNK_ID

METADATA_IDENTIFIER = b"M001"  # the ModelMetadata flatbuffer's file identifier
MIN_PARSER_VERSION = "1.2.1"  # RegexTokenizerOptions were added in metadata schema 1.2.1
VOCABULARY_FILE = "vocab.txt"
LABELS_FILE = "labels.txt"
# MediaPipe's RegexTokenizer's reserved tokens (it has no [START] here: none is given).
PAD_TOKEN, UNKNOWN_TOKEN = "<PAD>", "<UNKNOWN>"

# What `shared.edge.normalization` keeps inside a word (letters, digits, marks and the
# apostrophes it unifies), splits on (ASCII whitespace), and drops (HTML line breaks), in
# RE2 syntax. Every other character is a token of its own.
_WORD_CHARS = r"\p{L}\p{N}\p{M}'\x{2018}\x{2019}\x{02BC}"
_SPACE_CHARS = r"\t\n\v\f\r "
_LINE_BREAK = r"<[\t\n\f\r ]*[bB][rR][\t\n\f\r ]*/?[\t\n\f\r ]*>"
# Not a valid regex on its own: MediaPipe wraps it in parentheses (see the docstring).
DELIMITER_PATTERN = (
    f"?:[{_WORD_CHARS}]+|[^{_WORD_CHARS}{_SPACE_CHARS}])((?:[{_SPACE_CHARS}]|{_LINE_BREAK})*"
)
_APOSTROPHES = ("\u2019", "\u2018", "\u02bc")


@functools.cache
def metadata_schema():
    """The official `metadata_schema_py_generated` module of the installed `mediapipe`.

    Loaded from its file: importing the `mediapipe` package would load OpenCV and the
    MediaPipe runtime, and the module needs only `flatbuffers`.
    """
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise TFLiteExportError(
            "Expected the `mediapipe` package (its metadata schema writes the standard TFLite "
            "metadata). Received no such package: run `make install`."
        )
    path = Path(next(iter(spec.submodule_search_locations)))
    path = path / "tasks" / "metadata" / "metadata_schema_py_generated.py"
    module_spec = importlib.util.spec_from_file_location("_mediapipe_metadata_schema", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def surface_forms(word: str) -> list[str]:
    """The spellings of `word` a text may hold that our tokenizer reads as `word`: itself,
    Capitalised (its first letter: `'tis` -> `'Tis`), UPPER, each with a typographic
    apostrophe. The caller keeps those our tokenizer really reads as `word`."""
    first = next((i for i, char in enumerate(word) if char.isalpha()), 0)
    cased = {word, word[:first] + word[first : first + 1].upper() + word[first + 1 :], word.upper()}
    forms = set(cased)
    if "'" in word:
        forms |= {form.replace("'", mark) for form in cased for mark in _APOSTROPHES}
    return sorted(forms)


def vocabulary_file(vocabulary: Sequence[str], tokenize: Callable[[str], list[str]]) -> bytes:
    """MediaPipe's `token id` vocabulary lines for our vocabulary (ids unchanged).

    Args:
        vocabulary: all tokens in id order, `[PAD]` and `[UNK]` first.
        tokenize: our tokenizer's `text -> normalised words` (`WordTokenizer.tokenize`):
            a surface form is listed only where it gives exactly the word.

    Returns:
        UTF-8 lines: `<PAD> 0`, `<UNKNOWN> 1`, then every accepted surface form of each
        word with the word's id.
    """
    lines = [f"{PAD_TOKEN} {PAD_ID}", f"{UNKNOWN_TOKEN} {UNK_ID}"]
    seen = {PAD_TOKEN, UNKNOWN_TOKEN}
    for index, word in enumerate(vocabulary):
        if index in (PAD_ID, UNK_ID):
            continue
        for form in surface_forms(word):
            # A form with a space cannot be a line of the file (MediaPipe splits on ' ').
            if form in seen or " " in form or tokenize(form) != [word]:
                continue
            seen.add(form)
            lines.append(f"{form} {index}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def model_metadata(labels: Sequence[str], max_length: int) -> bytes:
    """The `ModelMetadata` flatbuffer: a text classifier with one RegexTokenizer input
    and one output of class probabilities with its label file."""
    fb = metadata_schema()
    vocabulary = fb.AssociatedFileT()
    vocabulary.name = VOCABULARY_FILE
    vocabulary.description = "Token -> id; several spellings of a word share its id."
    vocabulary.type = fb.AssociatedFileType.VOCABULARY
    tokenizer = fb.RegexTokenizerOptionsT()
    tokenizer.delimRegexPattern = DELIMITER_PATTERN
    tokenizer.vocabFile = [vocabulary]
    unit = fb.ProcessUnitT()
    unit.optionsType = fb.ProcessUnitOptions.RegexTokenizerOptions
    unit.options = tokenizer

    text = fb.TensorMetadataT()
    text.name = "token_ids"
    text.description = (
        f"Word ids of the text, right-padded with {PAD_ID} to at most {max_length}; any "
        "length up to that gives the same answer."
    )
    text.content = fb.ContentT()
    text.content.contentPropertiesType = fb.ContentProperties.FeatureProperties
    text.content.contentProperties = fb.FeaturePropertiesT()
    text.processUnits = [unit]

    label_file = fb.AssociatedFileT()
    label_file.name = LABELS_FILE
    label_file.description = "One class name per line, in output order."
    label_file.type = fb.AssociatedFileType.TENSOR_AXIS_LABELS
    scores = fb.TensorMetadataT()
    scores.name = "probabilities"
    scores.description = "Probability of each class (softmax): they sum to 1."
    scores.content = fb.ContentT()
    scores.content.contentPropertiesType = fb.ContentProperties.FeatureProperties
    scores.content.contentProperties = fb.FeaturePropertiesT()
    scores.stats = fb.StatsT()
    scores.stats.max, scores.stats.min = [1.0], [0.0]
    scores.associatedFiles = [label_file]

    subgraph = fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [text]
    subgraph.outputTensorMetadata = [scores]
    model = fb.ModelMetadataT()
    model.name = "rnn_suite sentiment"
    model.description = f"Text classifier ({', '.join(labels)}): a recurrent model on word ids."
    model.subgraphMetadata = [subgraph]
    model.minParserVersion = MIN_PARSER_VERSION
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), METADATA_IDENTIFIER)
    return bytes(builder.Output())


def with_input_length(model_content: bytes, length: int) -> bytes:
    """The model whose only input's static `shape` is `[1, length]` where its
    `shape_signature` is `[1, -1]`; patched in place (same bytes otherwise).

    MediaPipe pads the ids to the input's static `shape[1]` (a dynamic input stores 1
    there); runners that resize the input per text still may, as `shape_signature` says.
    """
    content = bytearray(model_content)
    model = schema.Model.GetRootAs(content, 0)
    subgraph = model.Subgraphs(0)
    if subgraph.InputsLength() != 1:
        raise TFLiteExportError(
            f"Expected a model with one input (token ids). Received {subgraph.InputsLength()}."
        )
    tensor = subgraph.Tensors(subgraph.Inputs(0))
    signature = [] if tensor.ShapeSignatureIsNone() else tensor.ShapeSignatureAsNumpy().tolist()
    shape = tensor.ShapeAsNumpy().tolist()
    if len(shape) != 2 or shape[0] != 1:
        raise TFLiteExportError(f"Expected an input of shape [1, length]. Received {shape}.")
    if signature and signature[1] != -1 and shape[1] != length:
        raise TFLiteExportError(
            f"Expected a dynamic input length or one of {length}. Received shape {shape}."
        )
    table = tensor._tab  # the generated reader's table: where the shape vector lies
    position = table.Vector(table.Offset(4))  # `shape` is Tensor's first field
    content[position + 4 : position + 8] = int(length).to_bytes(4, "little", signed=True)
    return bytes(content)


def associated_files_zip(files: dict[str, bytes]) -> bytes:
    """A zip of `files`, stored uncompressed (MediaPipe refuses deflated members)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible bytes
            archive.writestr(info, data)
    return buffer.getvalue()


def with_task_metadata(
    model_content: bytes,
    vocabulary: Sequence[str],
    labels: Sequence[str],
    max_length: int,
    tokenize: Callable[[str], list[str]],
) -> bytes:
    """The sentiment model with standard TFLite Model Metadata and its files.

    Adds the `TFLITE_METADATA` entry (`with_metadata_entry`, every byte of the model
    kept), sets the input's static length to `max_length` (`with_input_length`) and
    appends the zip of `vocab.txt` and `labels.txt` (a zip is read from its end, so
    this comes last: nothing may be appended after it). Checked here: operators, tensor
    shapes but the input's, and the other metadata entries read back unchanged, and the
    zip opens; the caller checks the outputs.

    Args:
        model_content: an exported sentiment model (one input, one output).
        vocabulary: all tokens in id order (metadata.json's).
        labels: class names in output order.
        max_length: ids per text in the model's training (MediaPipe's padded length).
        tokenize: our tokenizer's `text -> words` (`WordTokenizer.tokenize`).
    """
    if any("\n" in label for label in labels):
        raise TFLiteExportError(f"Expected labels without line breaks. Received {labels}.")
    entries = metadata_entries(model_content)
    final = with_metadata_entry(model_content, METADATA_ENTRY, model_metadata(labels, max_length))
    final = with_input_length(final, max_length)
    files = {
        VOCABULARY_FILE: vocabulary_file(vocabulary, tokenize),
        LABELS_FILE: ("\n".join(labels) + "\n").encode("utf-8"),
    }
    final += associated_files_zip(files)

    input_name = _input_name(model_content)
    expected_shapes = {**tensor_shapes(model_content), input_name: [1, max_length]}
    comparisons = {
        "operators": (operator_names(model_content), operator_names(final)),
        "tensor shapes": (expected_shapes, tensor_shapes(final)),
        "metadata entries": (
            {k: v for k, v in entries.items() if k != METADATA_ENTRY},
            {k: v for k, v in metadata_entries(final).items() if k != METADATA_ENTRY},
        ),
    }
    for what, (expected, actual) in comparisons.items():
        if actual != expected:
            raise TFLiteExportError(
                "Expected the standard metadata to change nothing but its entry, the input's "
                f"static length and the appended files. Received other {what}: "
                f"{str(actual)[:300]} instead of {str(expected)[:300]}."
            )
    with zipfile.ZipFile(io.BytesIO(final)) as archive:
        if sorted(archive.namelist()) != sorted(files):
            raise TFLiteExportError(f"The appended files do not read back: {archive.namelist()}")
    return final


def _input_name(model_content: bytes) -> str:
    subgraph = schema.Model.GetRootAs(model_content, 0).Subgraphs(0)
    return subgraph.Tensors(subgraph.Inputs(0)).Name().decode("utf-8")


def read_task_metadata(model_content: bytes) -> dict:
    """What a model's standard metadata says, for tests and tools:
    `{"name", "delimiter_pattern", "files": {name: bytes}, "min_parser_version"}`."""
    fb = metadata_schema()
    data = metadata_entries(model_content)[METADATA_ENTRY]
    model = fb.ModelMetadataT.InitFromPackedBuf(bytearray(data), 0)
    unit = model.subgraphMetadata[0].inputTensorMetadata[0].processUnits[0]
    with zipfile.ZipFile(io.BytesIO(model_content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return {
        "name": model.name.decode() if isinstance(model.name, bytes) else model.name,
        "delimiter_pattern": _text(unit.options.delimRegexPattern),
        "files": files,
        "min_parser_version": _text(model.minParserVersion),
    }


def _text(value) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def sentiment_task_metadata(
    vocabulary: Sequence[str], labels: Sequence[str], max_length: int, truncate_from: str
) -> Callable[[bytes], bytes]:
    """`model bytes -> model bytes` with the standard metadata of a sentiment export
    (`PhoneExportSpec.task_metadata`)."""
    tokenize = WordTokenizer(vocabulary, max_length, truncate_from).tokenize
    return functools.partial(
        with_task_metadata,
        vocabulary=list(vocabulary),
        labels=list(labels),
        max_length=max_length,
        tokenize=tokenize,
    )
