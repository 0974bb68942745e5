"""Tests for joining items that share a key (`shared.datasets.grouping`)."""

from shared.datasets.grouping import connected_roots


def test_items_sharing_a_key_join_and_others_stay_apart():
    assert connected_roots([("a",), ("b", "a"), ("c",)]) == [0, 0, 2]
    assert connected_roots([]) == []


def test_joins_are_transitive_whatever_the_order():
    # 0-3 through "x", 3-1 through "y", 1-4 through "z": one group; 2 alone.
    roots = connected_roots([("x",), ("y", "z"), ("w",), ("x", "y"), ("z",)])
    assert roots[0] == roots[1] == roots[3] == roots[4] != roots[2]
    assert roots[2] == 2
