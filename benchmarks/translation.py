"""Translation section: BLEU, chrF and decoding speed, greedy vs beam, per language pair.

Each pair is trained through the app's own `train` command (or a finished run is passed
in), then its held-out `test_pairs.tsv` (unique source sentences never seen in training)
is translated greedily and with the run's beam by the app's `evaluate_translations`.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

from benchmarks import plotting, report
from benchmarks.context import BenchContext
from shared.datasets.languages import language_name

DEFAULT_PAIRS = {
    "spa-eng": "translation/spa-eng.tsv.gz",
    "fra-eng": "translation/fra-eng.tsv.gz",
}
PLOT_NAME = "translation_bleu.png"

# Quick mode: the whole path (slice -> train -> decode -> score) in a few minutes on 2 cores.
QUICK_PAIRS = 3000
QUICK_EVALUATED_PAIRS = 300
QUICK_FLAGS = {
    "epochs": "2",
    "patience": "1",
    "test-split": "0.1",
    "source-vocabulary-size": "1000",
    "target-vocabulary-size": "1000",
    "embedding-dim": "32",
    "encoder-units": "32",
    "decoder-units": "64",
    "batch-size": "64",
}


def languages(pair: str) -> tuple[str, str]:
    """`"spa-eng"` -> `("spanish", "english")`, the app's names for the ISO codes."""
    codes = pair.split("-")
    if len(codes) != 2 or not all(codes):
        raise ValueError(
            f"Expected a pair name '<source>-<target>' (ISO codes, e.g. spa-eng). Received: {pair}"
        )
    return language_name(codes[0]), language_name(codes[1])


def quick_slice(data: Path, destination: Path, size: int = QUICK_PAIRS) -> Path:
    """Writes the header and `size` pairs evenly spread over `data` (all sentence lengths).

    The Tatoeba files are sorted by length, so the first rows alone would be one-word pairs.
    """
    if destination.is_file():
        return destination
    opener = gzip.open if data.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(data, "rt", encoding="utf-8", newline="") as f:
        header, *rows = f.read().splitlines()
    stride = max(1, len(rows) // size)
    kept = rows[::stride][:size]
    tmp = destination.with_suffix(".tmp")
    tmp.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    tmp.replace(destination)
    return destination


def train_argv(
    data: Path, run_dir: Path, pair: str, quick: bool, retrain: bool = False
) -> list[str]:
    """The `python -m apps.translation ...` arguments that train `pair`."""
    source, target = languages(pair)
    # No --preset: `auto` gives a data file the real-data preset, as users get it.
    argv = ["train", "--data", str(data), "--run-dir", str(run_dir)]
    if retrain:
        argv.append("--overwrite")
    argv += ["--source-language", source, "--target-language", target]
    if quick:
        argv += [item for key, value in QUICK_FLAGS.items() for item in (f"--{key}", value)]
    return argv


def train_pair(
    context: BenchContext, pair: str, data: Path, retrain: bool = False
) -> tuple[Path, bool]:
    """Trains (or resumes, or reuses the finished) run of `pair` exactly as the CLI does.

    Goes through the app's `main`, so argument parsing and settings resolution are the
    ones `python -m apps.translation train ...` uses, whatever they grow into. An hour of
    training is worth resuming after a kill, so a run is only started afresh with
    `retrain`.

    Returns:
        The run folder, and whether an earlier benchmark had already finished it (its
        model then predates this run, which the report must say).
    """
    from apps.translation.cli import main
    from shared.training.run_directory import RunDirectory

    if context.quick:
        data = quick_slice(data, context.work("translation", "data") / f"{pair}-quick.tsv")
    run_dir = context.work("translation", pair)
    reused = not retrain and RunDirectory(run_dir).is_finished
    status = main(train_argv(data, run_dir, pair, context.quick, retrain))
    if status != 0:
        raise RuntimeError(
            f"Expected `python -m apps.translation train` to exit with 0. Received: exit "
            f"status {status} for {run_dir} (its error is printed above)."
        )
    return run_dir, reused


def training_seconds(run_dir: Path) -> tuple[float | None, str]:
    """Wall time of `fit` over every session of the run, and where the figure comes from.

    TensorBoard opens one event file per training session at `on_train_begin` and logs each
    epoch end, so the spans add up to the training time of a resumed run too; metrics.json
    only knows the last session.
    """
    import tensorflow as tf
    from tensorflow.core.util.event_pb2 import Event

    spans = []
    for events in sorted((run_dir / "tensorboard" / "train").glob("events.out.tfevents.*")):
        records = tf.data.TFRecordDataset(str(events)).as_numpy_iterator()
        times = [Event.FromString(record).wall_time for record in records]
        if len(times) > 1:
            spans.append(max(times) - min(times))
    if spans:
        return sum(spans), f"TensorBoard event times ({len(spans)} session(s))"
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    for key in ("train_seconds_this_session", "train_seconds"):
        if key in metrics:
            return float(metrics[key]), f"metrics.json `{key}` (last session only)"
    return None, "not recorded"


def _keep_outputs(translator, expected: int) -> dict[int, list[str]]:
    """Makes `translator` remember its `expected`-sentence outputs, per beam width.

    `evaluate_translations` returns scores only; the benchmark also saves the translations,
    so that every score can be recomputed from files.
    """
    outputs: dict[int, list[str]] = {}
    translate = translator.translate

    def keeping(texts, beam_width=None, **options):  # options: `progress`
        translations, counts = translate(texts, beam_width, **options)
        if len(texts) == expected:  # not the two-sentence warm-up call
            outputs[beam_width or translator.trained.config.beam_width] = translations
        return translations, counts

    translator.translate = keeping
    return outputs


def evaluate_run(run_dir: Path, limit: int | None, out_dir: Path) -> dict:
    """Greedy and beam BLEU/chrF/speed of a finished run on its held-out pairs."""
    from apps.translation.artifacts import TEST_PAIRS_FILE, TrainedTranslator
    from apps.translation.data import load_pairs
    from apps.translation.report import evaluate_translations
    from apps.translation.translator import Translator
    from shared.training.history import read_history

    trained = TrainedTranslator.load(run_dir)
    config = trained.config
    test_pairs = load_pairs(run_dir / TEST_PAIRS_FILE, config, length_filter=False)
    evaluated = test_pairs.subset(range(min(limit or len(test_pairs), len(test_pairs))))
    translator = Translator(trained)
    outputs = _keep_outputs(translator, len(evaluated))
    metrics, text = evaluate_translations(
        translator,
        evaluated.sources,
        evaluated.targets,
        title=f"{run_dir / TEST_PAIRS_FILE} ({len(evaluated)} pairs)",
    )
    (out_dir / "report.txt").write_text(text, encoding="utf-8")
    beam = config.beam_width
    for width, name in ((1, "greedy"), (beam, "beam")):
        lines = "".join(line + "\n" for line in outputs[width])
        (out_dir / f"translations_{name}.txt").write_text(lines, encoding="utf-8")
    speeds = metrics["sentences_per_second"]
    greedy = {**metrics["greedy"], "sentences_per_second": speeds["greedy"]}
    beamed = {
        "bleu": metrics["bleu"],
        "chrf": metrics["chrf"],
        "sentences_per_second": speeds[f"beam{beam}"],
    }
    seconds, seconds_source = training_seconds(run_dir)
    return {
        "run_dir": str(run_dir),
        "test_pairs": len(test_pairs),
        "evaluated_pairs": len(evaluated),
        "beam_width": beam,
        "greedy": greedy,
        "beam": beamed,
        "beam_over_greedy": {
            key: (beamed[key] / greedy[key] if greedy[key] else None) for key in RATIO_COLUMNS
        },
        "bleu_signature": metrics["bleu_signature"],
        "translations_dir": str(out_dir),
        "source_vocabulary": trained.source_tokenizer.vocabulary_size,
        "target_vocabulary": trained.target_tokenizer.vocabulary_size,
        "parameters": trained.model.count_params(),
        "epochs": len(read_history(run_dir / "history.csv")),
        "train_seconds": seconds,
        "train_seconds_source": seconds_source,
    }


def plot(results: dict[str, dict], path: Path) -> Path:
    """BLEU and chrF bars, greedy beside beam, for every evaluated pair."""
    figure, axes = plotting.new_figure()
    groups = [(pair, metric) for pair in results for metric in ("bleu", "chrf")]
    width = 0.38
    for offset, mode in ((-width / 2, "greedy"), (width / 2, "beam")):
        values = [results[pair][mode][metric] for pair, metric in groups]
        positions = [i + offset for i in range(len(groups))]
        label = mode if mode == "greedy" else "beam search (run's width)"
        bars = axes.bar(positions, values, width, label=label)
        axes.bar_label(bars, fmt="%.1f", fontsize=8)
    axes.set_xticks(
        range(len(groups)), [f"{pair}\n{'BLEU' if m == 'bleu' else 'chrF'}" for pair, m in groups]
    )
    axes.set_ylabel("score (sacrebleu)")
    axes.set_title("Held-out test pairs: greedy vs beam search")
    top = max(r[mode][metric] for r in results.values() for mode in ("greedy", "beam")
              for metric in ("bleu", "chrf"))  # fmt: skip
    axes.set_ylim(0, max(top, 1.0) * 1.25)  # room for the legend above the bars
    axes.legend(loc="upper left", ncol=2)
    return plotting.save_figure(figure, path)


RATIO_COLUMNS = {"bleu": "BLEU", "chrf": "chrF", "sentences_per_second": "speed"}


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds / 60:.1f} min" if seconds >= 120 else f"{seconds:.1f} s"


def _tables(results: dict[str, dict]) -> list[report.Table]:
    quality = report.Table(
        ["pair", "decoding", "BLEU", "chrF", "sentences/s"],
        [
            [pair, name, r[mode]["bleu"], r[mode]["chrf"], r[mode]["sentences_per_second"]]
            for pair, r in results.items()
            for mode, name in (("greedy", "greedy"), ("beam", f"beam {r['beam_width']}"))
        ],
        caption="Held-out test pairs (source sentences unseen in training), one reference.",
    )
    ratios = report.Table(
        ["pair", "evaluated pairs", "beam"]
        + [f"{label} beam/greedy" for label in RATIO_COLUMNS.values()],
        [
            [pair, r["evaluated_pairs"], r["beam_width"]]
            + [report.ratio(r["beam"][key], r["greedy"][key]) for key in RATIO_COLUMNS]
            for pair, r in results.items()
        ],
        caption="Beam search against greedy decoding: same model, same sentences.",
    )
    models = report.Table(
        ["pair", "test pairs", "source vocab", "target vocab", "parameters", "epochs"]
        + ["training time"],
        [
            [pair, r["test_pairs"], r["source_vocabulary"], r["target_vocabulary"]]
            + [r["parameters"], r["epochs"]]
            + [_duration(r["train_seconds"])]
            for pair, r in results.items()
        ],
        caption="Models: WordPiece vocabularies, BiLSTM encoder -> LSTM decoder, no attention.",
    )
    return [quality, ratios, models]


def run(
    context: BenchContext,
    pairs: dict[str, Path] | None = None,
    trained_runs: dict[str, Path] | None = None,
    retrain: bool = False,
) -> report.Section:
    """Trains (or takes) one run per language pair and measures its held-out translations.

    Args:
        context: data/work/plot folders, quick mode and seed.
        pairs: pair name (`"spa-eng"`: source ISO code, then target) -> pair file. Defaults
            to the Tatoeba files under `context.data_dir/translation`; missing files are
            reported in the notes and skipped.
        trained_runs: pair name -> finished run folder to evaluate instead of training
            (a full spa-eng training takes over an hour on 2 CPU cores).
        retrain: train afresh even where an earlier benchmark left a finished run in the
            work folder (by default it is reused, and the notes say so).

    Returns:
        The "translation" section: quality/speed, beam-vs-greedy and model tables, one
        plot, notes, and the raw numbers under `results["pairs"]`.
    """
    if pairs is None:
        pairs = {name: context.data_dir / relative for name, relative in DEFAULT_PAIRS.items()}
    trained_runs = dict(trained_runs or {})
    limit = QUICK_EVALUATED_PAIRS if context.quick else None
    notes, results, skipped = [], {}, {}
    for pair in dict.fromkeys([*pairs, *trained_runs]):
        out_dir = context.work("translation", f"{pair}-evaluation")
        try:
            origin = "a run passed in"
            if pair in trained_runs:
                run_dir = Path(trained_runs[pair])
            elif not Path(pairs[pair]).is_file():
                raise FileNotFoundError(f"no pair file at {pairs[pair]}")
            else:
                print(f"[translation] training {pair} on {pairs[pair]}", flush=True)
                run_dir, reused = train_pair(context, pair, Path(pairs[pair]), retrain)
                origin = (
                    "finished by an earlier benchmark and reused; --retrain trains afresh"
                    if reused
                    else "trained by this benchmark"
                )
            print(f"[translation] evaluating {run_dir}", flush=True)
            started = time.monotonic()
            results[pair] = evaluate_run(run_dir, limit, out_dir)
            results[pair]["origin"] = origin
            results[pair]["evaluation_seconds"] = round(time.monotonic() - started, 1)
        except (FileNotFoundError, ValueError, RuntimeError) as error:
            skipped[pair] = str(error)
            notes.append(f"{pair} skipped: {error}")
    plots = [plot(results, context.plot_path(PLOT_NAME))] if results else []
    if context.quick:
        notes.append(
            f"Quick mode: each pair trained on {QUICK_PAIRS:,} pairs spread over its file, with "
            f"a small model ({', '.join(f'{k}={v}' for k, v in QUICK_FLAGS.items())}), and "
            f"scored on at most {QUICK_EVALUATED_PAIRS} held-out pairs. The scores are "
            "meaningless; the run only exercises the whole path."
        )
    for pair, r in results.items():
        notes.append(
            f"{pair}: `{r['run_dir']}` ({r['origin']}); {r['evaluated_pairs']:,} of "
            f"{r['test_pairs']:,} held-out pairs scored; training time from "
            f"{r['train_seconds_source']}; translations in `{r['translations_dir']}`."
        )
    if results:
        signature = next(iter(results.values()))["bleu_signature"]
        notes.append(
            f"BLEU and chrF: sacrebleu corpus scores ({signature}). Speed: the app's batched "
            "decoding (64 sentences per graph call, traced before timing) on this shared "
            "CPU machine; compare the ratios, the absolute rates drift."
        )
    return report.Section(
        key="translation",
        title="Translation: BLEU, chrF and decoding speed",
        tables=_tables(results) if results else [],
        plots=plots,
        notes=notes,
        results={
            "quick": context.quick,
            "evaluated_pairs_cap": limit,
            "pairs": results,
            "skipped": skipped,
        },
        command="",
    )
