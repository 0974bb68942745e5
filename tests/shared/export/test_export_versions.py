"""TF Serving exports: the version layout, and versions published atomically (a failed,
killed or racing export never leaves a half version)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shared.export.exporter import EXPORT_INFO_RELATIVE_PATH
from shared.export.versions import STAGING_PREFIX, StagedVersion, existing_versions
from tests.helpers.paths import REPO_ROOT


def test_versions_are_published_in_tf_serving_layout(exported):
    root, sentiment_dir, translation_dir = exported
    assert sentiment_dir == root / "sentiment" / "1"
    assert translation_dir == root / "translation" / "1"
    for version_dir in (sentiment_dir, translation_dir):
        assert (version_dir / "saved_model.pb").is_file()
        assert (version_dir / "variables" / "variables.index").is_file()
        assert (version_dir / "assets.extra" / "tf_serving_warmup_requests").is_file()
        assert not list(version_dir.parent.glob(f"{STAGING_PREFIX}*"))
    info = json.loads((sentiment_dir / EXPORT_INFO_RELATIVE_PATH).read_text())
    assert info["signatures"] == ["classification", "classify_token_ids", "serving_default"]
    assert info["xla_compiled"] is True


def test_a_new_export_takes_the_next_version_and_never_touches_old_ones(tmp_path):
    model_root = tmp_path / "m"
    for expected in (1, 2, 3):
        with StagedVersion(model_root) as staged:
            (staged.path / "saved_model.pb").write_text(str(expected))
        assert staged.published == model_root / str(expected)
    assert existing_versions(model_root) == [1, 2, 3]
    contents = [(model_root / str(v) / "saved_model.pb").read_text() for v in (1, 2, 3)]
    assert contents == ["1", "2", "3"]
    assert sorted(p.name for p in model_root.iterdir()) == ["1", "2", "3"]  # no lock files


def test_a_failed_or_incomplete_export_publishes_nothing(tmp_path):
    model_root = tmp_path / "m"
    with pytest.raises(RuntimeError), StagedVersion(model_root) as staged:
        (staged.path / "saved_model.pb").write_bytes(b"x")
        raise RuntimeError("converter crashed")
    with pytest.raises(ValueError, match="saved_model.pb"), StagedVersion(model_root) as staged:
        (staged.path / "assets.extra").mkdir()  # warmup written, SavedModel missing
    assert existing_versions(model_root) == []
    assert list(model_root.iterdir()) == []


KILLED_EXPORT = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from shared.export.versions import StagedVersion
with StagedVersion({root!r}) as staged:
    (staged.path / "saved_model.pb").write_bytes(b"half")
    {action}
"""


def test_a_killed_export_leaves_no_version_and_the_next_export_cleans_up(tmp_path):
    model_root = tmp_path / "m"
    script = KILLED_EXPORT.format(
        repo=str(REPO_ROOT), root=str(model_root), action="os.kill(os.getpid(), signal.SIGKILL)"
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -9
    assert existing_versions(model_root) == []
    assert len(list(model_root.glob(f"{STAGING_PREFIX}*"))) == 2  # folder + its lock, hidden
    with StagedVersion(model_root) as staged:
        (staged.path / "saved_model.pb").write_bytes(b"whole")
    assert sorted(p.name for p in model_root.iterdir()) == ["1"]


def test_cleanup_never_touches_an_export_still_in_progress(tmp_path):
    model_root = tmp_path / "m"
    script = KILLED_EXPORT.format(
        repo=str(REPO_ROOT),
        root=str(model_root),
        action="print('ready', flush=True); sys.stdin.readline()",
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout.readline().strip() == "ready"
        with StagedVersion(model_root) as staged:  # runs the cleanup
            (staged.path / "saved_model.pb").write_bytes(b"mine")
        assert staged.published == model_root / "1"
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.wait(timeout=60) == 0
    finally:
        other.kill()
    assert existing_versions(model_root) == [1, 2]
    assert (model_root / "2" / "saved_model.pb").read_bytes() == b"half"


def test_two_exports_racing_for_a_number_get_different_versions(tmp_path):
    model_root = tmp_path / "m"
    first, second = StagedVersion(model_root), StagedVersion(model_root)
    (first.path / "saved_model.pb").write_text("first")
    (second.path / "saved_model.pb").write_text("second")
    with first:
        pass
    with second:
        pass
    assert {first.published.name, second.published.name} == {"1", "2"}
    assert (second.published / "saved_model.pb").read_text() == "second"
