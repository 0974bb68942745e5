"""Tests for label inference and encoding (`shared.datasets.labels.LabelSet`)."""

import pytest

from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts
from shared.datasets.labels import MAX_ERRORS_SHOWN, LabelSet


def labelled(labels, path="data/train.csv") -> LabelledTexts:
    """Examples with the given raw labels; origins mimic a CSV with a header row."""
    return LabelledTexts(
        texts=[f"text {i}" for i in range(len(labels))],
        labels=list(labels),
        origins=[f"{path}:{i + 2}" for i in range(len(labels))],
    )


# --- LabelSet.infer --------------------------------------------------------------------


def test_binary_integer_labels_get_sentiment_names_and_aliases():
    labels = LabelSet.infer(labelled(["1", "0", "1"]))  # order of appearance is irrelevant
    assert labels.names == ("negative", "positive")
    assert len(labels) == 2
    encoded = labels.encode(
        labelled(["0", "1", "negative", "positive", "Positive", " NEGATIVE "], path="eval.tsv")
    )
    assert encoded == [0, 1, 0, 1, 1, 0]


def test_string_labels_are_sorted():
    labels = LabelSet.infer(labelled(["pos", "neg", "neutral", "pos"]))
    assert labels.names == ("neg", "neutral", "pos")
    assert labels.encode(labelled(["pos", "neg", "neutral"])) == [2, 0, 1]


def test_integer_labels_sort_numerically_not_as_strings():
    labels = LabelSet.infer(labelled(["10", "2", "1", "2"]))
    assert labels.names == ("1", "2", "10")  # as strings "10" < "2"
    assert labels.encode(labelled(["2", "10", "1"])) == [1, 2, 0]


def test_three_integer_classes_including_negative_are_not_binary():
    labels = LabelSet.infer(labelled(["1", "-1", "0"]))
    assert labels.names == ("-1", "0", "1")
    assert labels.encode(labelled(["-1", "1"])) == [0, 2]


def test_label_names_apply_to_sorted_integer_labels_and_both_encode():
    labels = LabelSet.infer(labelled(["3", "1", "2"]), names=("low", "mid", "high"))
    assert labels.names == ("low", "mid", "high")
    assert labels.encode(labelled(["1", "2", "3", "low", "mid", "high"])) == [0, 1, 2, 0, 1, 2]


def test_label_names_override_the_binary_default():
    labels = LabelSet.infer(labelled(["0", "1"]), names=("bad", "good"))
    assert labels.names == ("bad", "good")
    assert labels.encode(labelled(["good", "0"])) == [1, 0]


@pytest.mark.parametrize("names", [("only",), ("a", "b", "c")])
def test_wrong_number_of_label_names_raises(names):
    with pytest.raises(DataError) as error:
        LabelSet.infer(labelled(["0", "1"], path="data/train.csv"), names=names)
    message = str(error.value)
    assert message.startswith("data/train.csv:")
    assert "expected 2 label names" in message
    assert f"Received {len(names)}" in message


def test_single_class_raises_naming_the_source_and_the_label():
    with pytest.raises(DataError) as error:
        LabelSet.infer(labelled(["pos", "pos", "pos"], path="reviews/train.tsv"))
    message = str(error.value)
    assert "reviews/train.tsv" in message
    assert "reviews/train.tsv:2" not in message  # the file, not one line of it
    assert "'pos'" in message
    assert "3 examples" in message


def test_a_typo_label_is_refused_naming_it_and_its_rows(capsys):
    raw = ["0", "1"] * 50
    raw[16] = raw[40] = "maybe"
    data = labelled(raw, path="data/train.csv")
    with pytest.raises(DataError) as error:
        LabelSet.infer(data)
    message = str(error.value)
    assert "'maybe' (2 rows: data/train.csv:18, data/train.csv:42)" in message
    assert "--allow-odd-labels" in message and "--label-names" in message
    # Accepted on request: a third class, with a warning that names it again.
    labels = LabelSet.infer(data, allow_odd=True)
    assert labels.names == ("0", "1", "maybe")
    assert "warning:" in capsys.readouterr().err
    # One name per label also says the third class is meant.
    named = LabelSet.infer(data, names=("negative", "positive", "unsure"))
    assert named.names == ("negative", "positive", "unsure")
    with pytest.raises(DataError, match="'maybe' .* look like typos"):
        LabelSet.infer(data, names=("negative", "positive"))


@pytest.mark.parametrize(
    ("raw", "odd"),
    [
        (["pos", "neg"] * 100 + ["postive"], "postive"),  # 1 row of 201: a typo, not a class
        (["positive", "negative"] * 5 + ["Positive"], "Positive"),  # a case variant
        (["neg", "pos"] * 5 + ["1"], "1"),  # a number among words
    ],
)
def test_rare_case_variant_and_mixed_kind_labels_are_odd(raw, odd):
    with pytest.raises(DataError, match=f"typos: '{odd}'"):
        LabelSet.infer(labelled(raw))


def test_small_and_imbalanced_but_consistent_labels_are_not_odd():
    assert LabelSet.infer(labelled(["a", "b", "c"])).names == ("a", "b", "c")
    assert len(LabelSet.infer(labelled(["0"] * 150 + ["1"] * 5 + ["2"] * 2))) == 3


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# --- LabelSet.encode -------------------------------------------------------------------


def test_unknown_labels_raise_one_error_listing_origins_and_values():
    labels = LabelSet.infer(labelled(["0", "1"]))
    raw = ["1", "maybe", "0", "2"]
    with pytest.raises(DataError) as error:
        labels.encode(labelled(raw, path="eval.csv"))
    message = str(error.value)
    assert "Received 2 unknown label(s)" in message
    assert "eval.csv:3: label 'maybe'" in message
    assert "eval.csv:5: label '2'" in message
    assert "eval.csv:2" not in message and "eval.csv:4" not in message
    # The valid values are listed so the user can fix the file.
    for valid in ("0", "1", "negative", "positive"):
        assert f"'{valid}'" in message


def test_unknown_labels_shown_are_capped_but_counted():
    labels = LabelSet.infer(labelled(["a", "b"]))
    n_bad = MAX_ERRORS_SHOWN + 5
    with pytest.raises(DataError) as error:
        labels.encode(labelled(["a"] + [f"bad{i}" for i in range(n_bad)], path="e.csv"))
    message = str(error.value)
    assert f"Received {n_bad} unknown label(s)" in message
    shown = [line for line in message.splitlines() if ": label 'bad" in line]
    assert len(shown) == MAX_ERRORS_SHOWN
    # The first ones are shown, in file order (line 2 holds "a", bad0 is on line 3).
    assert shown[0].strip() == "e.csv:3: label 'bad0'"
    assert f"'bad{MAX_ERRORS_SHOWN}'" not in message


def test_a_model_named_negative_positive_reads_0_1_labels():
    """The embedded corpus is labelled by name; SST-2 dev by 0/1 (issue 16)."""
    labels = LabelSet.infer(labelled(["positive", "negative"]))
    assert labels.aliases == {"negative": 0, "positive": 1}  # nothing about 0/1 stored
    raw = ["1", "0", "0", "positive", "NEG", "pos"]
    assert labels.encode(labelled(raw)) == [1, 0, 0, 1, 0, 1]


def test_a_model_trained_on_0_1_reads_negative_positive_labels():
    labels = LabelSet.infer(labelled(["1", "0"]))
    assert labels.encode(labelled(["negative", "positive", " Positive ", "0"])) == [0, 1, 1, 0]


def test_an_aclimdb_model_named_neg_pos_reads_0_1_and_full_names():
    labels = LabelSet.infer(labelled(["pos", "neg"]))
    assert labels.names == ("neg", "pos")
    assert labels.encode(labelled(["1", "0", "negative", "positive"])) == [1, 0, 0, 1]


def test_binary_spellings_follow_the_names_not_the_positions(tmp_path):
    # A model whose classes are stored positive first (names given in that order).
    reordered = LabelSet(("positive", "negative"), {"positive": 0, "negative": 1})
    assert reordered.encode(labelled(["0", "1", "neg"])) == [1, 0, 1]
    # Its own aliases win: trained on 0/1 with --label-names positive,negative, 0 means
    # positive, as the user said.
    explicit = LabelSet.infer(labelled(["0", "1"]), names=("positive", "negative"))
    assert explicit.encode(labelled(["0", "1", "positive"])) == [0, 1, 0]
    # A saved run's labels.json (written before this mapping existed) gets it on load.
    path = tmp_path / "labels.json"
    LabelSet.infer(labelled(["negative", "positive"])).save(path)
    assert LabelSet.load(path).encode(labelled(["0", "1"])) == [0, 1]


def test_other_binary_names_get_no_0_1_mapping():
    labels = LabelSet.infer(labelled(["good", "bad"]))
    with pytest.raises(DataError, match="Received 2 unknown label"):
        labels.encode(labelled(["0", "1"]))


def test_save_and_load_round_trip(tmp_path):
    original = LabelSet.infer(labelled(["10", "2", "1"]), names=("one", "two", "ten"))
    path = tmp_path / "labels.json"
    original.save(path)
    loaded = LabelSet.load(path)
    assert loaded == original
    sample = labelled(["1", "ten", "two", "10"])
    assert loaded.encode(sample) == original.encode(sample) == [0, 2, 1, 2]
