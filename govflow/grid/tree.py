"""The grid: a validated tree of nodes with its people and duty chain.

:class:`Grid` implements the engine's :class:`~govflow.engine.hierarchy.Hierarchy` protocol.
Codes nest by prefix and are kept sorted, so a subtree is one contiguous range of the sorted
codes (found by bisection) and parents always come before their children.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from govflow.errors import GridError, Problem
from govflow.grid.model import CELL_TIER, Duty, Identity, Node, Person, tier_of_code
from govflow.grid.validate import (
    Where,
    check_duties,
    check_nodes,
    check_people,
    check_polygons,
    nowhere,
)

if TYPE_CHECKING:
    from govflow.grid.arrays import GridArrays, PeopleArrays
    from govflow.grid.locate import Locator

_AFTER = ":"  # sorts after every digit: code + _AFTER bounds the code's subtree


def _span(sorted_keys: Sequence[str], prefix: str) -> tuple[int, int]:
    return bisect_left(sorted_keys, prefix), bisect_left(sorted_keys, prefix + _AFTER)


class Grid:
    """District → streets → communities → cells, with people and the 四级包联 duty chain.

    Build one with :meth:`build` (validates everything and raises
    :class:`~govflow.errors.GridError` listing every problem), :func:`govflow.grid.load_grid`
    or :func:`govflow.grid.generate_district`.
    """

    def __init__(self, nodes: Iterable[Node], people: Iterable[Person] = (),
                 duties: Iterable[Duty] = ()) -> None:
        """Assemble an already validated grid; use :meth:`build` for untrusted input."""
        self._nodes: dict[str, Node] = {n.code: n for n in nodes}
        self.codes: tuple[str, ...] = tuple(sorted(self._nodes))
        self._cells: list[str] = [c for c in self.codes if self._nodes[c].tier == CELL_TIER]
        self._children: dict[str, list[str]] = {c: [] for c in self.codes}
        for code in self.codes:
            parent = self._nodes[code].parent
            if parent is not None:
                self._children[parent].append(code)
        self._people: dict[str, Person] = {}
        ordered = sorted(people, key=lambda p: (p.home, p.id))
        self._people = {p.id: p for p in ordered}
        self._people_order: list[Person] = ordered
        self._homes: list[str] = [p.home for p in ordered]
        self.duties: tuple[Duty, ...] = tuple(duties)
        self._on_duty: dict[str, str] = {
            d.node: d.person for d in self.duties if d.level != "households"
        }
        self.root: str = self.codes[0] if self.codes else ""
        self._duties_of: dict[str, list[Duty]] = {}
        for duty in self.duties:
            self._duties_of.setdefault(duty.person, []).append(duty)

    @classmethod
    def build(cls, nodes: Sequence[Node], people: Sequence[Person] = (),
              duties: Sequence[Duty] = (), *, where: Where = nowhere,
              problems: Sequence[Problem] = ()) -> Grid:
        """Validate and assemble; raise :class:`GridError` with every problem (``problems``
        adds ones the caller already found, e.g. unparsable rows)."""
        found = list(problems)
        found += check_nodes(nodes, where)
        found += check_polygons(nodes, where)
        codes = {n.code for n in nodes}
        found += check_people(people, codes, where)
        tiers = {n.code: tier_of_code(n.code) for n in nodes}
        found += check_duties(duties, tiers, {p.id for p in people}, where)
        if found:
            raise GridError(sorted(found, key=lambda p: (p.file, p.line or 0)))
        return cls(nodes, people, duties)

    # -- the tree --------------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def node(self, code: str) -> Node:
        """The node, or :class:`GridError` naming the unknown code."""
        try:
            return self._nodes[code]
        except KeyError:
            raise GridError([Problem("<grid>", None, "", f"unknown node {code!r}; "
                                     f"`govflow grid show {self.root}` lists the codes")]) from None

    def nodes(self) -> list[Node]:
        """Every node, parents before children (sorted codes)."""
        return [self._nodes[c] for c in self.codes]

    def tier(self, code: str) -> int:
        return self.node(code).tier

    def children(self, code: str) -> list[str]:
        self.node(code)
        return list(self._children[code])

    def is_cell(self, code: str) -> bool:
        """Whether ``code`` is a tier-3 cell of this grid (where cases live)."""
        found = self._nodes.get(code)
        return found is not None and found.tier == 3

    def parent_of(self, node: str) -> str | None:
        found = self._nodes.get(node)
        return found.parent if found is not None else None

    def ancestors(self, code: str) -> list[str]:
        """``code`` and every node above it, bottom-up."""
        chain: list[str] = []
        current: str | None = code
        while current is not None and current in self._nodes:
            chain.append(current)
            current = self._nodes[current].parent
        return chain

    def is_within(self, node: str, ancestor: str) -> bool:
        """Prefix test; codes are checked to nest by prefix when the grid is built."""
        return node.startswith(ancestor) and node in self._nodes and ancestor in self._nodes

    def subtree(self, code: str) -> list[str]:
        """``code`` and every node below it, parents first."""
        self.node(code)
        lo, hi = _span(self.codes, code)
        return list(self.codes[lo:hi])

    def cells_under(self, code: str) -> list[str]:
        """The tier-3 cells at or below ``code``, sorted."""
        self.node(code)
        lo, hi = _span(self._cells, code)
        return self._cells[lo:hi]

    def cells(self) -> list[str]:
        return list(self._cells)

    def street_of(self, code: str) -> str:
        """The tier-1 node above (or at) ``code``; the district itself for the root."""
        node = self.node(code)
        return code[:9] if node.tier >= 1 else code

    # -- people and duty -------------------------------------------------------------------
    def person(self, person_id: str) -> Person:
        try:
            return self._people[person_id]
        except KeyError:
            raise GridError([Problem("<grid>", None, "", f"unknown person {person_id!r}")]
                            ) from None

    def people(self) -> list[Person]:
        return list(self._people_order)

    def people_under(self, code: str, identities: Identity | int = Identity.NONE
                     ) -> list[Person]:
        """People whose home is at or below ``code`` holding any of ``identities``
        (every person when ``identities`` is empty)."""
        self.node(code)
        lo, hi = _span(self._homes, code)
        mask = int(identities)
        found = self._people_order[lo:hi]
        return [p for p in found if int(p.identities) & mask] if mask else list(found)

    def duties_of(self, person_id: str) -> list[Duty]:
        """The duty-chain links a person holds."""
        return list(self._duties_of.get(person_id, ()))

    def on_duty(self, node: str) -> str | None:
        """The person the 四级包联 chain names for ``node`` (see :mod:`govflow.grid.duty`)."""
        return self._on_duty.get(node)

    # -- derived views ---------------------------------------------------------------------
    @cached_property
    def _locator(self) -> Locator:
        from govflow.grid.locate import Locator

        return Locator(self.nodes())

    def locate(self, lon: float, lat: float) -> str | None:
        """The tier-3 cell containing (lon, lat), or ``None`` (outside, or no polygons)."""
        return self._locator.locate(lon, lat)

    def nearest_cell(self, lon: float, lat: float) -> str | None:
        """The tier-3 cell containing (lon, lat), else the closest one (``None``: no
        polygons): for points projected onto the district from elsewhere."""
        return self._locator.nearest(lon, lat)

    @cached_property
    def _arrays(self) -> GridArrays:
        from govflow.grid.arrays import grid_arrays

        return grid_arrays(self.codes, self.nodes())

    def to_arrays(self) -> GridArrays:
        """The tree as numpy arrays for the kernels (see :class:`GridArrays`); built once."""
        return self._arrays

    def people_arrays(self) -> PeopleArrays:
        from govflow.grid.arrays import people_arrays

        return people_arrays(self.codes, self.people())

    def counts(self) -> dict[str, int]:
        """How many nodes per tier name, plus people and households."""
        from govflow.grid.model import TIER_NAMES

        out = {name: 0 for name in TIER_NAMES}
        for node in self._nodes.values():
            out[TIER_NAMES[node.tier]] += 1
        out["households"] = sum(self._nodes[c].households for c in self._cells)
        out["people"] = len(self._people)
        return out
