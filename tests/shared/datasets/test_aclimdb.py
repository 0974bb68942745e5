"""Tests for reading aclImdb-style class folders (`shared.datasets.aclimdb`)."""

from pathlib import Path

import pytest

from shared.datasets.aclimdb import read_class_folders
from shared.datasets.errors import DataError

# --- read_class_folders -----------------------------------------------------------------


def make_aclimdb(root: Path) -> Path:
    files = {
        "train/pos/10_9.txt": "Great film.",
        "train/pos/2_8.txt": "  Loved it.\n",
        "train/neg/0_1.txt": "Awful.",
        "train/unsup/0_0.txt": "No label.",
        "train/urls_pos.txt": "http://example.com",
        "train/labeledBow.feat": "0:1",
        "test/pos/0_10.txt": "Test pos.",
        "test/neg/1_2.txt": "Test neg.",
        "README": "readme",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_class_folders_from_root_and_split(tmp_path):
    root = make_aclimdb(tmp_path / "aclImdb")
    # A root holding both splits is ambiguous: guessing could score on training data.
    with pytest.raises(DataError, match=r"Received an aclImdb root with train/ and test/"):
        read_class_folders(root)
    data = read_class_folders(root / "train")
    assert data.texts == ["Awful.", "Great film.", "Loved it."]
    assert data.labels == ["neg", "pos", "pos"]
    assert data.origins == [
        str(root / p) for p in ("train/neg/0_1.txt", "train/pos/10_9.txt", "train/pos/2_8.txt")
    ]
    test = read_class_folders(root / "test")
    assert (test.texts, test.labels) == (["Test neg.", "Test pos."], ["neg", "pos"])


def test_class_folders_group_reviews_by_the_film_in_the_urls_files(tmp_path):
    split = make_aclimdb(tmp_path / "aclImdb") / "train"
    data = read_class_folders(split)
    assert data.groups is None  # urls_pos.txt names no IMDb title
    # Line N of urls_<class>.txt is the page of the film that review id N is about.
    pages = [f"http://www.imdb.com/title/tt0000{n}/usercomments" for n in range(11)]
    (split / "urls_pos.txt").write_text("\n".join(pages) + "\n", encoding="utf-8")
    (split / "urls_neg.txt").write_text(pages[7] + "\n", encoding="utf-8")
    data = read_class_folders(split)
    assert data.group_name == "movie"
    # neg/0_1.txt -> line 0 of urls_neg; pos/10_9.txt -> line 10; pos/2_8.txt -> line 2.
    assert data.groups == ["tt00007", "tt000010", "tt00002"]
    assert read_class_folders(split, read_groups=False).groups is None
    (split / "neg/1_3.txt").write_text("No page for me.", encoding="utf-8")
    assert read_class_folders(split).groups[1] == ""  # no line 1: no known film


def test_class_folders_bad_files(tmp_path):
    root = make_aclimdb(tmp_path / "aclImdb")
    (root / "train/neg/5_2.txt").write_bytes(b"caf\xe9")
    (root / "train/pos/7_9.txt").write_bytes(b" \n")
    with pytest.raises(DataError) as raised:
        read_class_folders(root / "train")
    message = str(raised.value)
    assert f"{root / 'train/neg/5_2.txt'}: not valid UTF-8" in message
    assert f"{root / 'train/pos/7_9.txt'}: expected a text, received only whitespace" in message
    data = read_class_folders(root / "train", on_bad_rows="skip")
    assert len(data) == 3
    assert [(r.origin, r.raw) for r in data.rejected] == [
        (str(root / "train/neg/5_2.txt"), "caf\ufffd"),
        (str(root / "train/pos/7_9.txt"), " \n"),
    ]


def test_class_folders_wrong_layout(tmp_path):
    root = make_aclimdb(tmp_path / "aclImdb")
    with pytest.raises(DataError, match=r"one sub-folder per class.*Received: \['0_1.txt'\]"):
        read_class_folders(root / "train/neg")
    with pytest.raises(DataError, match="Received: nothing"):
        read_class_folders(tmp_path / "missing")
