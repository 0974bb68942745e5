"""Tests for reading, filtering, splitting and downloading translation sentence pairs."""

import zipfile
from pathlib import Path

import pytest

from shared.datasets.errors import DataError
from shared.datasets.pairs import (
    SentencePairs,
    download_anki_pairs,
    read_sentence_pairs,
    source_key,
    split_by_source,
)
from tests.helpers.files import write_file as write

ATTRIBUTION = "CC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #4986655 (cueyayotl)"


# --- the two layouts ----------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_header_tsv_plain_and_gzip_picks_columns_by_name(tmp_path, gz):
    # Gzip is found by content: the name says nothing either way.
    path = write(tmp_path / "pairs.data", "English\tSPANISH\nGo.\tVe.\nHi. \t ¡Hola!\n", gz)
    pairs = read_sentence_pairs(path)
    assert pairs.sources == ["Ve.", "¡Hola!"] and pairs.targets == ["Go.", "Hi."]
    assert pairs.origins == [f"{path}:2", f"{path}:3"]
    assert pairs.rejected == [] and pairs.filtered == 0 and len(pairs) == 2


def test_header_columns_in_any_order_and_iso_codes(tmp_path):
    path = write(tmp_path / "pairs.tsv", "\ufeffspa\teng\r\nVe.\tGo.\r\n\r\nCorre.\tRun.\r\n")
    pairs = read_sentence_pairs(path, source_language="es", target_language="English")
    assert pairs.sources == ["Ve.", "Corre."] and pairs.targets == ["Go.", "Run."]
    assert pairs.origins[1].endswith(":4")  # Blank lines are skipped but still counted.


@pytest.mark.parametrize(
    "content",
    [
        "Go.\tVe.\nI'm sure.\tEstoy seguro.\n",
        f"Go.\tVe.\t{ATTRIBUTION}\nI'm sure.\tEstoy seguro.\t{ATTRIBUTION}\n",
    ],
    ids=["2-column", "3-column"],
)
def test_headerless_anki_file(tmp_path, content):
    path = write(tmp_path / "spa.txt", content)
    pairs = read_sentence_pairs(path)
    assert pairs.sources == ["Ve.", "Estoy seguro."]
    assert pairs.targets == ["Go.", "I'm sure."]
    assert pairs.origins == [f"{path}:1", f"{path}:2"]


def test_direction_switch(tmp_path):
    anki = write(tmp_path / "spa.txt", "Go.\tVe.\n")
    header = write(tmp_path / "spa-eng.tsv", "english\tspanish\nGo.\tVe.\n")
    for path in (anki, header):
        pairs = read_sentence_pairs(path, source_language="english", target_language="spanish")
        assert (pairs.sources, pairs.targets) == (["Go."], ["Ve."])
    french = write(tmp_path / "fra.txt", "Go.\tVa !\n")
    pairs = read_sentence_pairs(french, source_language="fra", target_language="eng")
    assert (pairs.sources, pairs.targets) == (["Va !"], ["Go."])


def test_missing_language_names_file_header_and_languages(tmp_path):
    path = write(tmp_path / "fra-eng.tsv", "english\tfrench\nGo.\tVa !\n")
    with pytest.raises(DataError) as raised:
        read_sentence_pairs(path)
    message = str(raised.value)
    assert str(path) in message
    assert "Received: header ['english', 'french']" in message
    assert "['spanish', 'english']" in message
    # One known name is enough to be a header, so it is never read as a pair.
    other = write(tmp_path / "x.tsv", "English\tKlingon\nGo.\tYIjah.\n")
    with pytest.raises(DataError, match=r"Received: header \['English', 'Klingon'\]"):
        read_sentence_pairs(other)
    pairs = read_sentence_pairs(other, source_language="klingon")
    assert (pairs.sources, pairs.targets) == (["YIjah."], ["Go."])


@pytest.mark.parametrize("header", ["klingon\tvulcan", "Source\tTarget", "lang_a\tlang-b"])
def test_a_header_naming_unknown_languages_is_not_read_as_a_pair(tmp_path, header):
    path = write(tmp_path / "x.tsv", f"{header}\nGo.\tVe.\n")
    with pytest.raises(DataError) as raised:
        read_sentence_pairs(path)
    message = str(raised.value)
    assert f"is a header naming other languages: {header.split(chr(9))}" in message
    assert "['spanish', 'english']" in message and "add the header line" in message
    # Sentences (spaces, punctuation) and Anki's attribution column are never headers.
    for first in ("Hi there\tHola", "Go.\tVe.", f"Go\tVe\t{ATTRIBUTION}"):
        pairs = read_sentence_pairs(write(tmp_path / "y.tsv", f"{first}\nGo.\tVe.\n"))
        assert len(pairs) == 2, first


def test_headerless_file_needs_english_on_one_side(tmp_path):
    path = write(tmp_path / "spa.txt", "Go.\tVe.\n")
    with pytest.raises(DataError, match=r"with English as the source or target.*'french'"):
        read_sentence_pairs(path, source_language="spanish", target_language="french")
    with pytest.raises(ValueError, match="different source and target"):
        read_sentence_pairs(path, source_language="eng", target_language="English")


def test_unicode_spaces_are_kept_inside_sentences(tmp_path):
    path = write(tmp_path / "fra.txt", "Why?\tPourquoi\u202f?\nHi.\t\u00a0Salut\u00a0!\n")
    pairs = read_sentence_pairs(path, source_language="french")
    assert pairs.sources == ["Pourquoi\u202f?", "Salut\u00a0!"]  # Only the ends are stripped.


# --- bad rows -----------------------------------------------------------------------------

BAD = (
    "english\tspanish\n"
    "Go.\tVe.\n"
    "Too\tmany\tfields\n"
    "\tVacío.\n"
    "Dot.\t ¿...? \n"
    "Bytes.\t\xff\n"
    "Run.\tCorre.\n"
    "One field\n"
)


def bad_file(tmp_path: Path) -> Path:
    # \xff must be a raw byte, not the UTF-8 encoding of U+00FF.
    return write(tmp_path / "bad.tsv", BAD.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))


def test_error_mode_lists_every_bad_row_with_file_and_line(tmp_path):
    path = bad_file(tmp_path)
    with pytest.raises(DataError) as raised:
        read_sentence_pairs(path)
    message = str(raised.value)
    assert "5 bad row(s) out of 7" in message
    assert f"{path}:3: expected 2 tab-separated fields, received 3" in message
    assert (
        f"{path}:4: expected a sentence in column 1 (english), received an empty field" in message
    )
    assert (
        f"{path}:5: expected a sentence in column 2 (spanish), received only punctuation" in message
    )
    assert f"{path}:6: not valid UTF-8" in message and "iconv -f latin1" in message
    assert f"{path}:8: expected 2 tab-separated fields, received 1" in message
    assert "--on-bad-rows skip" in message


def test_skip_mode_returns_good_pairs_and_rejects_the_rest(tmp_path):
    path = bad_file(tmp_path)
    pairs = read_sentence_pairs(path, on_bad_rows="skip")
    assert pairs.sources == ["Ve.", "Corre."] and pairs.targets == ["Go.", "Run."]
    assert [row.origin for row in pairs.rejected] == [f"{path}:{n}" for n in (3, 4, 5, 6, 8)]
    assert pairs.rejected[0].raw == "Too\tmany\tfields"
    assert "\ufffd" in pairs.rejected[3].raw  # Kept, decoded with a replacement character.


def test_anki_field_counts_and_punctuation_only(tmp_path):
    path = write(tmp_path / "spa.txt", "Go.\tVe.\ta\tb\n?!\tVe.\nOK.\t¡Vale!\n")
    pairs = read_sentence_pairs(path, on_bad_rows="skip")
    assert pairs.sources == ["¡Vale!"]
    assert [row.reason for row in pairs.rejected] == [
        "expected 2 or 3 tab-separated fields, received 4",
        "expected a sentence in column 1 (english), received only punctuation '?!'",
    ]


def test_every_row_bad_or_none_at_all(tmp_path):
    with pytest.raises(DataError, match="No examples are left"):
        read_sentence_pairs(write(tmp_path / "a.txt", "Go.\t\n"), on_bad_rows="skip")
    with pytest.raises(DataError, match="Received: an empty file"):
        read_sentence_pairs(write(tmp_path / "b.txt", ""))
    with pytest.raises(DataError, match="Received: only a header"):
        read_sentence_pairs(write(tmp_path / "c.tsv", "english\tspanish\n", gz=True))
    with pytest.raises(DataError, match="Received: no such file"):
        read_sentence_pairs(tmp_path / "missing.txt")
    damaged = write(tmp_path / "d.tsv.gz", "english\tspanish\n" + "Go.\tVe.\n" * 500, gz=True)
    damaged.write_bytes(damaged.read_bytes()[:-20])
    with pytest.raises(DataError, match="expected a complete gzip file"):
        read_sentence_pairs(damaged)


# --- length filtering ---------------------------------------------------------------------


def test_length_filtering_counts_dropped_pairs(tmp_path):
    lines = ["english\tspanish", "Go.\tVe.", "I am here.\tEstoy aquí.", "Go home now.\tVete."]
    path = write(tmp_path / "p.tsv", "\n".join(lines) + "\n")
    pairs = read_sentence_pairs(path, max_source_words=1, max_target_words=3)
    assert pairs.sources == ["Ve.", "Vete."] and pairs.filtered == 1
    pairs = read_sentence_pairs(path, max_target_words=2)
    assert pairs.targets == ["Go."] and pairs.filtered == 2
    assert read_sentence_pairs(path).filtered == 0
    longer = write(tmp_path / "q.tsv", "\n".join(lines[:1] + lines[2:]) + "\n")
    with pytest.raises(DataError, match="within 1 source and 1 target.*all 2 pairs are longer"):
        read_sentence_pairs(longer, max_target_words=1, max_source_words=1)
    with pytest.raises(ValueError, match="max_source_words to be a positive integer"):
        read_sentence_pairs(path, max_source_words=0)


# --- split_by_source ----------------------------------------------------------------------


def pairs_of(sources: list[str]) -> SentencePairs:
    return SentencePairs(
        sources=sources,
        targets=[f"t{i}" for i in range(len(sources))],
        origins=[f"f.tsv:{i + 2}" for i in range(len(sources))],
    )


def test_source_key_folds_case_punctuation_and_spaces():
    assert source_key("¿Qué?") == source_key("¿qué?") == source_key("Qué") == "qué"
    assert source_key("Hola.") == source_key("hola") == source_key("  HOLA !")
    assert source_key("Está  bien.") == "está bien" != source_key("Esta bien.")


def test_split_keeps_each_source_group_on_one_side():
    variants = ["¿Qué?", "¿qué?", "Hola.", "hola", "HOLA!", "Adiós.", "adiós"]
    sources = variants + [f"Frase número {i}." for i in range(193)]
    pairs = pairs_of(sources)
    for seed in range(20):
        train, test = split_by_source(pairs, test_fraction=0.25, seed=seed)
        assert sorted(train + test) == list(range(200)) and train == sorted(train)
        train_keys = {source_key(sources[i]) for i in train}
        assert not train_keys & {source_key(sources[i]) for i in test}
        assert len(test) in (49, 50)  # Within one group (at most 3 pairs) of 50.


def test_split_sizes_determinism_and_seeds():
    # Groups of 1 to 4 pairs, so the size bound is not trivially exact.
    sources = [f"s{i}" for i in range(300) for _ in range(i % 4 + 1)]
    pairs = pairs_of(sources)
    train, test = split_by_source(pairs, 0.1, seed=7)
    assert abs(len(test) - round(0.1 * len(pairs))) < 4
    assert (train, test) == split_by_source(pairs, 0.1, seed=7)
    assert test != split_by_source(pairs, 0.1, seed=8)[1]


def test_split_keeps_pairs_sharing_a_target_together():
    # 40 English sentences, each translated by 5 different Spanish sentences (`Go.`:
    # `Ve.`, `Vete.`, ...): a source-only split puts most of them on both sides.
    sources = [f"Frase {i}." for i in range(200)]
    targets = [f"Sentence {i % 40}." if i % 3 else f"sentence {i % 40}" for i in range(200)]
    pairs = SentencePairs(sources, targets, [f"f.tsv:{i + 2}" for i in range(200)])
    for seed in range(10):
        train, test = split_by_source(pairs, test_fraction=0.1, seed=seed)
        assert sorted(train + test) == list(range(200)) and len(test) == 20
        train_keys = {source_key(targets[i]) for i in train}
        assert not train_keys & {source_key(targets[i]) for i in test}
    train, test = split_by_source(pairs, 0.1, seed=0, group_targets=False)
    assert {source_key(targets[i]) for i in train} & {source_key(targets[i]) for i in test}


def test_split_chains_shared_sources_and_targets():
    # A chain: s0 -> t0, s0 -> t1 (one source, two targets), s1 -> t1, s1 -> t2. All four
    # pairs go together although the first and last share nothing directly.
    chain = [("Hola.", "Hello."), ("hola", "Hi."), ("Buenas.", "Hi!"), ("Buenas", "Good day.")]
    rest = [(f"Frase {i}.", f"Sentence {i}.") for i in range(96)]
    sources, targets = zip(*(chain + rest), strict=True)
    pairs = SentencePairs(list(sources), list(targets), [f"f:{i}" for i in range(100)])
    for seed in range(10):
        train, test = split_by_source(pairs, 0.1, seed=seed)
        assert {0, 1, 2, 3} <= set(train) or {0, 1, 2, 3} <= set(test)
    with pytest.raises(DataError, match="at least 2 groups of pairs sharing no source or target"):
        split_by_source(SentencePairs(["a", "b"], ["x", "x."], ["f:1", "f:2"]), 0.5, seed=0)


def test_split_edge_cases():
    train, test = split_by_source(pairs_of(["a", "b"]), 0.01, seed=0)
    assert len(train) == len(test) == 1  # Neither side is ever empty.
    train, test = split_by_source(pairs_of(["a", "A.", "a!", "b"]), 0.1, seed=0)
    assert train and test and sorted(train + test) == [0, 1, 2, 3]
    with pytest.raises(DataError, match="at least 2 distinct source.*Received: 1 among 3"):
        split_by_source(pairs_of(["Hola.", "hola", "¡Hola!"]), 0.5, seed=0)
    with pytest.raises(ValueError, match="test_fraction"):
        split_by_source(pairs_of(["a", "b"]), 1.0, seed=0)


# --- download -----------------------------------------------------------------------------


def make_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_download_anki_zip_with_loose_files(tmp_path):
    # manythings.org zips hold spa.txt and _about.txt at the top, with no folder.
    members = {"spa.txt": f"Go.\tVe.\t{ATTRIBUTION}\n", "_about.txt": "About."}
    archive = make_zip(tmp_path / "spa-eng.zip", members)
    dest = tmp_path / "data"
    path = download_anki_pairs("spa", dest, url=archive.as_uri(), progress=False)
    assert path == dest / "spa-eng" / "spa.txt"
    assert sorted(p.name for p in path.parent.iterdir()) == ["_about.txt", "spa.txt"]
    assert read_sentence_pairs(path).sources == ["Ve."]
    assert sorted(p.name for p in dest.iterdir()) == ["spa-eng", "spa-eng.zip"]
    archive.unlink()  # A second call must not need the source.
    assert download_anki_pairs("spa", dest, url=archive.as_uri(), progress=False) == path


def test_download_zip_with_one_folder_and_errors(tmp_path):
    archive = make_zip(tmp_path / "spa-eng.zip", {"spa-eng/spa.txt": "Go.\tVe.\n"})
    path = download_anki_pairs("spa", tmp_path / "a", url=archive.as_uri(), progress=False)
    assert path == tmp_path / "a" / "spa-eng" / "spa.txt"
    with pytest.raises(DataError, match=r"Expected fra-eng.zip to hold fra.txt.*'spa.txt'"):
        other = make_zip(tmp_path / "fra-eng.zip", {"spa.txt": "Go.\tVe.\n"})
        download_anki_pairs("fra", tmp_path / "b", url=other.as_uri(), progress=False)
    evil = make_zip(tmp_path / "evil.zip", {"spa.txt": "x", "../escaped.txt": "x"})
    with pytest.raises(DataError, match="unsafe member"):
        download_anki_pairs("spa", tmp_path / "c", url=evil.as_uri(), progress=False)
    assert not (tmp_path / "escaped.txt").exists()
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["evil.zip"]
    page = write(tmp_path / "page.zip", "<html>Not found</html>")
    with pytest.raises(DataError, match="readable .zip archive.*deleted"):
        download_anki_pairs("spa", tmp_path / "d", url=page.as_uri(), progress=False)
    assert list((tmp_path / "d").iterdir()) == []


# --- the real data in ../shared/data ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, language, count",
    [("spa-eng.tsv.gz", "spanish", 116964), ("fra-eng.tsv.gz", "french", 165130)],
)
def test_shared_translation_data_loads_completely(shared_data, name, language, count):
    path = shared_data / "translation" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (set SHARED_DATA to its folder)")
    pairs = read_sentence_pairs(path, source_language=language)
    assert len(pairs) == count and pairs.rejected == [] and pairs.filtered == 0
    assert (pairs.sources[0], pairs.targets[0]) == (
        {"spanish": "Ve.", "french": "Va !"}[language],
        "Go.",
    )
    if language == "french":  # The README's counts: no-break spaces are left alone.
        assert sum("\u202f" in s for s in pairs.sources) == 6139
        assert (
            sum("\u00a0" in s + t for s, t in zip(pairs.sources, pairs.targets, strict=True))
            == 4031
        )
    reverse = read_sentence_pairs(path, source_language="english", target_language=language)
    assert reverse.sources == pairs.targets


@pytest.mark.slow
def test_shared_spa_eng_split_shares_no_source(shared_data):
    path = shared_data / "translation" / "spa-eng.tsv.gz"
    if not path.is_file():
        pytest.skip(f"{path} is absent (set SHARED_DATA to its folder)")
    pairs = read_sentence_pairs(path)
    train, test = split_by_source(pairs, test_fraction=0.1, seed=0)
    assert len(train) + len(test) == len(pairs)
    assert abs(len(test) - 0.1 * len(pairs)) < 10
    train_keys = {source_key(pairs.sources[i]) for i in train}
    assert not train_keys & {source_key(pairs.sources[i]) for i in test}
