"""Names held to the widths the store keeps (govflow.widths), on every SQL store.

PostgreSQL refuses a text longer than its varchar column and fails the whole transaction;
SQLite keeps it. These tests keep govflow.widths in step with the tables, and check that the
bulk saves (grid, party) refuse every over-long text before writing anything, and that a dead
letter, the last place a record is kept, always fits.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

import govflow.widths as widths
from govflow.errors import GridError
from govflow.grid import generate_district
from govflow.grid.party import generate_party
from govflow.grid.persist import save_party_to_store, save_to_store, stored_party
from govflow.records import DeadLetter
from govflow.store import tables
from govflow.store.sql import SqlStore

#: each width and the columns that keep exactly that many characters
COLUMNS = {
    widths.CODE: ["cases.id", "cases.cell", "cases.owner", "grid_nodes.code", "people.home",
                  "party_orgs.cell", "households.cell"],
    widths.NAME: ["cases.workflow", "cases.state", "cases.category", "cases.source",
                  "events.actor", "events.role", "events.trigger", "events.source",
                  "events.dest", "outbox.recipient", "people.id", "api_keys.name",
                  "api_keys.actor", "workflows.name", "party_orgs.secretary",
                  "households.member"],
    widths.KIND: ["outbox.kind"],
    widths.ORG: ["party_orgs.code", "party_orgs.parent", "households.id", "households.group"],
    widths.TITLE: ["grid_nodes.name", "people.name", "people.contact", "party_orgs.name",
                   "households.address"],
}


@pytest.mark.parametrize("width", sorted(COLUMNS))
def test_the_widths_are_the_columns_widths(width: int) -> None:
    """Each constant of govflow.widths is the width of the columns it stands for."""
    for name in COLUMNS[width]:
        table, column = name.split(".")
        assert tables.width(tables.metadata.tables[table].c[column]) == width, name


def test_a_party_with_texts_too_long_is_refused_whole_before_writing(sql_store: SqlStore) -> None:
    """Every over-long text is listed, by table, key and column, and the party kept before
    stays as it was (on PostgreSQL the save used to fail as one StoreError)."""
    grid = generate_district(seed=0)
    save_to_store(sql_store, grid)
    party = generate_party(grid, grid.cells()[:2])
    save_party_to_store(sql_store, party, grid)
    kept = stored_party(sql_store)
    assert kept == party

    orgs = list(party.orgs)
    orgs[0] = dataclasses.replace(orgs[0], name="党" * (widths.TITLE + 1))
    homes = list(party.households)
    homes[0] = dataclasses.replace(homes[0], address="x" * (widths.TITLE + 5))
    homes[1] = dataclasses.replace(homes[1], address="y" * widths.TITLE)  # fits
    with pytest.raises(GridError) as info:
        save_party_to_store(sql_store, dataclasses.replace(party, orgs=tuple(orgs),
                                                           households=tuple(homes)), grid)
    paths = [p.path for p in info.value.problems]
    assert paths == [f"party_orgs[{orgs[0].code}].name", f"households[{homes[0].id}].address"]
    assert all(f"{widths.TITLE} characters" in p.message for p in info.value.problems)
    assert stored_party(sql_store) == kept


def test_a_dead_letter_always_fits_its_columns(sql_store: SqlStore) -> None:
    """Over-long ids stay distinct (a prefix and a hash), an over-long record id or source is
    cut with a mark; the payload keeps the whole record, and a letter can be retired by the
    id it is kept under."""
    at = datetime(2026, 12, 4, tzinfo=UTC)
    long_record = "https://hotline.example/records/" + "7" * 300
    letters = [DeadLetter(f"src:{long_record}:{n}", "s" * 150, long_record, "bad", long_record, at)
               for n in (1, 2)]
    sql_store.add_dead_letters(letters)
    kept = sql_store.dead_letters()
    assert len(kept) == 2 and len({d.id for d in kept}) == 2
    assert all(len(d.id) <= 128 and d.id.startswith("src:https://") for d in kept)
    assert all(len(d.record_id) == 200 and d.record_id.endswith("…") for d in kept)
    assert all(len(d.source) == 100 and d.payload == long_record for d in kept)
    assert sql_store.remove_dead_letters([kept[0].id]) == 1
    assert [d.id for d in sql_store.dead_letters()] == [kept[1].id]


def test_replay_areas_with_long_names_get_codes_that_fit() -> None:
    """LA's neighbourhood councils have names of 39 and more characters: the replay's cases
    are opened on codes that fit the cell column and stay one per name (the report keeps
    the names)."""
    from govflow.replay.hierarchy import code_of

    long_a = "EMPOWERMENT CONGRESS SOUTHWEST AREA NDC"
    long_b = "EMPOWERMENT CONGRESS SOUTHEAST AREA NDC"
    codes = {code_of(long_a), code_of(long_b)}
    assert len(codes) == 2 and all(len(c) == widths.CODE for c in codes)
    assert code_of("HOLLYWOOD") == "HOLLYWOOD" and code_of(long_a) == code_of(long_a)
