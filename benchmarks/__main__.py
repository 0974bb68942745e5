"""`rnn-bench` (`make bench`): run the benchmark sections and write BENCHMARKS.md.

    rnn-bench                       # everything (hours on 2 cores)
    rnn-bench --quick               # a few minutes: small slices, short training
    rnn-bench --sections inference --sentiment-run sst2=runs/sentiment/...
    rnn-bench --translation-run spa-eng=runs/translation/...   # skip its training
    rnn-bench --sections streaming  # streaming step vs whole text on LiteRT (~5 min)

Needs the real data sets (`--data-dir`, default ../shared/data; `make bench
SHARED_DATA=DIR`).

Each section replaces only its own block in the output file; the experiment log and the
other sections stay.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import shlex
import sys
import time
from pathlib import Path

from benchmarks.context import DEFAULT_DATA_DIR, DEFAULT_WORK_DIR, BenchContext, cpu_cores
from shared.cli import add_verbose_argument, quiet_tensorflow

SECTIONS = ("sentiment", "translation", "inference", "streaming")


def named_paths(values: list[str], flag: str) -> dict[str, Path]:
    """`["sst2=runs/a", ...]` -> `{"sst2": Path("runs/a")}`, with a clear error otherwise."""
    paths = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise SystemExit(f"error: expected {flag} NAME=RUN_DIR. Received: {value!r}")
        if not Path(path, "model.keras").is_file():
            raise SystemExit(
                f"error: expected {flag} to name a finished run (with model.keras). "
                f"Received: {path}"
            )
        paths[name] = Path(path)
    return paths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnn-bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="The few-minute subset.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Real data sets.")
    parser.add_argument(
        "--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="Runs, exports, raw JSON."
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="Markdown file to update (default: BENCHMARKS.md; quick runs: "
        "<work-dir>/BENCHMARKS-quick.md, so they never overwrite full numbers).",
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"Comma-separated subset of {','.join(SECTIONS)}.",
    )
    parser.add_argument(
        "--sentiment-run",
        action="append",
        default=[],
        metavar="NAME=RUN_DIR",
        help="A finished sentiment run for the inference section (sst2=..., imdb=...), "
        "used when the sentiment section is not run.",
    )
    parser.add_argument(
        "--translation-pairs",
        default="spa-eng,fra-eng",
        help="Language pairs to benchmark (files translation/<pair>.tsv.gz in --data-dir); "
        "a pair without --translation-run is trained with the real-data preset (~35 min "
        "for spa-eng on 2 cores).",
    )
    parser.add_argument(
        "--translation-run",
        action="append",
        default=[],
        metavar="PAIR=RUN_DIR",
        help="A finished translation run to evaluate instead of training one (spa-eng=...).",
    )
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="Train the translation pairs afresh. By default an interrupted run in "
        "--work-dir resumes and a finished one is reused (the report says which).",
    )
    add_verbose_argument(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"error: expected sections from {list(SECTIONS)}. Received: {unknown}")
    sentiment_runs = named_paths(args.sentiment_run, "--sentiment-run")
    translation_runs = named_paths(args.translation_run, "--translation-run")
    if not args.data_dir.is_dir():
        # Every section measures on these files: without them a report of "skipped" lines
        # would look like a successful benchmark.
        raise SystemExit(
            f"error: expected the real data sets (imdb/, sst2/, translation/) in "
            f"{args.data_dir}. Received: no such folder. Point at them with "
            f"`make bench-quick SHARED_DATA=DIR` (or `make bench SHARED_DATA=DIR`, "
            f"`rnn-bench --data-dir DIR`); ../shared/data/README.md lists the sources."
        )
    context = BenchContext(data_dir=args.data_dir, work_dir=args.work_dir, quick=args.quick)
    out = args.out or (
        args.work_dir / "BENCHMARKS-quick.md" if args.quick else Path("BENCHMARKS.md")
    )
    command = "rnn-bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    measured_on = (
        f"{datetime.date.today().isoformat()} on {platform.machine()} "
        f"({cpu_cores()} CPU cores, Python {platform.python_version()})"
    )

    # Imported lazily: each section pulls in TensorFlow and its app.
    quiet_tensorflow(args.verbose)
    from benchmarks import report

    for name in sections:
        started = time.perf_counter()
        print(f"== benchmark section: {name} ==", flush=True)
        if name == "sentiment":
            from benchmarks import sentiment

            section = sentiment.run(context)
            for dataset, result in section.results.items():
                sentiment_runs.setdefault(dataset, Path(result["ours"]["run_dir"]))
        elif name == "translation":
            from benchmarks import translation

            pairs = [p.strip() for p in args.translation_pairs.split(",") if p.strip()]
            section = translation.run(
                context,
                pairs={p: args.data_dir / "translation" / f"{p}.tsv.gz" for p in pairs},
                trained_runs=translation_runs,
                retrain=args.retrain,
            )
            for pair, result in section.results.get("pairs", {}).items():
                if result.get("run_dir"):
                    translation_runs.setdefault(pair, Path(result["run_dir"]))
        elif name == "streaming":
            from benchmarks import stream_latency

            section = stream_latency.run_section(context)
        else:
            from benchmarks.inference import section as inference_section

            section = inference_section.run(context, sentiment_runs, translation_runs)
        section.command = command.strip()
        seconds = time.perf_counter() - started
        section.notes.append(f"Section wall time: {seconds:,.0f} s.")
        report.save_results(context.work(), section)
        report.update_benchmarks_file(out, section, measured_on)
        print(f"== {name}: {seconds:,.0f} s; written to {out} ==", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
