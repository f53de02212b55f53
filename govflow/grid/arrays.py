"""The grid and its people as numpy arrays, for the kernels (they never touch the tree).

``GridArrays`` layout (stable; the kernels rely on it):

- ``codes``: every node code, sorted, so parents come before their children;
- ``parent``: int32, index of each node's parent in ``codes``; −1 for the root;
- ``tier``: int8, 0 district, 1 street, 2 community, 3 cell;
- ``index``: code → position in ``codes``;
- ``households``: int32 households per node (cells as given, upper tiers summed);
- ``cells``: int32 node indices of the tier-3 cells, in code order;
- ``cell_of_index``: int32, for each node index its position in ``cells``, −1 if not a cell.

Rolling a per-cell figure up the tiers is then one reverse pass over ``parent``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from govflow.grid.model import CELL_TIER, Node, Person


@dataclass(frozen=True)
class GridArrays:
    """The tree as a parent array; see the module docstring for each field."""

    codes: tuple[str, ...]
    parent: np.ndarray
    tier: np.ndarray
    index: Mapping[str, int]
    households: np.ndarray
    cells: np.ndarray
    cell_of_index: np.ndarray

    def rollup(self, per_node: np.ndarray) -> np.ndarray:
        """Sum a per-node figure into every ancestor (a plain-numpy reference, tier by tier)."""
        total = np.array(per_node, dtype=np.int64, copy=True)
        for tier in range(CELL_TIER, 0, -1):
            rows = np.flatnonzero(self.tier == tier)
            np.add.at(total, self.parent[rows], total[rows])
        return total


@dataclass(frozen=True)
class PeopleArrays:
    """People as columns: ``ids``, ``home`` (int32 node index), ``identities`` (int64 bitmask
    of :class:`~govflow.grid.model.Identity`)."""

    ids: tuple[str, ...]
    home: np.ndarray
    identities: np.ndarray


def grid_arrays(codes: tuple[str, ...], nodes: Sequence[Node]) -> GridArrays:
    """The arrays of a tree's ``nodes``, listed in the order of their sorted ``codes``."""
    index = {code: i for i, code in enumerate(codes)}
    parent = np.fromiter((index[n.parent] if n.parent is not None else -1 for n in nodes),
                         dtype=np.int32, count=len(nodes))
    tier = np.fromiter((n.tier for n in nodes), dtype=np.int8, count=len(nodes))
    cells = np.flatnonzero(tier == CELL_TIER).astype(np.int32)
    cell_of_index = np.full(len(nodes), -1, dtype=np.int32)
    cell_of_index[cells] = np.arange(len(cells), dtype=np.int32)
    base = np.zeros(len(nodes), dtype=np.int64)
    base[cells] = [nodes[i].households for i in cells.tolist()]
    arrays = GridArrays(codes, parent, tier, MappingProxyType(index),
                        np.zeros(0, dtype=np.int32), cells, cell_of_index)
    households = arrays.rollup(base).astype(np.int32)
    for array in (parent, tier, cells, cell_of_index, households):
        array.setflags(write=False)
    return GridArrays(codes, parent, tier, MappingProxyType(index), households, cells,
                      cell_of_index)


def people_arrays(codes: tuple[str, ...], people: Sequence[Person]) -> PeopleArrays:
    """The arrays of ``people``, their homes indexed into the tree's sorted ``codes``."""
    index = {code: i for i, code in enumerate(codes)}
    home = np.fromiter((index[p.home] for p in people), dtype=np.int32, count=len(people))
    identities = np.fromiter((int(p.identities) for p in people), dtype=np.int64,
                             count=len(people))
    return PeopleArrays(tuple(p.id for p in people), home, identities)
