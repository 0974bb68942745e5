"""Grouped validation splits: a film (or any group) never sits on both sides (issue 18)."""

import csv
import json
from collections import Counter

import pytest

from apps.sentiment.data import NO_GROUPS, DataOptions, load_examples
from shared.datasets.errors import DataError
from shared.datasets.examples import LabelledTexts
from shared.datasets.labels import LabelSet
from shared.training.run_directory import RunDirectory, unfinished_run_without
from shared.training.splits import describe_split, split_examples


def movie_csv(path, movies=60, per_movie=10, header=("text", "label", "movie")):
    """Reviews of `movies` films; each film's reviews share a title word and mostly a label,
    as real ones do, so a random split puts most films on both sides."""
    rows = []
    for movie in range(movies):
        for review in range(per_movie):
            label = (movie + (review % 5 == 0)) % 2  # 80/20 within a film
            rows.append((f"film{movie} review {review} {'good' if label else 'bad'}", label))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i, (text, label) in enumerate(rows):
            writer.writerow([text, label, f"tt{1000 + i // per_movie}"])
    return path


def split(data: LabelledTexts, fraction=0.1, seed=0):
    labels = LabelSet.infer(data)
    ids = labels.encode(data)
    train_idx, val_idx = split_examples(data, ids, labels, fraction, seed)
    return train_idx, val_idx, ids


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_movie_column_keeps_every_film_on_one_side(tmp_path, seed):
    data = load_examples(movie_csv(tmp_path / "reviews.csv"), DataOptions())
    assert data.group_name == "movie" and len(set(data.groups)) == 60
    train_idx, val_idx, ids = split(data, 0.1, seed)
    assert sorted(train_idx + val_idx) == list(range(600))
    train_movies = {data.groups[i] for i in train_idx}
    val_movies = {data.groups[i] for i in val_idx}
    assert not train_movies & val_movies
    assert len(val_movies) == 6  # 10% of the films, whole
    # Stratified: each side holds about the classes' overall 50/50 share.
    shares = Counter(ids[i] for i in val_idx)
    assert abs(shares[1] / len(val_idx) - 0.5) <= 0.1
    assert describe_split(data, val_idx) == (
        "60 examples of 6 movies held out (grouped by movie: none of them in training)"
    )


def test_group_column_none_splits_at_random_by_unique_text(tmp_path):
    data = load_examples(movie_csv(tmp_path / "reviews.csv"), DataOptions(group_column=NO_GROUPS))
    assert data.groups is None
    train_idx, val_idx, _ = split(data)
    assert len(val_idx) == 60
    # A random split of 600 reviews of 60 films puts some film on both sides.
    films = [text.split()[0] for text in data.texts]
    assert {films[i] for i in train_idx} & {films[i] for i in val_idx}
    assert describe_split(data, val_idx) == (
        "60 examples held out (random, stratified, by unique text)"
    )


def test_copies_of_a_text_under_two_films_stay_together():
    # Each even film holds a verbatim copy of a review of the next (odd) film, so the
    # two films are one group: 20 groups of two films.
    texts, labels, groups = [], [], []
    for film in range(40):
        for review in range(5):
            texts.append(f"film {film} review {review}")
            labels.append(str((film + review) % 2))
            groups.append(f"tt{film}")
        if film % 2 == 0:
            texts.append(f"film {film + 1} review 0")  # a copy filed under another film
            labels.append(str((film + 1) % 2))
            groups.append(f"tt{film}")
    data = LabelledTexts(texts, labels, [f"f:{i}" for i in range(len(texts))], [], groups, "movie")
    for seed in range(5):
        train_idx, val_idx, _ = split(data, 0.25, seed)
        assert not {texts[i] for i in train_idx} & {texts[i] for i in val_idx}
        val_films = {int(groups[i][2:]) for i in val_idx}
        assert not {groups[i] for i in train_idx} & {f"tt{film}" for film in val_films}
        assert all(film ^ 1 in val_films for film in val_films)  # partners held out too


def test_reviews_without_a_film_are_grouped_by_text_alone():
    texts = [f"review {i % 50}" for i in range(200)]  # each text four times
    labels = [str(i % 50 % 2) for i in range(200)]
    groups = ["" if i % 50 >= 10 else f"tt{i % 5}" for i in range(200)]
    data = LabelledTexts(texts, labels, [f"f:{i}" for i in range(200)], [], groups, "movie")
    train_idx, val_idx, _ = split(data, 0.2)
    assert not {texts[i] for i in train_idx} & {texts[i] for i in val_idx}
    assert not ({groups[i] for i in train_idx} & {groups[i] for i in val_idx}) - {""}
    assert 20 <= len(val_idx) <= 60  # the ungrouped texts were dealt, not all kept together


def test_too_few_films_to_hold_out_is_a_clear_error():
    data = LabelledTexts(
        ["a", "b", "c", "d"], ["0", "1", "0", "1"], ["f:1", "f:2", "f:3", "f:4"], [],
        ["tt1", "tt1", "tt2", "tt2"], "movie",
    )  # fmt: skip
    with pytest.raises(DataError, match=r"at least 10 separate movie groups.*Received 2"):
        split(data, 0.1)


def test_a_named_group_column_missing_from_the_header_names_the_header(tmp_path):
    path = movie_csv(tmp_path / "reviews.csv")
    with pytest.raises(DataError) as raised:
        load_examples(path, DataOptions(group_column="film"))
    message = str(raised.value)
    assert "'film'" in message and "--group-column" in message
    assert "['text', 'label', 'movie']" in message


def test_cli_group_column_names_a_missing_column(tmp_path, capsys):
    from apps.sentiment.cli import main

    path = movie_csv(tmp_path / "reviews.csv")
    run_dir = tmp_path / "run"
    code = main(["train", "--data", str(path), "--group-column", "film", "--run-dir", str(run_dir)])
    assert code == 2
    err = capsys.readouterr().err
    assert "expected a group column named 'film'" in err and "['text', 'label', 'movie']" in err
    assert not run_dir.exists()


def test_an_interrupted_run_from_before_a_new_setting_is_resumed_as_it_began(tmp_path):
    old = {"epochs": 2, "data": "d.csv"}
    new = {**old, "group_column": "movie"}
    folder = tmp_path / "old"
    assert RunDirectory(folder).prepare(old) == "new"  # interrupted: no model.keras yet
    found = unfinished_run_without(new, ("group_column",), lambda settings: folder)
    assert found is not None and found[0].path == folder and found[1] == old
    assert unfinished_run_without(old, ("group_column",), lambda settings: folder) is None
    (folder / "model.keras").write_bytes(b"")  # finished: a new run starts elsewhere
    assert unfinished_run_without(new, ("group_column",), lambda settings: folder) is None
    other = tmp_path / "other"
    RunDirectory(other).prepare({**old, "epochs": 3})
    assert unfinished_run_without(new, ("group_column",), lambda settings: other) is None


def test_a_grouped_run_says_so_and_records_its_split(tmp_path, capsys):
    from apps.sentiment.cli import main

    path = movie_csv(tmp_path / "reviews.csv", movies=40, per_movie=8)
    run_dir = tmp_path / "run"
    tiny = ["--epochs", "1", "--units", "4", "--embedding-dim", "8", "--max-length", "10",
            "--max-tokens", "200", "--ngram-buckets", "16", "--min-count", "1"]  # fmt: skip
    assert main(["train", "--data", str(path), "--run-dir", str(run_dir), *tiny]) == 0
    out = capsys.readouterr().out
    assert (
        "validation: 32 examples of 4 movies held out (grouped by movie: none of them in "
        "training)" in out
    )
    assert "validation (32 examples, grouped by movie)" in out
    settings = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    assert settings["group_column"] == "movie"
    # The same command finds the finished run: the split is part of its settings.
    assert main(["train", "--data", str(path), "--run-dir", str(run_dir), *tiny]) == 0
    assert "(finished)" in capsys.readouterr().out
    # A random split is other settings: refused in the same folder.
    no_groups = ["--group-column", "none"]
    assert main(["train", "--data", str(path), "--run-dir", str(run_dir), *tiny, *no_groups]) == 2
    assert "group_column" in capsys.readouterr().err


def test_an_aclimdb_folder_with_urls_files_splits_by_film(tmp_path):
    split_dir = tmp_path / "aclImdb" / "train"
    for label, rating in (("pos", 9), ("neg", 2)):
        (split_dir / label).mkdir(parents=True)
        pages = []
        for review_id in range(80):  # 20 films, 4 reviews each, per class
            film = review_id // 4 + (0 if label == "pos" else 10)  # films 10-19 in both
            pages.append(f"http://www.imdb.com/title/tt{film:07d}/usercomments")
            text = f"Film {film}, {label} review {review_id}."
            (split_dir / label / f"{review_id}_{rating}.txt").write_text(text, encoding="utf-8")
        (split_dir / f"urls_{label}.txt").write_text("\n".join(pages) + "\n", encoding="utf-8")
    data = load_examples(split_dir, DataOptions())
    assert data.group_name == "movie" and len(set(data.groups)) == 30
    for seed in range(3):
        train_idx, val_idx, ids = split(data, 0.2, seed)
        assert not {data.groups[i] for i in train_idx} & {data.groups[i] for i in val_idx}
        assert set(Counter(ids[i] for i in val_idx)) == {0, 1}
    assert load_examples(split_dir, DataOptions(group_column=NO_GROUPS)).groups is None
    with pytest.raises(DataError, match="urls_<class>.txt"):
        load_examples(split_dir, DataOptions(group_column="film"))
