"""The translation benchmark section on the session's tiny trained run (no real data)."""

import gzip
import json
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF

from apps.translation.artifacts import TEST_PAIRS_FILE, TrainedTranslator
from apps.translation.translator import Translator
from benchmarks import report, translation
from benchmarks.context import BenchContext
from shared.datasets.pairs import read_sentence_pairs
from shared.training.history import read_history

# QUICK_FLAGS as config values (flag names and strings -> field names and numbers).
QUICK_VALUES = {
    key.replace("-", "_"): (float(value) if "." in value else int(value))
    for key, value in translation.QUICK_FLAGS.items()
}


def _context(root, quick=False) -> BenchContext:
    return BenchContext(
        data_dir=root / "data", work_dir=root / "work", plots_dir=root / "plots", quick=quick
    )


@pytest.fixture(scope="module")
def bench(tiny_translation_run, tmp_path_factory):
    """The section for the tiny run (as spa-eng) and a deu-eng pair whose file is missing."""
    root = tmp_path_factory.mktemp("bench-translation")
    context = _context(root)
    section = translation.run(
        context,
        pairs={"deu-eng": root / "data" / "deu-eng.tsv.gz"},
        trained_runs={"spa-eng": tiny_translation_run},
    )
    return context, section


def _rows(section, table_index: int) -> list[list]:
    return section.tables[table_index].rows


def _row(section, table_index: int, *key) -> list:
    matches = [row for row in _rows(section, table_index) if tuple(row[: len(key)]) == key]
    assert len(matches) == 1, (key, _rows(section, table_index))
    return matches[0]


def test_table_scores_equal_sacrebleu_on_an_independent_decoding(bench, tiny_translation_run):
    _, section = bench
    trained = TrainedTranslator.load(tiny_translation_run)
    pairs = read_sentence_pairs(tiny_translation_run / TEST_PAIRS_FILE, "spanish", "english")
    translator = Translator(trained)
    widths = {"greedy": 1, f"beam {trained.config.beam_width}": trained.config.beam_width}
    assert trained.config.beam_width == 3  # the fixture's; a beam row must differ from greedy
    for name, width in widths.items():
        hypotheses, _ = translator.translate(pairs.sources, beam_width=width)
        bleu = round(BLEU().corpus_score(hypotheses, [pairs.targets]).score, 2)
        chrf = round(CHRF().corpus_score(hypotheses, [pairs.targets]).score, 2)
        row = _row(section, 0, "spa-eng", name)
        assert row[2:4] == [bleu, chrf]
        assert f"| spa-eng | {name} | {report.cell(bleu)} | {report.cell(chrf)} |" in (
            section.to_markdown("test")
        )
        saved = "greedy" if width == 1 else "beam"
        out_dir = section.results["pairs"]["spa-eng"]["translations_dir"]
        with open(f"{out_dir}/translations_{saved}.txt", encoding="utf-8") as f:
            assert f.read().split("\n")[:-1] == hypotheses


def test_beam_over_greedy_ratios_match_the_raw_numbers(bench):
    _, section = bench
    raw = section.results["pairs"]["spa-eng"]
    row = _row(section, 1, "spa-eng")
    assert row[1:3] == [raw["evaluated_pairs"], 3]
    for cell, key in zip(row[3:], ("bleu", "chrf", "sentences_per_second"), strict=True):
        beam, greedy = raw["beam"][key], raw["greedy"][key]
        assert cell == report.ratio(beam, greedy)
        if greedy == 0:  # the tiny model's greedy BLEU can be 0: no ratio, not a crash
            assert raw["beam_over_greedy"][key] is None and cell == "n/a"
            continue
        assert raw["beam_over_greedy"][key] == pytest.approx(beam / greedy)
        assert float(cell.rstrip("x")) == pytest.approx(beam / greedy, abs=0.005)
    assert raw["greedy"]["chrf"] > 0  # so chrF and speed ratios above were really compared
    # Beam search explores `width` hypotheses per sentence: it cannot be faster here.
    assert raw["beam_over_greedy"]["sentences_per_second"] < 1


def test_speeds_counts_and_model_facts(bench, tiny_translation_run):
    context, section = bench
    raw = section.results["pairs"]["spa-eng"]
    assert raw["greedy"]["sentences_per_second"] > 0
    assert raw["beam"]["sentences_per_second"] > 0
    test_lines = (tiny_translation_run / TEST_PAIRS_FILE).read_text(encoding="utf-8").splitlines()
    assert raw["test_pairs"] == raw["evaluated_pairs"] == len(test_lines) - 1  # header
    trained = TrainedTranslator.load(tiny_translation_run)
    assert raw["parameters"] == trained.model.count_params()
    assert raw["source_vocabulary"] == trained.source_tokenizer.vocabulary_size
    assert raw["target_vocabulary"] == trained.target_tokenizer.vocabulary_size
    # TINY_TRANSLATION (conftest) trains 5 epochs.
    assert raw["epochs"] == len(read_history(tiny_translation_run / "history.csv")) == 5
    assert raw["train_seconds_source"].startswith("TensorBoard")
    assert 0 < raw["train_seconds"] < 600
    row = _row(section, 2, "spa-eng")
    assert row[1:6] == [raw["test_pairs"], raw["source_vocabulary"], raw["target_vocabulary"],
                        raw["parameters"], 5]  # fmt: skip
    # A benchmark run must leave raw numbers that survive a JSON round trip.
    assert json.loads(json.dumps(section.results))["pairs"]["spa-eng"] == raw


def test_missing_pair_file_is_a_note_and_no_row(bench):
    _, section = bench
    assert "deu-eng" in section.results["skipped"]
    assert "deu-eng" not in section.results["pairs"]
    assert any(note.startswith("deu-eng skipped") for note in section.notes)
    for table in section.tables:
        assert [row[0] for row in table.rows if row[0] == "deu-eng"] == []
        assert {row[0] for row in table.rows} == {"spa-eng"}


def test_the_plot_is_a_png_linked_from_the_section(bench):
    context, section = bench
    import matplotlib.image

    path = context.plot_path(translation.PLOT_NAME)
    assert section.plots == [path]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = matplotlib.image.imread(path).shape
    assert height > 100 and width > 100
    markdown = section.to_markdown("test")
    link = markdown.split(f"![{path.stem}](", 1)[1].split(")", 1)[0]
    assert link.endswith(path.name)


def test_quick_mode_caps_the_scored_pairs_and_says_so(tiny_translation_run, tmp_path, monkeypatch):
    monkeypatch.setattr(translation, "QUICK_EVALUATED_PAIRS", 12)
    section = translation.run(
        _context(tmp_path, quick=True), pairs={}, trained_runs={"spa-eng": tiny_translation_run}
    )
    raw = section.results["pairs"]["spa-eng"]
    assert raw["evaluated_pairs"] == 12 < raw["test_pairs"]
    assert section.results["evaluated_pairs_cap"] == 12
    assert any("Quick mode" in note and "meaningless" in note for note in section.notes)
    out_dir = raw["translations_dir"]
    with open(f"{out_dir}/translations_greedy.txt", encoding="utf-8") as f:
        assert len(f.read().splitlines()) == 12


@pytest.mark.parametrize("quick", [False, True])
def test_training_runs_the_cli_with_the_preset_and_the_pair_languages(tmp_path, monkeypatch, quick):
    import apps.translation.train
    from apps.translation.presets import SENTENCE_PAIRS

    seen = []
    monkeypatch.setattr(
        apps.translation.train,
        "train_command",
        lambda args, settings: seen.append((args, settings)) or 0,
    )
    data = tmp_path / "fra-eng.tsv.gz"
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.write("english\tfrench\n" + "".join(f"Hi {i}.\tSalut {i} !\n" for i in range(50)))
    context = _context(tmp_path, quick=quick)
    run_dir, reused = translation.train_pair(context, "fra-eng", data)

    [(args, settings)] = seen
    config = settings.config
    assert run_dir == args.run_dir == context.work("translation", "fra-eng")
    assert not args.overwrite and not reused
    assert (config.source_language, config.target_language) == ("french", "english")
    assert settings.preset == SENTENCE_PAIRS.name
    expected = {**SENTENCE_PAIRS.values, **(QUICK_VALUES if quick else {})}
    assert {k: getattr(config, k) for k in expected} == expected
    if quick:  # trained on a slice written under the work folder, never on the file itself
        assert Path(args.data).parent == context.work("translation", "data")
        assert read_sentence_pairs(args.data, "french", "english").sources[0] == "Salut 0 !"
    else:
        assert Path(args.data) == data


def test_a_finished_run_in_the_work_folder_is_reported_as_reused_unless_retrained(
    tmp_path, monkeypatch, tiny_translation_run
):
    import shutil

    import apps.translation.train

    overwrites = []
    monkeypatch.setattr(
        apps.translation.train,
        "train_command",
        lambda args, config: overwrites.append(args.overwrite) or 0,
    )
    context = _context(tmp_path, quick=False)
    # An earlier benchmark's finished run, where this one would train.
    shutil.copytree(
        tiny_translation_run, context.work("translation", "spa-eng"), dirs_exist_ok=True
    )
    data = tmp_path / "spa-eng.tsv"
    data.write_text("english\tspanish\nHi.\tHola.\n", encoding="utf-8")

    reused = translation.run(context, pairs={"spa-eng": data})
    [note] = [n for n in reused.notes if n.startswith("spa-eng:")]
    assert "earlier benchmark and reused" in note and "--retrain" in note

    retrained = translation.run(context, pairs={"spa-eng": data}, retrain=True)
    [note] = [n for n in retrained.notes if n.startswith("spa-eng:")]
    assert "trained by this benchmark" in note
    assert overwrites == [False, True]


def test_a_failing_training_is_a_note_not_a_crash(tmp_path, monkeypatch):
    import apps.translation.train

    def refuse(args, config):
        raise ValueError("holds a run with other settings")

    monkeypatch.setattr(apps.translation.train, "train_command", refuse)
    data = tmp_path / "spa-eng.tsv"
    data.write_text("english\tspanish\nHi.\tHola.\n", encoding="utf-8")
    section = translation.run(_context(tmp_path), pairs={"spa-eng": data})
    assert section.results["pairs"] == {} and section.tables == [] and section.plots == []
    assert "exit status 2" in section.results["skipped"]["spa-eng"]
    assert any(note.startswith("spa-eng skipped") for note in section.notes)


def test_quick_slice_spreads_over_the_file_and_keeps_the_header(tmp_path):
    data = tmp_path / "spa-eng.tsv.gz"
    rows = [f"English {i}.\tEspañol {i}." for i in range(1000)]
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.write("english\tspanish\n" + "\n".join(rows) + "\n")
    sliced = translation.quick_slice(data, tmp_path / "quick.tsv", size=100)
    lines = sliced.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "english\tspanish"
    assert lines[1:] == rows[::10]
    pairs = read_sentence_pairs(sliced, "spanish", "english")
    assert len(pairs) == 100 and pairs.sources[-1] == "Español 990."


def test_pair_names_map_to_the_apps_language_names():
    assert translation.languages("spa-eng") == ("spanish", "english")
    assert translation.languages("fra-eng") == ("french", "english")
    with pytest.raises(ValueError, match="Expected a pair name"):
        translation.languages("spanish")
