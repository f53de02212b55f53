"""The generated Zhongyuan grid: shape, people, duty chain, arrays, locate."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from shapely import wkt

from govflow.grid import Grid, Identity, generate_district
from govflow.grid.duty import actor_for, chain, households_of
from govflow.grid.model import tier_of_code


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def test_counts_match_the_district(grid: Grid) -> None:
    """14 streets, 157 communities, 934 cells under one district."""
    counts = grid.counts()
    assert (counts["district"], counts["street"], counts["community"], counts["cell"]) == (
        1, 14, 157, 934)
    assert grid.root == "410102"
    assert grid.node("410102").name == "中原区"
    assert grid.node("410102001").name == "林山寨街道"


def test_same_seed_same_grid_other_seed_differs() -> None:
    """Generation is deterministic by seed."""
    a, b, c = generate_district(seed=7, people="none"), generate_district(seed=7, people="none"), \
        generate_district(seed=8, people="none")
    assert a.nodes() == b.nodes()
    assert a.nodes() != c.nodes()


def test_codes_nest_and_households_in_range(grid: Grid) -> None:
    """Each code is its parent's plus three digits; cells hold 300–500 households."""
    for node in grid.nodes():
        assert tier_of_code(node.code) == node.tier
        if node.parent is not None:
            assert node.code[:-3] == node.parent
    cells = [grid.node(c) for c in grid.cells()]
    assert all(300 <= n.households <= 500 for n in cells)


def test_generated_grid_passes_validation(grid: Grid) -> None:
    """The generator's output is a valid grid: polygons nest, cells do not overlap."""
    rebuilt = Grid.build(grid.nodes(), grid.people(), list(grid.duties))
    assert len(rebuilt) == len(grid)


def test_cells_tile_the_district_box(grid: Grid) -> None:
    """The cells' areas add up to the district's (seamless coverage)."""
    district = wkt.loads(grid.node(grid.root).polygon or "")
    total = sum(wkt.loads(grid.node(c).polygon or "").area for c in grid.cells())
    assert total == pytest.approx(district.area, rel=1e-9)


def test_tree_navigation(grid: Grid) -> None:
    """parent_of, children, is_within, cells_under and ancestors agree."""
    cell = "410102003002001"
    assert grid.parent_of(cell) == "410102003002"
    assert grid.parent_of(grid.root) is None
    assert cell in grid.children("410102003002")
    assert grid.is_within(cell, "410102003")
    assert not grid.is_within(cell, "410102004")
    assert grid.ancestors(cell) == [cell, "410102003002", "410102003", "410102"]
    under = grid.cells_under("410102003")
    assert under == sorted(c for c in grid.cells() if c.startswith("410102003"))
    assert sum(len(grid.cells_under(s)) for s in grid.children(grid.root)) == 934
    assert grid.street_of(cell) == "410102003"


def test_people_in_realistic_numbers(grid: Grid) -> None:
    """A grid worker per cell, ~20k volunteers, a doctor and police officer per community."""
    tally: Counter[Identity] = Counter()
    for person in grid.people():
        for flag in Identity:
            if flag and flag in person.identities:
                tally[flag] += 1
    assert tally[Identity.GRID_WORKER] == 934
    assert tally[Identity.COMMUNITY_DOCTOR] == 157
    assert tally[Identity.COMMUNITY_POLICE] == 157
    assert 19_000 <= tally[Identity.VOLUNTEER] <= 23_000
    households = grid.counts()["households"]
    assert abs(tally[Identity.BUILDING_HEAD] - households / 60) < 0.05 * households / 60
    for cell in grid.cells()[:50]:
        workers = grid.people_under(cell, Identity.GRID_WORKER)
        assert len(workers) == 1


def test_people_under_matches_any_identity(grid: Grid) -> None:
    """people_under with two identities returns holders of either, all under the node."""
    street = "410102005"
    found = grid.people_under(street, Identity.BUILDING_HEAD | Identity.COMMUNITY_DOCTOR)
    assert found
    assert all(p.home.startswith(street) for p in found)
    assert all(p.identities & (Identity.BUILDING_HEAD | Identity.COMMUNITY_DOCTOR)
               for p in found)
    doctors = grid.people_under(street, Identity.COMMUNITY_DOCTOR)
    assert len(doctors) == len(grid.children(street))


def test_duty_chain_names_a_person_per_tier(grid: Grid) -> None:
    """四级包联: the district, every street, community and cell has someone on duty."""
    cell = "410102002001003"
    ladder = chain(grid, cell)
    assert [node for node, _ in ladder] == grid.ancestors(cell)
    assert all(person is not None for _, person in ladder)
    levels = {d.level for d in grid.duties}
    assert levels == {"district", "county", "street", "community", "households"}
    member = grid.person(grid.on_duty(cell) or "")
    assert Identity.COMMITTEE_MEMBER in member.identities
    assert member.home == grid.parent_of(cell)
    assert len(households_of(grid, cell)) == 3
    county = grid.person(grid.on_duty("410102002") or "")
    assert Identity.COUNTY_CADRE in county.identities


def test_actor_for_maps_identities_to_roles_and_scope(grid: Grid) -> None:
    """A grid worker acts in their cell; a street cadre in their street."""
    cell = "410102001001001"
    worker = grid.people_under(cell, Identity.GRID_WORKER)[0]
    actor = actor_for(grid, worker)
    assert actor.roles == frozenset({"grid_worker"})
    assert actor.scope == (cell,)
    cadre = grid.person(grid.on_duty("410102001001") or "")
    cadre_actor = actor_for(grid, cadre.id)
    assert "cadre" in cadre_actor.roles
    assert cadre_actor.scope == ("410102001",)


def test_identity_flags_parse_and_name() -> None:
    """Identity names parse from lists or |-joined text; the bit values are stable."""
    flag = Identity.parse("grid_worker|PARTY_MEMBER")
    assert flag == Identity.GRID_WORKER | Identity.PARTY_MEMBER
    assert flag.names() == ["GRID_WORKER", "PARTY_MEMBER"]
    assert int(Identity.BUILDING_HEAD) == 1 and int(Identity.VOLUNTEER) == 256
    with pytest.raises(KeyError):
        Identity.parse(["NOT_A_ROLE"])


def test_arrays_layout(grid: Grid) -> None:
    """Parents before children, -1 root, tiers 0..3, cells and their index both ways."""
    arrays = grid.to_arrays()
    assert arrays.parent.dtype == np.int32 and arrays.tier.dtype == np.int8
    assert arrays.parent[0] == -1 and arrays.codes[0] == grid.root
    assert all(arrays.parent[i] < i for i in range(1, len(arrays.codes)))
    assert np.bincount(arrays.tier).tolist() == [1, 14, 157, 934]
    assert len(arrays.cells) == 934
    assert all(arrays.cell_of_index[c] == k for k, c in enumerate(arrays.cells.tolist()))
    assert arrays.households[0] == grid.counts()["households"]
    code = "410102003002"
    assert arrays.codes[arrays.index[code]] == code
    people = grid.people_arrays()
    assert len(people.ids) == len(grid.people())
    assert people.identities.dtype == np.int64


def test_locate_finds_the_cell_of_a_point(grid: Grid) -> None:
    """The centre of each cell's polygon locates to that cell; outside the box → None."""
    for code in grid.cells()[::37]:
        centre = wkt.loads(grid.node(code).polygon or "").centroid
        assert grid.locate(centre.x, centre.y) == code
    assert grid.locate(113.0, 34.0) is None


def test_scaled_grid_has_100x_cells() -> None:
    """scale=100 gives 93,400 cells under the same 14 streets and 157 communities."""
    big = generate_district(scale=100, people="none")
    counts = big.counts()
    assert (counts["street"], counts["community"], counts["cell"]) == (14, 157, 93_400)


def test_locate_many_matches_locate(grid: Grid) -> None:
    """The vectorised locate gives what locate gives, point by point."""
    from govflow.grid.locate import Locator

    locator = Locator(grid.nodes())
    lon = np.linspace(113.54, 113.69, 40)
    lat = np.linspace(34.70, 34.81, 40)
    assert locator.locate_many(lon, lat) == [grid.locate(x, y) for x, y in
                                             zip(lon.tolist(), lat.tolist(), strict=True)]


def test_public_names_are_exported() -> None:
    """Every name in govflow.grid.__all__ resolves (lazy ones included), sorted."""
    import govflow.grid as package

    assert package.__all__ == sorted(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None
