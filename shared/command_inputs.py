"""Commands that answer texts (`predict`, `translate`): read them from the arguments or
stdin, answer the valid ones as one batch, and print one JSON line per input, in order."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator

from shared.cli import print_json_line


def read_inputs(texts: list[str]) -> Iterator[tuple[str, str | None, str | None]]:
    """Yields `(origin, text, problem)` for `texts`, or for stdin's lines when there are none
    (read as bytes, so bad UTF-8 is reported)."""
    if texts:
        for i, text in enumerate(texts, start=1):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:  # argv bytes that were not UTF-8
                raw = os.fsencode(text)
                yield (
                    f"argument {i}",
                    raw.decode("utf-8", errors="replace"),
                    f"invalid UTF-8 at byte {error.start}: expected UTF-8 text",
                )
                continue
            yield f"argument {i}", text, None
        return
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        raw = raw.rstrip(b"\r\n")
        try:
            yield f"stdin line {number}", raw.decode("utf-8"), None
        except UnicodeDecodeError as error:
            yield (
                f"stdin line {number}",
                raw.decode("utf-8", errors="replace"),
                f"invalid UTF-8 at byte {error.start}: expected UTF-8 text",
            )


def answer_each_input(
    texts: list[str],
    *,
    accept: Callable[[str], bool],
    rejection: str,
    run: Callable[[list[str]], tuple],
    render: Callable[[object], dict],
    max_tokens: int,
    truncation_note: Callable[[int], str],
) -> int:
    """One JSON line per input, in input order: a result, or an `error` for bad inputs.

    Nothing is dropped: inputs with bad bytes or that `accept` refuses get an error line
    (with `rejection` as the reason), the others are run as one batch. Inputs longer than
    `max_tokens` are counted and `truncation_note(count)` goes to stderr once.

    Args:
        texts: the texts given as arguments (stdin's lines are read when empty).
        accept: whether a decoded text can be processed.
        rejection: the reason given for texts `accept` refuses.
        run: `texts -> (outputs, token_counts)` for the accepted texts.
        render: one output -> the JSON fields that follow `"text"`.
        max_tokens: the model's input length.
        truncation_note: how many inputs were truncated -> the note to print.

    Returns:
        The exit status: 0 when every input got a result, 1 otherwise.
    """
    inputs = list(read_inputs(texts))
    if not inputs:
        raise ValueError("Expected texts as arguments or one per line on stdin. Received none.")
    valid = [i for i, (_, text, problem) in enumerate(inputs) if problem is None and accept(text)]
    outputs, counts = run([inputs[i][1] for i in valid])
    results = dict(zip(valid, zip(outputs, counts, strict=True), strict=True))
    truncated = failures = 0
    for i, (origin, text, problem) in enumerate(inputs):
        if i not in results:
            failures += 1
            print_json_line({"text": text, "error": f"{origin}: {problem or rejection}"})
            continue
        output, count = results[i]
        truncated += int(count > max_tokens)
        print_json_line({"text": text, **render(output)})
    if truncated:
        print(truncation_note(truncated), file=sys.stderr)
    return 1 if failures else 0


def answer_each_chunk(texts: list[str], step: Callable[[str], dict]) -> int:
    """Streams: each input (argument or stdin line, read as it arrives) is the next chunk
    of one text; `step(chunk)` carries the state and returns the running answer, printed
    at once as one JSON line. A chunk that is not UTF-8 gets an `error` line and is
    skipped (the state kept). Returns the exit status: 1 if any chunk was skipped."""
    failures = 0
    for origin, chunk, problem in read_inputs(texts):
        if problem is not None:
            failures += 1
            print_json_line({"text": chunk, "error": f"{origin}: {problem}"})
            continue
        print_json_line({"text": chunk, **step(chunk)})
        sys.stdout.flush()
    return 1 if failures else 0
