"""The grid and its party organisations in a store, as plain dict rows.

A store that keeps grids (the SQL store) has ``save_grid(nodes, people, duties)`` and
``load_grid() -> (nodes, people, duties)``; rows are the ``grid_nodes`` / ``people`` /
``duty`` tables' columns. Identities are stored as a list of names. Skill tags have no column
yet and are not kept.

The party (branches, building groups, households and their 联户党员) is kept beside it with
``save_party(orgs, households)`` / ``load_party()`` (tables ``party_orgs``, ``households``),
and is validated against the stored grid both ways: before it is written, and when it is read
back (the grid may have been replaced since). Rows come back in key order.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from govflow.errors import GridError, Problem
from govflow.grid.load import grid_rows
from govflow.grid.model import Duty, Identity, Node, Person, tier_of_code
from govflow.grid.party import Household, Party, PartyOrg, validate_party
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


def save_party_to_store(store: Any, party: Party, grid: Grid | None = None) -> None:
    """Validate ``party`` and replace the store's party with it (one transaction).

    ``grid``: the grid kept in that store, when the caller holds it already (default: read
    it from the store). GridError lists every problem and nothing is written.
    """
    saver = getattr(store, "save_party", None)
    if saver is None:
        raise GridError([Problem(repr(store), None, "", "this store keeps no party "
                                 "organisations; use a SQL store (sqlite:/// or "
                                 "postgresql://)")])
    validate_party(party, grid if grid is not None else load_from_store(store), repr(store))
    saver([asdict(o) for o in party.orgs], [asdict(h) for h in party.households])


def stored_party(store: Any) -> Party | None:
    """The party kept in the store as it is (not validated), or None when it keeps none."""
    loader = getattr(store, "load_party", None)
    if loader is None:
        return None
    org_rows, home_rows = loader()
    if not org_rows and not home_rows:
        return None
    # sorted here, not by the database: PostgreSQL collations may order "-" differently
    return Party(tuple(PartyOrg(**row) for row in sorted(org_rows, key=lambda r: r["code"])),
                 tuple(Household(**row) for row in sorted(home_rows, key=lambda r: r["id"])))


def load_party_from_store(store: Any, grid: Grid | None = None) -> Party:
    """The party kept in the store, validated against ``grid`` (default: the stored grid);
    GridError lists every problem, rows named by code and id."""
    if getattr(store, "load_party", None) is None:
        raise GridError([Problem(repr(store), None, "", "this store keeps no party "
                                                        "organisations")])
    party = stored_party(store)
    if party is None:
        raise GridError([Problem(repr(store), None, "", "the store holds no party "
                                 "organisations; `govflow grid party load FILE --store URL`")])
    validate_party(party, grid if grid is not None else load_from_store(store), repr(store),
                   by_key=True)
    return party
