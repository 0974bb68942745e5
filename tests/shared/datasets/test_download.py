"""Tests for downloading and extracting archives (`shared.datasets.download`)."""

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from shared.datasets.aclimdb import read_class_folders
from shared.datasets.download import download_and_extract
from shared.datasets.errors import DataError
from tests.helpers.files import write_file as write

# --- download_and_extract ---------------------------------------------------------------


def make_archive(path: Path, members: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return path


@pytest.fixture
def archive(tmp_path) -> Path:
    members = {"aclImdb/train/pos/0_9.txt": "Good.", "aclImdb/train/neg/0_1.txt": "Bad."}
    return make_archive(tmp_path / "aclImdb_v1.tar.gz", members)


def test_download_extracts_and_is_reused(tmp_path, archive, capsys):
    dest = tmp_path / "data"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    folder = download_and_extract(archive.as_uri(), dest, sha256=digest)
    assert folder == dest / "aclImdb"
    assert read_class_folders(folder).texts == ["Bad.", "Good."]
    assert sorted(p.name for p in dest.iterdir()) == ["aclImdb", "aclImdb_v1.tar.gz"]
    archive.unlink()  # A second call must not need the source.
    assert download_and_extract(archive.as_uri(), dest) == folder
    assert download_and_extract(archive.as_uri(), dest, folder_name="aclImdb") == folder
    assert "already exists; not downloading" in capsys.readouterr().err


def test_sha256_mismatch_leaves_nothing(tmp_path, archive):
    dest = tmp_path / "data"
    with pytest.raises(DataError) as raised:
        download_and_extract(archive.as_uri(), dest, sha256="ab" * 32, progress=False)
    actual = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert f"Expected {archive.as_uri()} to have sha256 {'ab' * 32}. Received: {actual}" in str(
        raised.value
    )
    assert list(dest.iterdir()) == []


def test_leftovers_of_a_killed_run_are_not_taken_as_finished(tmp_path, archive):
    dest = tmp_path / "data"
    dest.mkdir()
    (dest / "aclImdb_v1.tar.gz.part").write_bytes(archive.read_bytes()[:50])
    (dest / ".aclImdb_v1.tar.gz.extract-old/aclImdb/train/pos").mkdir(parents=True)
    folder = download_and_extract(archive.as_uri(), dest, folder_name="aclImdb", progress=False)
    assert len(read_class_folders(folder)) == 2
    assert sorted(p.name for p in dest.iterdir()) == ["aclImdb", "aclImdb_v1.tar.gz"]


def test_killed_extraction_leaves_no_folder(tmp_path, archive, monkeypatch):
    def killed(self, path, *args, **kwargs):
        (Path(path) / "aclImdb/train/pos").mkdir(parents=True)
        raise KeyboardInterrupt

    dest = tmp_path / "data"
    with monkeypatch.context() as patch:
        patch.setattr(tarfile.TarFile, "extractall", killed)
        with pytest.raises(KeyboardInterrupt):
            download_and_extract(archive.as_uri(), dest, progress=False)
    assert sorted(p.name for p in dest.iterdir()) == ["aclImdb_v1.tar.gz"]
    assert len(read_class_folders(download_and_extract(archive.as_uri(), dest))) == 2


def test_path_traversal_is_refused(tmp_path):
    evil = make_archive(tmp_path / "evil.tar.gz", {"aclImdb/ok.txt": "x", "../escaped.txt": "x"})
    with pytest.raises(DataError, match="unsafe member"):
        download_and_extract(evil.as_uri(), tmp_path / "data", progress=False)
    assert not (tmp_path / "escaped.txt").exists()
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["evil.tar.gz"]


def test_unreachable_url_and_non_archive(tmp_path):
    missing = (tmp_path / "missing.tar.gz").as_uri()
    with pytest.raises(DataError, match=f"Expected to download {missing}.*--data"):
        download_and_extract(missing, tmp_path / "data", progress=False)
    page = write(tmp_path / "page.tar.gz", "<html>Not found</html>")
    with pytest.raises(DataError, match="readable .tar.gz archive.*deleted"):
        download_and_extract(page.as_uri(), tmp_path / "data", progress=False)
    assert list((tmp_path / "data").iterdir()) == []
