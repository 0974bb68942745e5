"""The whole-loop `greedy` and `beam_search` signatures: checked at export, left out when
they fail, and exported at the beam width asked for."""

import numpy as np
import pytest

from apps.translation import tflite as translation_tflite
from apps.translation.artifacts import TrainedTranslator
from apps.translation.tflite import (
    loop_signature_checks,
    probe_sources,
    translation_functions,
)
from apps.translation.tflite import write_tflite_models as write_translation_models
from shared.edge.metadata import VARIANTS, load_metadata
from shared.edge.runtime import LiteModel
from shared.edge.translation import EdgeTranslator
from shared.export.tflite import loop_signatures
from shared.export.tflite.loop_signatures import LoopSignatureError, smallest_margin
from tests.helpers.tflite import scramble


def test_the_loop_signatures_are_checked_at_export(translation_export, tiny_translation_run):
    trained, out, summary = translation_export
    for variant in VARIANTS:
        differences = summary["probe_differences"][variant]
        assert differences["greedy/target_ids"] == differences["beam_search/target_ids"] == 0.0
    sources = probe_sources(trained)
    assert any(not s.any() for s in sources)  # an empty source among them
    functions = translation_functions(trained, beam_width=3)
    checks = loop_signature_checks(functions, trained, sources, 3)
    assert list(checks) == ["greedy", "beam_search"]
    for variant in VARIANTS:
        content = (out / f"translation_{variant}.tflite").read_bytes()
        for name, check in checks.items():
            assert check(variant, content) == {f"{name}/target_ids": 0.0}
    # Another model's TensorFlow ids: the float32 comparison is exact, so it fails.
    other = TrainedTranslator.load(tiny_translation_run)
    scramble(other.model, seed=2)
    other_functions = translation_functions(other, beam_width=3)
    for name, wrong in loop_signature_checks(other_functions, other, sources, 3).items():
        with pytest.raises(LoopSignatureError, match="give TensorFlow's ids") as error:
            wrong("float32", (out / "translation_float32.tflite").read_bytes())
        assert error.value.signature == name


def test_a_quantised_beam_search_may_differ_only_at_near_ties(translation_export, monkeypatch):
    """Against its own `decode_step` in numpy, a quantised `beam_search` signature may part
    only where that search chose between candidates within the variant's tolerance."""
    trained, out, _ = translation_export
    assert smallest_margin(np.array([[3.0, 1.0, 2.0, 2.5]]), 2) == pytest.approx(0.5 / 2.5)
    assert smallest_margin(np.array([[0.2, 0.1], [-4.0, -4.0]]), 1) == 0.0
    sources = probe_sources(trained)[:1]
    functions = translation_functions(trained, beam_width=3)
    check = loop_signature_checks(functions, trained, sources, 3)["beam_search"]
    content = (out / "translation_float16.tflite").read_bytes()
    signature_ids = LiteModel(content).run("beam_search", source_ids=sources[0])["target_ids"]
    assert signature_ids[0, 0] != 0
    for margin, passes in ((1e-3, True), (0.5, False)):
        other = signature_ids.copy()
        other[0, 0] += 1
        monkeypatch.setattr(
            loop_signatures, "stepwise_beam_search", lambda *a, o=other, m=margin: (o, m)
        )
        if passes:  # float16's tolerance is 1e-2: a near tie
            assert check("float16", content) == {"beam_search/target_ids": 1.0}
        else:
            with pytest.raises(LoopSignatureError, match="no two candidates came within"):
                check("float16", content)


def test_a_loop_signature_failing_its_check_is_left_out(translation_export, monkeypatch, tmp_path):
    """As for `greedy`: the export goes on without `beam_search` and says why; the runner
    then decodes one sentence step by step in numpy."""
    trained, out, _ = translation_export

    def failing(*args):
        def check(variant, content):
            raise LoopSignatureError("beam_search", "beam_search broke")

        return check

    monkeypatch.setattr(translation_tflite, "beam_search_check", failing)
    summary = write_translation_models(trained, tmp_path, ("float32",))
    assert summary["beam_search_error"] == "beam_search broke"
    assert summary["greedy_error"] is None
    assert summary["signatures"] == ["decode_step", "encode", "greedy"]
    assert load_metadata(tmp_path, "translation")["beam_search_width"] is None
    edge = EdgeTranslator.from_directory(tmp_path, "float32")
    assert edge.beam_search_width is None and edge.loop_signature(3) is None
    reference = EdgeTranslator.from_directory(out, "float32")
    text = "Ella vende el teléfono."
    np.testing.assert_array_equal(edge.translate_ids([text]), reference.translate_ids([text]))


def test_the_beam_width_given_at_export_goes_into_metadata(translation_export, tmp_path):
    trained, out, _ = translation_export
    assert load_metadata(out, "translation")["beam_width"] == trained.config.beam_width == 3
    summary = write_translation_models(
        trained, tmp_path, ("float32",), include_greedy=False, beam_width=5
    )
    assert summary["signatures"] == ["beam_search", "decode_step", "encode"]
    metadata = load_metadata(tmp_path, "translation")
    assert metadata["beam_width"] == metadata["beam_search_width"] == 5
    edge = EdgeTranslator.from_directory(tmp_path)
    assert edge.beam_width == 5 and edge.loop_signature(5) == "beam_search"
    assert edge.loop_signature(3) is None and edge.loop_signature(1) is None
    with pytest.raises(ValueError, match="beam_width >= 1"):
        write_translation_models(trained, tmp_path, ("float32",), beam_width=-2)
