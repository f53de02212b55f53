"""Party organisations and households kept in the store beside the grid: saved and read back
whole, validated against the stored grid both ways, and the ``govflow grid party`` commands."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from govflow.cli import main
from govflow.errors import GridError
from govflow.grid import Grid, generate_district
from govflow.grid.party import Party, generate_party, load_party, write_party
from govflow.grid.persist import (
    load_party_from_store,
    save_party_to_store,
    save_to_store,
    stored_party,
)
from govflow.store.memory import MemoryStore
from govflow.store.sql import SqlStore
from tests.conftest import postgres_url


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def _first_street(grid: Grid) -> Grid:
    """The district cut down to its first street (a small grid for the commands)."""
    keep = {grid.root, *grid.subtree(grid.children(grid.root)[0])}
    people = [p for p in grid.people() if p.home in keep]
    ids = {p.id for p in people}
    return Grid.build([n for n in grid.nodes() if n.code in keep], people,
                      [d for d in grid.duties if d.node in keep and d.person in ids])


@pytest.fixture(scope="module")
def small(grid: Grid) -> Grid:
    return _first_street(grid)


def _without(grid: Grid, cell: str) -> Grid:
    """The grid with one cell, the people living there and its duties removed."""
    nodes = [n for n in grid.nodes() if n.code != cell]
    people = [p for p in grid.people() if p.home != cell]
    gone = {p.id for p in grid.people()} - {p.id for p in people}
    duties = [d for d in grid.duties if d.node != cell and d.person not in gone]
    return Grid.build(nodes, people, duties)


def test_party_round_trips_through_the_store(small: Grid, sql_store: SqlStore) -> None:
    """generate_party → save → load gives the same party; saving again replaces it, and rows
    come back in key order whatever order they were saved in."""
    grid = small
    save_to_store(sql_store, grid)
    assert stored_party(sql_store) is None
    party = generate_party(grid)
    assert len(party.households) > 100
    save_party_to_store(sql_store, party, grid)
    assert load_party_from_store(sql_store) == party
    assert load_party_from_store(sql_store, grid) == party
    shuffled = list(party.households[:10])
    random.Random(0).shuffle(shuffled)
    smaller = Party(party.orgs, tuple(shuffled))
    save_party_to_store(sql_store, smaller)
    assert stored_party(sql_store) == Party(party.orgs, party.households[:10])


def test_a_party_off_the_stored_grid_is_refused_and_every_problem_listed(
    small: Grid, sql_store: SqlStore,
) -> None:
    """Saving a party with a cell the stored grid lacks writes nothing; a party kept before
    the grid lost that cell fails to load, naming every org and household on it by key."""
    grid = small
    cell = grid.cells()[0]
    party = generate_party(grid, grid.cells()[:2])
    save_to_store(sql_store, _without(grid, cell))
    with pytest.raises(GridError) as refused:
        save_party_to_store(sql_store, party)
    assert f"{cell!r} is not a third-tier cell" in str(refused.value)
    assert stored_party(sql_store) is None

    save_to_store(sql_store, grid)
    save_party_to_store(sql_store, party)
    save_to_store(sql_store, _without(grid, cell))
    with pytest.raises(GridError) as caught:
        load_party_from_store(sql_store)
    paths = {p.path for p in caught.value.problems}
    on_cell = [o.code for o in party.orgs if o.cell == cell]
    homes = [h.id for h in party.households if h.cell == cell]
    assert on_cell and homes
    assert {f"orgs[{code}].cell" for code in on_cell} <= paths
    assert {f"households[{hid}].member" for hid in homes} <= paths
    assert all(p.file == repr(sql_store) for p in caught.value.problems)
    assert not any(cell not in p.path for p in caught.value.problems)  # the other cell is fine


def test_a_store_without_party_tables_or_rows_says_so(small: Grid, sql_store: SqlStore) -> None:
    """The memory store keeps no party; an empty SQL store holds none and says which command
    fills it; a store without a grid cannot check a party."""
    memory = MemoryStore()
    with pytest.raises(GridError, match="keeps no party"):
        save_party_to_store(memory, generate_party(small), small)
    assert stored_party(memory) is None
    with pytest.raises(GridError, match="keeps no party"):
        load_party_from_store(memory)
    with pytest.raises(GridError, match="holds no grid"):
        save_party_to_store(sql_store, generate_party(small))
    with pytest.raises(GridError, match="govflow grid party load"):
        load_party_from_store(sql_store, small)


def test_party_commands_generate_check_load_and_report_problems(
    small: Grid, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """`grid party generate --out` writes a file from the stored grid, `party load --check`
    stores nothing, `party load` keeps the file; a file with a wrong cell prints its problem
    and exits 1, leaving the kept party as it was."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    with SqlStore(url, create=True) as store:
        save_to_store(store, small)
    file = tmp_path / "party.yaml"
    assert main(["grid", "party", "generate", "--out", str(file), "--url", url]) == 0
    out = capsys.readouterr().out
    assert "64 grid branches, 128 building groups, 512 households" in out
    party = load_party(file, small)
    assert party == generate_party(small)
    assert main(["grid", "party", "load", str(file), "--check", "--url", url]) == 0
    with SqlStore(url) as store:
        assert stored_party(store) is None
    assert main(["grid", "party", "load", str(file), "--url", url]) == 0
    assert "party organisations kept in" in capsys.readouterr().out
    bad = write_party(replace(party, orgs=(replace(party.orgs[0], cell="410102999999999"),
                                           *party.orgs[1:])), tmp_path / "bad.yaml")
    assert main(["grid", "party", "load", str(bad), "--url", url]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml orgs[0].cell: '410102999999999' is not a third-tier cell" in err
    with SqlStore(url) as store:
        assert load_party_from_store(store) == party


def test_party_generate_save_keeps_it(small: Grid, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`grid party generate --save` keeps the generated party in the store."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    with SqlStore(url, create=True) as store:
        save_to_store(store, small)
    assert main(["grid", "party", "generate", "--save", "--url", url]) == 0
    assert "party organisations kept in" in capsys.readouterr().out
    with SqlStore(url) as store:
        assert load_party_from_store(store, small) == generate_party(small)


@pytest.mark.postgres
def test_party_load_command_on_postgres(
    small: Grid, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """`govflow grid party load` keeps the file in a PostgreSQL store (a schema of its own)."""
    schema = f"gf_test_{uuid.uuid4().hex[:12]}"
    store = SqlStore(postgres_url(), schema=schema, create=True)
    try:
        save_to_store(store, small)
        party = generate_party(small)
        file = write_party(party, tmp_path / "party.yaml")
        url = f"{postgres_url()}?schema={schema}"
        assert main(["grid", "party", "load", str(file), "--url", url]) == 0
        assert "party organisations kept in" in capsys.readouterr().out
        assert load_party_from_store(store, small) == party
    finally:
        store.drop_schema()
