"""`python -m shared.edge` (rnn-edge): classifies and translates without TensorFlow, with
the same fields as the apps' own commands."""

import json

import numpy as np
import pytest

from apps.translation.artifacts import TrainedTranslator
from shared.edge.sentiment import EdgeSentimentClassifier
from shared.edge.translation import EdgeTranslator
from tests.helpers.edge import (
    REVIEWS,
    SENTENCES,
    run_edge_cli,
)


def test_edge_cli_classifies_and_translates_without_tensorflow(sentiment_dir, translation_dir):
    result = run_edge_cli("classify", str(sentiment_dir), *REVIEWS[:2])
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    expected = EdgeSentimentClassifier.from_directory(sentiment_dir).classify(REVIEWS[:2])
    assert [line["text"] for line in lines] == REVIEWS[:2]
    assert [line["label"] for line in lines] == [e["label"] for e in expected]
    # The same fields as `python -m apps.sentiment predict` prints, rounded the same way.
    assert all(set(line) == {"text", "label", "score", "probabilities"} for line in lines)
    assert [line["probabilities"] for line in lines] == [e["probabilities"] for e in expected]

    result = run_edge_cli(
        "translate", str(translation_dir), "--beam-width", "1", stdin="\n".join(SENTENCES[:2])
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    greedy = EdgeTranslator.from_directory(translation_dir).translate(SENTENCES[:2], beam_width=1)
    assert [line["translation"] for line in lines] == greedy
    # The same fields as `python -m apps.translation translate`: the beam width used.
    assert lines[0] == {"text": SENTENCES[0], "translation": greedy[0], "beam": 1}
    result = run_edge_cli("translate", str(translation_dir), SENTENCES[0])
    assert json.loads(result.stdout)["beam"] == 3  # the export's default width


def test_edge_cli_refuses_a_model_of_the_other_app_with_a_clear_error(sentiment_dir):
    result = run_edge_cli("translate", str(sentiment_dir), "hola")
    assert result.returncode == 2
    assert "error:" in result.stderr and "translation" in result.stderr
    assert result.stdout == ""


def assert_options_anywhere(command: str, directory, texts, option, field: str, expected):
    """`command` gives `expected` under `field` for `texts` with `option` before, between
    and after the texts."""
    for args in ([*option, *texts], [texts[0], *option, texts[1]], [*texts, *option]):
        result = run_edge_cli(command, str(directory), *args)
        assert result.returncode == 0, (args, result.stderr[-2000:])
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["text"] for line in lines] == texts
        assert [line[field] for line in lines] == expected


def test_edge_cli_takes_options_before_between_and_after_texts(sentiment_dir, translation_dir):
    classifier = EdgeSentimentClassifier.from_directory(sentiment_dir, "float32")
    expected = [c["label"] for c in classifier.classify(REVIEWS[:2])]
    option = ["--variant", "float32"]
    assert_options_anywhere("classify", sentiment_dir, REVIEWS[:2], option, "label", expected)

    translator = EdgeTranslator.from_directory(translation_dir)
    expected = translator.translate(SENTENCES[:2], beam_width=2)
    option = ["--beam-width", "2"]
    assert_options_anywhere(
        "translate", translation_dir, SENTENCES[:2], option, "translation", expected
    )


def test_edge_cli_rejects_a_beam_width_below_one(translation_dir):
    for width in ("0", "-3", "two"):
        result = run_edge_cli("translate", str(translation_dir), "--beam-width", width, "Hola.")
        assert result.returncode == 2, width
        assert "argument --beam-width: expected an integer >= 1" in result.stderr, result.stderr
        assert result.stdout == ""


def test_edge_n_best_matches_the_tensorflow_translator_and_the_cli_prints_it(
    translation_dir, tiny_translation_run
):
    from apps.translation.translator import Translator

    translator = EdgeTranslator.from_directory(translation_dir, variant="float32")
    hypotheses = translator.translate_n_best(SENTENCES[:2], 3, beam_width=3)
    best = translator.translate(SENTENCES[:2], beam_width=3, use_loop_signature=False)
    expected, _ = Translator(TrainedTranslator.load(tiny_translation_run)).translate_n_best(
        SENTENCES[:2], 3, 3
    )
    for found, first, reference in zip(hypotheses, best, expected, strict=True):
        assert len(found) == 3 and found[0][0] == first
        assert [text for text, _ in found] == [text for text, _ in reference]
        np.testing.assert_allclose([s for _, s in found], [s for _, s in reference], atol=1e-3)
    with pytest.raises(ValueError, match=r"Expected n_best between 1 and the beam width \(2\)"):
        translator.translate_n_best(SENTENCES[:1], 3, beam_width=2)

    result = run_edge_cli(
        "translate", str(translation_dir), "--variant", "float32", "--n-best", "2", SENTENCES[0]
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["beam"] == 3 and answer["translation"] == answer["n_best"][0]["translation"]
    assert [h["translation"] for h in answer["n_best"]] == [t for t, _ in hypotheses[0][:2]]
