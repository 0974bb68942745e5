"""Tests for reading labelled CSV/TSV tables (`shared.datasets.tabular`)."""

import gzip
from collections import Counter

import pytest

from shared.datasets.errors import DataError
from shared.datasets.tabular import read_labelled_table
from tests.helpers.files import write_file as write
from tests.helpers.paths import shared_data_dir

SHARED_DATA = shared_data_dir()


# --- read_labelled_table ---------------------------------------------------------------


def test_csv_quoting_crlf_blank_lines_and_line_numbers(tmp_path):
    path = write(
        tmp_path / "d.csv",
        'text,label\r\n"a, b",1\r\n"she said ""hi""\nthen left",0\r\n\r\n  plain  ,1\n',
    )
    data = read_labelled_table(path)
    assert data.texts == ["a, b", 'she said "hi"\nthen left', "plain"]
    assert data.labels == ["1", "0", "1"]
    # The quoted newline makes the third row start on physical line 5.
    assert data.origins == [f"{path}:2", f"{path}:3", f"{path}:6"]
    assert data.rejected == []


def test_sst2_style_tsv_keeps_quotes_and_strips_trailing_space(tmp_path):
    path = write(
        tmp_path / "train.tsv.gz",
        'sentence\tlabel\n"the greatest" film , 10,000 times \t1\nit \'s "bad \t0\n',
        gz=True,
    )
    data = read_labelled_table(path, text_column="sentence")
    assert data.texts == ['"the greatest" film , 10,000 times', "it 's \"bad"]
    assert data.labels == ["1", "0"]


@pytest.mark.parametrize(
    "name, gz", [("d.csv", True), ("d.csv.gz", True), ("d.csv.gz", False), ("d.dat", True)]
)
def test_gzip_is_detected_by_content_not_name(tmp_path, name, gz):
    data = read_labelled_table(write(tmp_path / name, "text,label\nhello,1\n", gz=gz))
    assert (data.texts, data.labels) == (["hello"], ["1"])


@pytest.mark.parametrize(
    "name, content, delimiter, expected",
    [
        ("d.txt", "text\tlabel\na,b\t1\n", None, "a,b"),  # Sniffed from the header.
        ("d.txt", "text,label\na\tb,1\n", None, "a\tb"),
        ("d.tab", "text\tlabel\na,b\t1\n", None, "a,b"),
        ("d.csv", 'text;label\n"a;b";1\n', ";", "a;b"),  # Explicit wins over the name.
    ],
)
def test_delimiter_from_name_header_or_argument(tmp_path, name, content, delimiter, expected):
    data = read_labelled_table(write(tmp_path / name, content), delimiter=delimiter)
    assert data.texts == [expected]


def test_named_columns_and_extra_columns(tmp_path):
    path = write(tmp_path / "d.csv", "id,review,sentiment\n7,good,pos\n")
    data = read_labelled_table(path, text_column="review", label_column="sentiment")
    assert (data.texts, data.labels) == (["good"], ["pos"])


def test_missing_column_names_the_columns_found(tmp_path):
    path = write(tmp_path / "data.csv", "body,sentiment\ngood,pos\n")
    with pytest.raises(DataError) as raised:
        read_labelled_table(path, on_bad_rows="skip")
    assert str(raised.value) == (
        f"{path}: expected a column named 'text' in the header; received columns "
        "['body', 'sentiment']. Pass --text-column/--label-column to name them."
    )


def test_without_a_text_column_the_one_sentence_or_review_column_is_used(tmp_path):
    sst2 = write(tmp_path / "sst2.tsv", "sentence\tlabel\nit 's fine . \t1\n")
    assert read_labelled_table(sst2).texts == ["it 's fine ."]
    reviews = write(tmp_path / "r.csv", "id,review,label\n1,good,1\n")
    assert read_labelled_table(reviews).texts == ["good"]
    # Two candidates, or a column the user named: no guessing.
    both = write(tmp_path / "both.csv", "sentence,review,label\na,b,1\n")
    with pytest.raises(DataError, match="expected a column named 'text'"):
        read_labelled_table(both)
    with pytest.raises(DataError, match="expected a column named 'body'"):
        read_labelled_table(sst2, text_column="body")


BAD_CSV = (
    b"text,label\n"  # 1
    b"good one,1\n"  # 2
    b"no label here\n"  # 3
    b"empty label,\n"  # 4
    b"   ,0\n"  # 5
    b'"multi\nline",1\n'  # 6-7
    b"caf\xe9 latin1,1\n"  # 8
    b"nul\x00byte,0\n"  # 9
    b"a,b,c\n"  # 10
    b"last good,0\n"  # 11
)


def test_error_mode_lists_every_problem_with_file_and_line(tmp_path):
    path = write(tmp_path / "d.csv", BAD_CSV)
    with pytest.raises(DataError) as raised:
        read_labelled_table(path)
    message = str(raised.value)
    assert f"{path}: expected every row to hold a usable example" in message
    assert "6 bad row(s) out of 9" in message
    assert f"{path}:3: expected 2 fields, received 1\n" in message
    assert f"{path}:4: expected a label in column 'label', received an empty field" in message
    assert f"{path}:5: expected a text in column 'text', received only whitespace" in message
    assert (
        f"{path}:8: not valid UTF-8: expected UTF-8 text, received byte 0xe9 at byte 4" in message
    )
    assert f"{path}:9: expected text, received a NUL byte at byte 4 of the line" in message
    assert f"{path}:10: expected 2 fields, received 3" in message
    assert f"iconv -f latin1 -t utf-8 {path} > d-utf8.csv" in message
    assert "--on-bad-rows skip" in message
    assert ":2:" not in message and ":6:" not in message and ":11:" not in message


def test_skip_mode_returns_good_rows_and_rejects_the_rest(tmp_path):
    path = write(tmp_path / "d.csv", BAD_CSV)
    data = read_labelled_table(path, on_bad_rows="skip")
    assert data.texts == ["good one", "multi\nline", "last good"]
    assert data.origins == [f"{path}:2", f"{path}:6", f"{path}:11"]
    rejected = {r.origin: r for r in data.rejected}
    assert list(rejected) == [f"{path}:{n}" for n in (3, 4, 5, 8, 9, 10)]
    assert rejected[f"{path}:3"].reason == "expected 2 fields, received 1"
    assert rejected[f"{path}:3"].raw == "no label here"
    assert rejected[f"{path}:8"].raw == "caf\ufffd latin1,1"
    assert rejected[f"{path}:8"].reason.startswith("not valid UTF-8")


def test_more_than_ten_problems_are_counted_not_all_listed(tmp_path):
    path = write(tmp_path / "d.tsv", "text\tlabel\n" + "only text\n" * 12 + "ok\t1\n")
    with pytest.raises(DataError) as raised:
        read_labelled_table(path)
    message = str(raised.value)
    assert "12 bad row(s) out of 13" in message
    assert f"{path}:11: expected 2 fields" in message
    assert f"{path}:12:" not in message
    assert "... and 2 more." in message


def test_an_unclosed_quote_is_pointed_at(tmp_path):
    path = write(tmp_path / "d.csv", 'text,label\n"never closed,1\nnext,0\n')
    with pytest.raises(
        DataError,
        match=r"d.csv:2: expected 2 fields, received 1 \(the row "
        r"runs from line 2 to 3; is a quote left open\?\)",
    ):
        read_labelled_table(path)


def test_all_rows_rejected_in_skip_mode_still_raises(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\nx,\n")
    with pytest.raises(DataError, match="No examples are left"):
        read_labelled_table(path, on_bad_rows="skip")


@pytest.mark.parametrize(
    "content, found", [(b"", "an empty file"), (b"text,label\n\n", "only a header")]
)
def test_no_examples(tmp_path, content, found):
    path = write(tmp_path / "d.csv", content)
    with pytest.raises(DataError, match=f"d.csv: no examples.*Received: {found}"):
        read_labelled_table(path)


def test_header_problems_raise_even_when_skipping(tmp_path):
    path = write(tmp_path / "d.csv", b"t\xe9xt,label\nx,1\n")
    with pytest.raises(DataError, match=r"d.csv:1: in the header row, not valid UTF-8.*iconv"):
        read_labelled_table(path, on_bad_rows="skip")


def test_missing_file_and_damaged_gzip(tmp_path):
    with pytest.raises(DataError, match=r"Expected a CSV or TSV file at .*nope.csv\. Received: no"):
        read_labelled_table(tmp_path / "nope.csv")
    content = "text,label\n" + "".join(f"row {i},1\n" for i in range(5000))
    damaged = gzip.compress(content.encode())[:-100]
    with pytest.raises(DataError, match="d.csv.gz: expected a complete gzip file"):
        read_labelled_table(write(tmp_path / "d.csv.gz", damaged))


def test_bad_on_bad_rows_value(tmp_path):
    with pytest.raises(ValueError, match="Received: 'ignore'"):
        read_labelled_table(write(tmp_path / "d.csv", "text,label\nx,1\n"), on_bad_rows="ignore")


def test_a_movie_column_groups_by_default_and_a_named_one_must_exist(tmp_path):
    path = write(tmp_path / "r.csv", "text,label,movie\nGood.,1,tt1\nBad.,0,\nOk.,1,tt2\n")
    data = read_labelled_table(path)
    assert (data.groups, data.group_name) == (["tt1", "", "tt2"], "movie")
    assert data.subset([2, 0]).groups == ["tt2", "tt1"]
    assert read_labelled_table(path, default_group_column=None).groups is None
    film = write(tmp_path / "f.tsv", "text\tlabel\tfilm\nGood.\t1\tA\n")
    assert read_labelled_table(film, group_column="film").group_name == "film"
    assert read_labelled_table(film).groups is None  # no `movie` column: no groups
    with pytest.raises(DataError) as raised:
        read_labelled_table(film, group_column="movie")
    message = str(raised.value)
    assert "expected a group column named 'movie' (--group-column)" in message
    assert "received columns ['text', 'label', 'film']" in message


# --- the real data in ../shared/data ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, column, counts",
    [
        ("imdb/train.csv.gz", "text", {"1": 12472, "0": 12405}),
        ("sst2/train.tsv.gz", "sentence", {"1": 37569, "0": 29780}),
        ("sst2/dev.tsv.gz", "sentence", {"1": 444, "0": 428}),
    ],
)
def test_shared_data_loads_completely(name, column, counts):
    if not (SHARED_DATA / name).is_file():
        pytest.skip(f"{SHARED_DATA / name} is absent (set SHARED_DATA to its folder)")
    data = read_labelled_table(SHARED_DATA / name, text_column=column)
    assert Counter(data.labels) == counts
    assert len(data) == sum(counts.values()) and data.rejected == []
    assert all(text == text.strip() and text for text in data.texts)
