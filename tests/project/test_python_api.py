"""The Python API (`apps.sentiment.load/train`, `apps.translation.load/train`), its answer
schema, cheap package imports, and `import shared` registering the layers for Keras."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from shared.training.run_directory import RunDirectory
from tests.helpers.paths import REPO_ROOT


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


# --- imports: cheap packages, registered layers ---------------------------------------


def test_importing_the_packages_and_their_api_names_loads_no_tensorflow():
    result = run_python(
        """
        import sys
        import shared, shared.edge, shared.answers
        from apps.sentiment import SentimentConfig, DataOptions
        from apps.translation import TranslationConfig
        import apps.sentiment.api, apps.translation.api
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


LOAD_MODEL = """
    import sys
    {imports}
    import keras
    model = keras.models.load_model(sys.argv[1])
    print(model.get_layer("encoder").__class__.__name__)
"""


@pytest.mark.parametrize(
    "imports",
    ["import shared", "import keras; import shared", "import shared; import tensorflow"],
)
def test_load_model_works_after_import_shared_in_any_order(tiny_sentiment_run, imports):
    result = run_python(LOAD_MODEL.format(imports=imports), str(tiny_sentiment_run / "model.keras"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "BidirectionalRecurrentEncoder"


def test_api_load_keeps_tensorflow_start_up_log_quiet(tiny_sentiment_run):
    script = """
    import os, sys
    os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
    from apps.sentiment import load
    print(load(sys.argv[1]).predict("fine")["label"])
    """
    result = run_python(script, str(tiny_sentiment_run))
    assert result.returncode == 0, result.stderr[-3000:]
    for noise in ("cuInit", "cudart_stub", "absl::InitializeLog", "cpu_feature_guard"):
        assert noise not in result.stderr, result.stderr[-2000:]


def test_without_import_shared_load_model_cannot_find_the_layers(tiny_sentiment_run):
    """What `import shared` fixes: Keras alone does not know the custom classes."""
    result = run_python(LOAD_MODEL.format(imports=""), str(tiny_sentiment_run / "model.keras"))
    assert result.returncode != 0
    assert "TypeError" in result.stderr and "rnn_suite>" in result.stderr


def test_import_shared_edge_stays_tensorflow_free_even_when_keras_is_blocked():
    result = run_python(
        """
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("tensorflow", "keras"):
                    raise ImportError(f"{name} is blocked")

        sys.meta_path.insert(0, Block())
        import shared.edge.sentiment, shared.edge.translation, shared.edge.__main__
        print("tensorflow" in sys.modules, "keras" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False False"


# --- sentiment ------------------------------------------------------------------------


def test_sentiment_load_predicts_the_shared_schema_through_the_predictor(tiny_sentiment_run):
    from apps.sentiment import load
    from apps.sentiment.inference import SentimentPredictor

    classifier = load(tiny_sentiment_run)
    texts = ["A gem of a film.", "Dull, dull, dull.", "ok"]
    answers = classifier.predict(texts)
    raw, _ = SentimentPredictor(classifier.trained).predict(texts)
    assert classifier.labels == ("negative", "positive")
    assert [a["label"] for a in answers] == [classifier.labels[i] for i in raw.argmax(axis=1)]
    for answer, row in zip(answers, raw, strict=True):
        assert set(answer) == {"label", "score", "probabilities"}
        assert answer["probabilities"] == {
            name: round(float(p), 4) for name, p in zip(classifier.labels, row, strict=True)
        }
        assert (
            answer["score"]
            == answer["probabilities"][answer["label"]]
            == round(float(row.max()), 4)
        )
    # One text in, one answer out; calling the object is predict.
    assert classifier.predict(texts[0]) == answers[0] == classifier(texts[0])
    np.testing.assert_allclose(classifier.probabilities(texts), raw, rtol=1e-6)
    with pytest.raises(TypeError, match="Expected texts as str"):
        classifier.predict(["fine", 3])
    # A blank text is refused up front (it used to fail deep in the graph).
    with pytest.raises(ValueError, match=r"non-space character.*index \[1, 2\]"):
        classifier.predict(["fine", "", "   "])


def test_sentiment_load_without_a_path_takes_the_latest_finished_run(
    tiny_sentiment_run, tmp_path, monkeypatch
):
    from apps.sentiment import load

    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="Expected a trained model under runs"):
        load()
    shutil.copytree(tiny_sentiment_run, tmp_path / "runs" / "sentiment" / "latest")
    assert load().run_dir == Path("runs/sentiment/latest")


def test_sentiment_train_takes_a_config_object_and_data_options(tmp_path, capsys):
    from apps.sentiment import DataOptions, SentimentConfig, load, train
    from apps.sentiment.corpus import generate_reviews

    texts, labels = generate_reviews(200, seed=5)
    data = tmp_path / "reviews.tsv"
    data.write_text(
        "review\tsentiment\n" + "".join(f"{t}\t{y}\n" for t, y in zip(texts, labels, strict=True)),
        encoding="utf-8",
    )
    config = SentimentConfig(
        epochs=1, units=4, embedding_dim=8, max_length=32, max_tokens=300, min_count=1
    )
    run_dir = tmp_path / "run"
    options = DataOptions(text_column="review", label_column="sentiment")
    result = train(config, data, options=options, run_dir=run_dir)
    assert result.state == "new" and result.run_dir == run_dir
    assert result.metrics == json.loads((run_dir / "metrics.json").read_text())
    assert result.metrics["n"] == 20  # 10% held out
    assert load(run_dir).predict("a fine film")["label"] in ("negative", "positive")

    # The config is used as given (no preset) and the data options are recorded.
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["preset"] is None and saved["encoder_units"] == 4
    assert (saved["text_column"], saved["label_column"]) == ("review", "sentiment")

    again = train(config, data, options=options, run_dir=run_dir)
    assert again.state == "finished" and again.metrics == result.metrics
    assert "(finished)" in capsys.readouterr().out


def test_the_cli_and_the_api_train_share_one_function(tiny_sentiment_run, capsys):
    """The conftest run was trained by the CLI; train(config) with its settings finds it
    finished (same fingerprint), so the CLI goes through the same function."""
    from apps.sentiment import SentimentConfig, train

    settings = json.loads((tiny_sentiment_run / "config.json").read_text())
    config = RunDirectory(tiny_sentiment_run).load_config(SentimentConfig)
    result = train(config, settings["data"], run_dir=tiny_sentiment_run, preset=settings["preset"])
    assert result.state == "finished"
    assert result.metrics == json.loads((tiny_sentiment_run / "metrics.json").read_text())
    assert "(finished)" in capsys.readouterr().out
    # A different setting in that folder is refused, as on the command line.
    with pytest.raises(ValueError, match="differs in \\['encoder_units'\\]"):
        train(
            SentimentConfig(**{**config.to_dict(), "units": config.units + 1}),
            settings["data"],
            run_dir=tiny_sentiment_run,
            preset=settings["preset"],
        )


def test_train_is_callable_whichever_import_ran_first():
    import apps.sentiment
    import apps.sentiment.train as train_module
    from apps.sentiment import train

    assert train is train_module is apps.sentiment.train
    assert callable(train) and train_module.train is not train  # the function inside
    assert list(__import__("inspect").signature(train).parameters)[:2] == ["config", "data"]


# --- translation ----------------------------------------------------------------------


def test_translation_load_translates_with_the_shared_schema(tiny_translation_run):
    from apps.translation import load
    from apps.translation.translator import Translator

    translator = load(tiny_translation_run)
    sentences = ["Ella vende el teléfono.", "¿Dónde está la estación?"]
    graph = Translator(translator.trained)
    assert translator.beam == 3
    for beam in (1, 2):
        expected, _ = graph.translate(sentences, beam_width=beam)
        answers = translator.translate(sentences, beam=beam)
        assert answers == [{"translation": t, "beam": beam} for t in expected]
    default = translator.translate(sentences[0])  # one sentence, the run's beam
    assert default == {"translation": graph.translate(sentences[:1])[0][0], "beam": 3}
    assert translator(sentences[0]) == default
    for bad in (0, -1, 1.5, True, 65, 100_000):
        with pytest.raises(ValueError, match="Expected beam to be a whole number from 1 to 64"):
            translator.translate(sentences, beam=bad)


def test_translation_train_takes_a_config_object(tiny_translation_run, capsys):
    from apps.translation import TranslationConfig, train

    settings = json.loads((tiny_translation_run / "config.json").read_text())
    config = RunDirectory(tiny_translation_run).load_config(TranslationConfig)
    result = train(
        config, settings["data"], run_dir=tiny_translation_run, preset=settings["preset"]
    )
    assert result.state == "finished" and result.run_dir == tiny_translation_run
    assert (
        result.metrics["bleu"]
        == json.loads((tiny_translation_run / "metrics.json").read_text())["bleu"]
    )
    with pytest.raises(ValueError, match=r"Expected `beam_width` in \[1, 64\]"):
        train(TranslationConfig(beam_width=0), run_dir=tiny_translation_run)
