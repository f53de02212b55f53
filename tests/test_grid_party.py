"""Party branches, building groups and households as grid entities."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from govflow.errors import GridError
from govflow.grid import Grid, Identity, generate_district
from govflow.grid.party import (
    Household,
    contact_chain,
    generate_party,
    load_party,
    party_arrays,
    validate_party,
    write_party,
)


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def test_generated_party_validates_round_trips_and_exports(grid: Grid, tmp_path: Path) -> None:
    """A branch per cell, groups per building, households linked to 联户党员; the file reads
    back the same; arrays count households per node, rolled up to the district."""
    party = generate_party(grid)
    validate_party(party, grid)
    assert sum(o.kind == "branch" for o in party.orgs) == len(grid.cells())
    back = load_party(write_party(party, tmp_path / "party.yaml"), grid)
    assert back == party
    arrays = party_arrays(party, grid)
    root = grid.to_arrays().index[grid.root]
    assert arrays.households[root] == len(party.households) == 934 * 8
    ids = grid.people_arrays().ids
    assert {ids[i] for i in np.unique(arrays.household_member)} == {
        h.member for h in party.households}


def test_the_chain_runs_from_a_household_to_the_district(grid: Grid) -> None:
    """household → its party member → cell → community → street → district."""
    party = generate_party(grid, grid.cells()[:1])
    home = party.households[0]
    links = contact_chain(grid, party, home.id)
    assert links[0] == (f"household {home.id}", home.member)
    assert [node for node, _ in links[1:]] == grid.ancestors(home.cell)


def test_every_problem_is_listed(grid: Grid) -> None:
    """Unknown cell, a household twice, a member who is no party member, a group on the
    wrong cell: all in one GridError."""
    cells = grid.cells()
    party = generate_party(grid, cells[:2])
    worker = next(p for p in grid.people_under(cells[0])
                  if Identity.PARTY_MEMBER not in p.identities)
    homes = list(party.households)
    homes.append(homes[0])
    homes.append(replace(homes[1], id="x1", member=worker.id))
    homes.append(Household("x2", cells[1], party.orgs[1].code, "1室", homes[0].member))
    orgs = [*party.orgs, replace(party.orgs[0], code="bad", cell="999")]
    with pytest.raises(GridError) as caught:
        validate_party(replace(party, orgs=tuple(orgs), households=tuple(homes)), grid)
    text = str(caught.value)
    assert "listed twice" in text and "not a third-tier cell" in text
    assert "is on" in text and f"{worker.id!r} is not a party member" in text
