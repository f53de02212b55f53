"""The grid in a store: ``save_grid``/``load_grid`` with plain dict rows.

A store that keeps grids (the SQL store) has ``save_grid(nodes, people, duties)`` and
``load_grid() -> (nodes, people, duties)``; rows are the ``grid_nodes`` / ``people`` /
``duty`` tables' columns. Identities are stored as a list of names. Skill tags have no column
yet and are not kept.
"""

from __future__ import annotations

from typing import Any

from govflow.errors import GridError, Problem
from govflow.grid.load import grid_rows
from govflow.grid.model import Duty, Identity, Node, Person, tier_of_code
from govflow.grid.tree import Grid


def save_to_store(store: Any, grid: Grid) -> None:
    """Replace the store's grid with ``grid`` (one transaction in the store)."""
    saver = getattr(store, "save_grid", None)
    if saver is None:
        raise GridError([Problem(repr(store), None, "", "this store keeps no grid; use a SQL "
                                                        "store (sqlite:/// or postgresql://)")])
    rows = grid_rows(grid)
    people = [{k: v for k, v in row.items() if k != "skills"} for row in rows["people"]]
    saver(rows["nodes"], people, rows["duty"])


def stored_grid(store: Any) -> Grid | None:
    """The grid kept in the store, or None when the store keeps none (GridError if invalid)."""
    loader = getattr(store, "load_grid", None)
    if loader is None:
        return None
    node_rows, people_rows, duty_rows = loader()
    if not node_rows:
        return None
    nodes = [Node(r["code"], r["parent"], tier_of_code(r["code"]), r["name"],
                  int(r["households"]), r["polygon"]) for r in node_rows]
    people = [Person(r["id"], r["name"], r["home"], Identity.parse(list(r["identities"])),
                     r["contact"]) for r in people_rows]
    duties = [Duty(r["node"], r["person"], r["level"]) for r in duty_rows]
    return Grid.build(nodes, people, duties)


def load_from_store(store: Any) -> Grid:
    """The grid kept in the store, validated like a file (GridError lists every problem)."""
    if getattr(store, "load_grid", None) is None:
        raise GridError([Problem(repr(store), None, "", "this store keeps no grid")])
    grid = stored_grid(store)
    if grid is None:
        url = getattr(store, "url", repr(store))
        raise GridError([Problem(str(url), None, "", (
            "the store holds no grid; keep one with `govflow grid load FILE --store URL` or "
            "`govflow grid generate --save --store URL`, or run `govflow demo` (it keeps the "
            "district in the default store)"))])
    return grid
