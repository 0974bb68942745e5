"""`rnn-edge`: try the phone models from a shell, with LiteRT only (no TensorFlow needed).

    rnn-edge classify saved_models/sentiment/1/tflite "a moving film"
    rnn-edge translate saved_models/translation/1/tflite --beam-width 4 "Hola."
    tail -f chat.txt | rnn-edge stream saved_models/sentiment/3/tflite

Texts come from the arguments or, with none, one per line on stdin; options may come
before, between or after them. Prints one JSON line per text, in the schema the app
CLIs and Python API share (`shared.answers`): `{"text", "label", "score",
"probabilities"}` or `{"text", "translation", "beam"}`. `stream` reads each line (or
argument) as the next chunk of one text, as it comes, and answers each chunk for
everything read so far (as `rnn-sentiment predict --stream`), with the model's
`stream_step` (phone models of a `train --streaming` run). Needs only `pip install
ai-edge-litert numpy` beside this folder (then `python -m shared.edge` runs it
without installing the project).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys

from shared.answers import translation_answer
from shared.cli import positive_int
from shared.command_inputs import answer_each_chunk
from shared.edge.metadata import BROWSER_VARIANT, TFLITE_FOLDER, VARIANTS, MetadataError
from shared.startup import stderr_without

LITERT_NOISE = re.compile(r"^INFO: Created TensorFlow Lite XNNPACK delegate")

COMMANDS = {
    "classify": "sentiment: label and probabilities per text",
    "translate": "translation: greedy or beam search on the device",
    "stream": "sentiment as you type: each line is the next chunk of one text",
}


def build_parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser (usage and help) and one parser per command."""
    parser = argparse.ArgumentParser(
        prog="rnn-edge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    commands = {}
    for name, help_text in COMMANDS.items():
        command = subparsers.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "model_dir",
            help=f"an export folder holding metadata.json (a version's {TFLITE_FOLDER}/)",
        )
        command.add_argument("texts", nargs="*", metavar="TEXT")
        command.add_argument(
            "--variant",
            choices=(*VARIANTS, BROWSER_VARIANT),
            default=None,
            help=f"default: metadata's ({BROWSER_VARIANT}: the unfused model, if exported)",
        )
        command.add_argument(
            "--verbose", action="store_true", help="also print LiteRT's C++ log (XNNPACK)"
        )
        if name == "translate":
            command.add_argument(
                "--beam-width",
                type=positive_int,
                default=None,
                help="1 = greedy; default: metadata's",
            )
            command.add_argument(
                "--n-best",
                type=positive_int,
                default=None,
                metavar="K",
                help="also print the K best beam hypotheses with scores (K <= beam width)",
            )
        commands[name] = command
    return parser, commands


def build_parser() -> argparse.ArgumentParser:
    return build_parsers()[0]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parses a command line, options anywhere among the texts.

    `parse_intermixed_args` refuses parsers with subcommands, so the command picks its own
    parser, which then parses the rest intermixed (a plain `parse_args` would stop taking
    texts at the first option: `translate DIR --beam-width 4 "Hola."` failed).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser, commands = build_parsers()
    if not argv or argv[0] not in commands:
        parser.parse_args(argv)  # usage, help, or "invalid choice": exits
        parser.error(f"expected a command among {sorted(commands)}")
    args = commands[argv[0]].parse_intermixed_args(argv[1:])
    args.command = argv[0]
    return args


def stream(args: argparse.Namespace) -> int:
    """Chunks as they come (stdin lines, or the arguments), one JSON line each, printed at
    once. A chunk that is not UTF-8 gets an `error` line and is skipped (the state kept);
    the exit status is then 1."""
    from shared.edge.sentiment import EdgeSentimentClassifier  # noqa: PLC0415
    from shared.edge.sentiment_stream import EdgeSentimentStream  # noqa: PLC0415

    model = EdgeSentimentClassifier.from_directory(args.model_dir, variant=args.variant)
    streamer = EdgeSentimentStream(model)  # refuses a model without stream_step at once
    state = None

    def step(chunk: str) -> dict:
        nonlocal state
        answer, state = streamer.step(chunk, state)
        return answer

    return answer_each_chunk(args.texts, step)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # LiteRT's C++ prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on fd 2.
    quiet = contextlib.nullcontext() if args.verbose else stderr_without(LITERT_NOISE)
    if args.command == "stream":
        try:
            with quiet:
                return stream(args)
        except (MetadataError, ValueError, FileNotFoundError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin]
    try:
        with quiet:
            if args.command == "classify":
                from shared.edge.sentiment import EdgeSentimentClassifier  # noqa: PLC0415

                model = EdgeSentimentClassifier.from_directory(args.model_dir, variant=args.variant)
                answers = model.classify(texts)
            else:
                from shared.edge.translation import EdgeTranslator  # noqa: PLC0415

                model = EdgeTranslator.from_directory(args.model_dir, variant=args.variant)
                beam = args.beam_width or model.beam_width
                if args.n_best is None:
                    answers = [
                        translation_answer(t, beam) for t in model.translate(texts, beam_width=beam)
                    ]
                else:
                    answers = [
                        translation_answer(h[0][0] if h else "", beam, h)
                        for h in model.translate_n_best(texts, args.n_best, beam)
                    ]
    except (MetadataError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for text, answer in zip(texts, answers, strict=True):
        print(json.dumps({"text": text, **answer}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
