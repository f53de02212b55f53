"""party_building: visits drive help and problem cases; members are mobilised and reached."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from govflow.plugins.loading import import_plugin
from govflow.plugins.samples import district, district_cells
from govflow.plugins.testing import PluginHarness

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pb() -> ModuleType:
    return import_plugin("party_building", ROOT / "plugins")


def test_visits_open_help_or_problem_cases_and_quiet_visits_are_counted(
        pb: ModuleType) -> None:
    """Help needed → household_help; public problem → standard_case; nothing → a skip."""
    harness = PluginHarness(pb.PartyBuilding(sample_size=400), workflows=ROOT / "workflows.yaml",
                            grid=district(0))
    report = harness.run("party_visits")
    assert report.opened + report.skipped == 400 and report.dead == 0 and report.skipped > 0
    for case in harness.cases():
        helping = case.category in ("party:elderly_alone", "party:hardship")
        assert case.workflow == ("household_help" if helping else "standard_case")


def test_a_help_case_mobilises_the_cells_members_through_the_plugins_inbox(
        pb: ModuleType) -> None:
    """mobilise_members notifies each member of the cell; govflow_deliver puts it in the app."""
    plugin = pb.PartyBuilding()
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=district(0))
    member = plugin.roster[0]
    harness.feed("party_visits", [{
        "id": "v1", "member_id": member["id"], "cell": member["cell"],
        "household": member["households"][0], "visited_at": harness.clock.now().isoformat(),
        "issue": "elderly_alone"}])
    delivered = harness.engine.deliver_outbox()
    on_cell = [m["id"] for m in plugin.roster if m["cell"] == member["cell"]]
    assert delivered == len(on_cell) == 3
    assert sorted(plugin.inbox) == sorted(on_cell)
    assert harness.host.functions["party_members_on"](member["cell"]) == 3


def test_the_roster_is_taken_in_and_coverage_is_measured(pb: ModuleType) -> None:
    """Every member record is a counted skip; visit coverage is a share of households."""
    plugin = pb.PartyBuilding(sample_size=3000)
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml")
    report = harness.run("party_members")
    assert report.skipped == report.read == 3 * len(district_cells(0))
    visits = pb.sample.visits(plugin.roster, 3000, seed=0, start=plugin.start)
    share = plugin.household_coverage(visits)
    assert 0 < share < 1
    assert plugin.household_coverage([]) == 0.0
