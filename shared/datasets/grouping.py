"""Joining items that share a key (a text, a film, a translation) into connected groups."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


def connected_roots(keys_of_items: Iterable[Iterable[Hashable]]) -> list[int]:
    """The group of each item, where items sharing any key are joined (union-find).

    Args:
        keys_of_items: the keys of each item, in item order.

    Returns:
        For each item, the index of one item of its group (the same index for the whole
        group): `[0, 0, 2]` for keys `[("a",), ("b", "a"), ("c",)]`.
    """
    items = [tuple(keys) for keys in keys_of_items]
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[Hashable, int] = {}
    for index, keys in enumerate(items):
        for key in keys:
            other = first.setdefault(key, index)
            parent[root(index)] = root(other)
    return [root(i) for i in range(len(items))]
