"""politics_law: incidents drive safety cases that escalate; patrols drive patrol cases."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest

from govflow.plugins.loading import import_plugin
from govflow.plugins.samples import district
from govflow.plugins.testing import PluginHarness
from govflow.records import Actor

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pl() -> ModuleType:
    return import_plugin("politics_law", ROOT / "plugins")


def test_serious_incidents_open_safety_cases_and_repeat_calls_merge(pl: ModuleType) -> None:
    """Severity ≥ 2 → safety_incident; minor → standard_case; a second caller merges."""
    harness = PluginHarness(pl.PoliticsLaw(sample_size=300), workflows=ROOT / "workflows.yaml",
                            grid=district(0))
    report = harness.run("police_incidents")
    assert report.opened + report.merged == 300 and report.dead == 0 and report.merged > 0
    for case in harness.cases():
        serious = case.data.get("severity", 1) >= 2
        assert case.workflow == ("safety_incident" if serious else "standard_case")
        assert case.category.startswith("public_security:")


def test_an_unanswered_incident_escalates_and_the_plugin_observes_it(pl: ModuleType) -> None:
    """30 minutes without dispatch: owner moves up to the community; the plugin records it."""
    plugin = pl.PoliticsLaw()
    grid = district(0)
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=grid)
    cell = grid.cells()[3]
    harness.feed("police_incidents", [{
        "id": "jq1", "cell": cell, "kind": "fight", "severity": 3,
        "reported_at": harness.clock.now().isoformat(), "summary": "酒后打架"}])
    harness.clock.advance(timedelta(minutes=31))
    harness.engine.tick()
    case = harness.cases()[0]
    assert case.escalation == 1 and case.owner == grid.parent_of(cell)
    assert plugin.escalations == [(case.id, cell, grid.parent_of(cell))]


def test_dispatch_runs_the_plugins_notify_police_action(pl: ModuleType) -> None:
    """Entering dispatched queues a police_dispatch message to the officer on duty."""
    grid = district(0)
    harness = PluginHarness(pl.PoliticsLaw(), workflows=ROOT / "workflows.yaml", grid=grid)
    cell = grid.cells()[4]
    harness.feed("police_incidents", [{
        "id": "jq2", "cell": cell, "kind": "theft", "severity": 2,
        "reported_at": harness.clock.now().isoformat()}])
    case = harness.cases()[0]
    harness.engine.fire(case.id, "dispatch", actor=Actor.of("p1", "police"))
    pending = harness.engine.store.pending_messages(10)
    assert [m.kind for m in pending] == ["police_dispatch"]
    assert pending[0].recipient == (grid.on_duty(cell) or cell)


def test_patrol_steps_drive_patrol_cases_to_their_end(pl: ModuleType) -> None:
    """scheduled → inspected → concluded: ok closes, issues hand off."""
    harness = PluginHarness(pl.PoliticsLaw(sample_size=90), workflows=ROOT / "workflows.yaml",
                            grid=district(0))
    report = harness.run("police_patrols")
    assert (report.opened, report.triggered, report.dead) == (30, 60, 0)
    states = Counter((c.state, bool(c.data["issues"])) for c in harness.cases())
    assert set(states) <= {("closed", False), ("handed_off", True)}


def test_a_handed_off_patrol_opens_a_rectification_linked_to_it(pl: ModuleType) -> None:
    """Every patrol that found issues becomes a rectification case carrying its id."""
    plugin = pl.PoliticsLaw(sample_size=90)
    harness = PluginHarness(plugin, workflows=ROOT / "workflows.yaml", grid=district(0))
    harness.run("police_patrols")
    handed = {c.id for c in harness.cases() if c.state == "handed_off"}
    assert handed and {h["patrol_case"] for h in plugin.handoffs} == handed
    report = harness.run("patrol_handoffs")
    assert report.opened == len(handed) and report.dead == 0
    fixes = [c for c in harness.cases() if c.workflow == "rectification"]
    assert {c.data["patrol"] for c in fixes} == handed
    assert all(c.state == "found" and c.category == "patrol_finding" for c in fixes)
    assert harness.run("patrol_handoffs").opened == 0   # taken in once
