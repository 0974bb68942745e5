"""Try the phone models from a shell, with LiteRT only (no TensorFlow needed).

    python -m shared.edge classify saved_models/sentiment/1/tflite "a moving film"
    python -m shared.edge translate saved_models/translation/1/tflite --beam-width 4 "Hola."

Texts come from the arguments or, with none, one per line on stdin. Prints one JSON line
per text. Needs only `pip install ai-edge-litert numpy` beside this folder.
"""

from __future__ import annotations

import argparse
import json
import sys

from shared.edge.metadata import MetadataError

VARIANTS = ("float32", "float16", "dynamic_range")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared.edge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("classify", "sentiment: label and probabilities per text"),
        ("translate", "translation: greedy or beam search on the device"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("model_dir", help="a tflite/ folder holding metadata.json")
        command.add_argument("texts", nargs="*", metavar="TEXT")
        command.add_argument(
            "--variant", choices=VARIANTS, default=None, help="default: metadata's"
        )
        if name == "translate":
            command.add_argument(
                "--beam-width", type=int, default=None, help="1 = greedy; default: metadata's"
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    texts = args.texts or [line.rstrip("\r\n") for line in sys.stdin]
    try:
        if args.command == "classify":
            from shared.edge.sentiment import EdgeSentimentClassifier  # noqa: PLC0415

            model = EdgeSentimentClassifier.from_directory(args.model_dir, variant=args.variant)
            answers = model.classify(texts)
        else:
            from shared.edge.translation import EdgeTranslator  # noqa: PLC0415

            if args.beam_width is not None and args.beam_width < 1:
                raise ValueError(f"Expected --beam-width >= 1. Received: {args.beam_width}")
            model = EdgeTranslator.from_directory(args.model_dir, variant=args.variant)
            answers = [
                {"translation": t} for t in model.translate(texts, beam_width=args.beam_width)
            ]
    except (MetadataError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for text, answer in zip(texts, answers, strict=True):
        print(json.dumps({"text": text, **answer}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
