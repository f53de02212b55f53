"""Gas-safety campaign end to end: checks → a hazard → rectification → revisits → closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from govflow import Engine, SimClock
from govflow.errors import GridError, PermissionDenied
from govflow.grid import Grid, generate_district
from govflow.grid.gas import gas_progress, record_check, sample_premises, start_gas_campaign
from govflow.grid.routing import grid_actions
from govflow.records import Actor
from govflow.store.base import Store

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows.yaml"
CADRE = Actor.of("street-cadre", "cadre", "commander")
INSPECTOR = Actor.of("insp", "inspector", "grid_worker")


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def test_campaign_to_rectification_to_revisit(grid: Grid, store: Store) -> None:
    """A community's courtyards and shops get a check each (5-workday deadline); a hazard
    opens a rectification linked to its check; the notice runs out, the re-inspection passes,
    three clean revisits release it; progress rolls up cell → community → street."""
    clock = SimClock(datetime(2026, 11, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    engine = Engine(WORKFLOWS, store=store, clock=clock, grid=grid, actions=grid_actions(grid))
    community = grid.children(grid.children(grid.root)[0])[0]
    premises = sample_premises(grid, community, per_cell=2)
    campaign = start_gas_campaign(engine, grid, community, premises, name="燃气排查",
                                  actor=CADRE)
    cells = sorted(premises)
    assert campaign.checks == 2 * len(cells)
    checks = sorted((c for c in engine.store.iter_cases() if c.workflow == "gas_safety_check"),
                    key=lambda c: (c.cell, c.data["premises"]))
    assert all(c.due_at == datetime(2026, 11, 13, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
               for c in checks)  # 5 work days from Monday 09:00: Friday at the close
    ok, _ = record_check(engine, checks[0].id, actor=INSPECTOR)
    assert ok.state == "safe"
    done, fix = record_check(engine, checks[1].id, actor=INSPECTOR,
                             hazards=["未加装安全阀", "软管老化"], rectify_within="3 days")
    assert done.state == "hazard" and fix is not None
    assert fix.data["check"] == done.id and fix.category == "gas_safety"
    assert [e.trigger for e in engine.history(done.id)][-1] == "rectification_opened"
    engine.fire(fix.id, "serve_notice", actor=INSPECTOR)
    engine.run_until(clock.now() + timedelta(days=3, hours=1))     # the notice runs out
    assert engine.case(fix.id).state == "reinspecting"
    engine.fire(fix.id, "pass_inspection", actor=INSPECTOR)
    engine.fire(fix.id, "watch", actor=INSPECTOR)
    for _ in range(3):                                             # 回头看, 14 days apart
        engine.run_until(clock.now() + timedelta(days=14, hours=1))
        assert engine.case(fix.id).revisit_pending
        engine.record_revisit(fix.id, rebound=False, actor=INSPECTOR)
    closed = engine.case(fix.id)
    assert closed.state == "closed" and closed.revisits == 3
    progress = gas_progress(engine, grid, campaign.id)
    row = progress[community]
    assert (row.premises, row.checked, row.hazards, row.rectified) == (
        2 * len(cells), 2, 1, 1)
    assert progress[cells[0]].hazards == 1 and progress[cells[0]].rectified == 1
    assert sum(progress[c].premises for c in cells) == row.premises


def test_campaign_refuses_cells_outside_and_actors_without_the_role(grid: Grid,
                                                                    store: Store) -> None:
    """Premises of a cell outside the node, and an actor who may not open checks."""
    clock = SimClock(datetime(2026, 11, 9, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    engine = Engine(WORKFLOWS, store=store, clock=clock, grid=grid)
    streets = grid.children(grid.root)
    inside = grid.cells_under(streets[0])[0]
    outside = grid.cells_under(streets[1])[0]
    with pytest.raises(GridError, match="not under"):
        start_gas_campaign(engine, grid, streets[0], {inside: ["1号院"], outside: ["2号院"]},
                           name="x", actor=CADRE)
    with pytest.raises(PermissionDenied, match="may not open"):
        start_gas_campaign(engine, grid, streets[0], {inside: ["1号院"]}, name="x",
                           actor=INSPECTOR)
