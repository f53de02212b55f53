"""The grid inside the engine: routing, escalation up the duty chain, scoped permissions."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from govflow import Engine, SimClock
from govflow.errors import GridError, PermissionDenied
from govflow.grid import Grid, Identity, generate_district
from govflow.grid.duty import actor_for
from govflow.grid.routing import (
    FALLBACK,
    ResponsibilityMatrix,
    Rule,
    grid_actions,
    load_matrix,
)
from govflow.records import Actor
from govflow.store.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows.yaml"

#: a case whose deadline renews itself after each breach, so it climbs one tier per hour
LADDER = """\
roles: [grid_worker, cadre]
workflows:
  ladder:
    version: 1
    initial: waiting
    states:
      waiting:
        deadline: {limit: 1 hours, on_breach: {escalate: true, trigger: renew}}
      done: {final: true}
    transitions:
      - {trigger: renew, from: waiting, to: waiting, roles: [system]}
      - {trigger: finish, from: waiting, to: done, roles: [grid_worker, cadre]}
"""

MATRIX = {
    "max_returns": 3,
    "rules": [
        {"category": "street_vending", "owner": "street", "unit": "城管执法中队"},
        {"category": "gas_hazard", "identity": "PROPERTY_MANAGER", "unit": "物业"},
        {"category": "oil_fume", "area": "410102002", "owner": "community"},
        {"category": "oil_fume", "owner": "410102001"},
    ],
}
REGISTRAR = Actor.of("reg", "registrar")
DISPATCHER = Actor.of("disp", "dispatcher")
HANDLER = Actor.of("unit", "handler")


@pytest.fixture(scope="module")
def grid() -> Grid:
    return generate_district(seed=0)


def _engine(grid: Grid, clock: SimClock, workflows: Path = WORKFLOWS) -> Engine:
    matrix = load_matrix(MATRIX, grid)
    return Engine(workflows, store=MemoryStore(), clock=clock, grid=grid,
                  actions=grid_actions(grid, matrix))


def _registered(engine: Engine, grid: Grid, cell: str, category: str) -> str:
    worker = actor_for(grid, grid.people_under(cell, Identity.GRID_WORKER)[0])
    case = engine.open_case("standard_case", cell=cell, actor=worker, category=category)
    engine.fire(case.id, "register", actor=REGISTRAR)
    return case.id


def test_routing_picks_the_owner_from_the_matrix(grid: Grid, clock: SimClock) -> None:
    """Street vending → the street; oil fumes → the community in street 2, a fixed node
    elsewhere; gas → the nearest property manager; anything else → the street (属地兜底)."""
    engine = _engine(grid, clock)
    cell = "410102002003001"
    cases = {cat: _registered(engine, grid, cell, cat)
             for cat in ("street_vending", "oil_fume", "gas_hazard", "noise")}
    for case_id in cases.values():
        engine.fire(case_id, "dispatch", actor=DISPATCHER)
    vending = engine.case(cases["street_vending"])
    assert vending.owner == "410102002"
    assert vending.data["unit"] == "城管执法中队" and vending.data["route_reason"] == "rule"
    assert engine.case(cases["oil_fume"]).owner == "410102002003"
    gas = engine.case(cases["gas_hazard"])
    manager = grid.person(gas.data["assignee"])
    assert Identity.PROPERTY_MANAGER in manager.identities
    assert gas.owner == manager.home == "410102002003"
    noise = engine.case(cases["noise"])
    assert noise.owner == "410102002" and noise.data["route_reason"] == FALLBACK
    other = _registered(engine, grid, "410102005001001", "oil_fume")
    assert engine.fire(other, "dispatch", actor=DISPATCHER).owner == "410102001"
    recipients = {m.recipient for m in engine.store.pending_messages(100) if m.kind == "assigned"}
    assert manager.id in recipients


def test_returns_count_reroute_to_the_street_and_flag_arbitration(
    grid: Grid, clock: SimClock
) -> None:
    """A return keeps its reason code and count; the next dispatch avoids the unit that
    returned it; the third return flags arbitration and tells the street's person on duty."""
    engine = _engine(grid, clock)
    cell = "410102002003001"
    case_id = _registered(engine, grid, cell, "oil_fume")
    engine.fire(case_id, "dispatch", actor=DISPATCHER)
    engine.fire(case_id, "return", actor=HANDLER, data={"reason": "not_our_duty"})
    case = engine.case(case_id)
    assert case.data["returns"] == 1 and case.data["return_reason"] == "not_our_duty"
    assert engine.fire(case_id, "dispatch", actor=DISPATCHER).owner == "410102002"
    assert engine.case(case_id).data["route_reason"] == FALLBACK
    for reason in ("wrong_location", "duplicate"):
        engine.fire(case_id, "return", actor=HANDLER, data={"reason": reason})
        if reason != "duplicate":
            engine.fire(case_id, "dispatch", actor=DISPATCHER)
    case = engine.case(case_id)
    assert case.data["returns"] == 3 and case.data["arbitration"] is True
    assert engine.fire(case_id, "arbitrate", actor=DISPATCHER).state == "arbitration"
    street_duty = grid.on_duty("410102002")
    assert any(m.kind == "arbitration" and m.recipient == street_duty
               for m in engine.store.pending_messages(100))


def test_matrix_file_problems_are_listed(grid: Grid) -> None:
    """A matrix naming an unknown area, identity or owner is refused with every problem."""
    bad = {"rules": [{"category": "x", "area": "999"}, {"category": "y", "identity": "WIZARD"},
                     {"category": "z", "owner": "galaxy"}]}
    with pytest.raises(GridError) as info:
        load_matrix(bad, grid)
    text = str(info.value)
    assert "area '999'" in text and "WIZARD" in text and "galaxy" in text


def test_matrix_prefers_the_most_specific_area() -> None:
    """An exact category in a narrower area beats a wider one and beats '*'."""
    wide = Rule("x", "410102", "street")
    narrow = Rule("x", "410102001", "community")
    star = Rule("*", "410102001001", "cell")
    matrix = ResponsibilityMatrix((wide, narrow, star))
    assert matrix.rule_for("x", "410102001002001") is narrow
    assert matrix.rule_for("x", "410102002001001") is wide
    assert matrix.rule_for("x", "410102001001001") is star
    assert matrix.rule_for("y", "410102002001001") is None
    assert ResponsibilityMatrix((Rule("*", "410102", "street"), Rule("x", "410102", "cell"))
                                ).rule_for("x", "410102001001001") == Rule("x", "410102", "cell")


def test_escalation_climbs_every_tier_and_notifies_the_chain(
    grid: Grid, clock: SimClock, tmp_path: Path
) -> None:
    """Unanswered, a case climbs cell → community → street → district, one tier per breach,
    and each step's message goes to the person the duty chain names for the new owner."""
    path = tmp_path / "ladder.yaml"
    path.write_text(LADDER, encoding="utf-8")
    engine = _engine(grid, clock, path)
    cell = "410102007002003"
    case = engine.open_case("ladder", cell=cell, actor=engine.system_actor("sys"))
    engine.run_until(clock.now() + timedelta(hours=4, minutes=30))
    steps = [e.data for e in engine.history(case.id) if e.trigger == "escalate"]
    ladder = grid.ancestors(cell)
    assert [(s["from_owner"], s["to_owner"]) for s in steps] == list(pairwise(ladder))
    assert [s["on_duty"] for s in steps] == [grid.on_duty(n) for n in ladder[1:]]
    told = [m.recipient for m in engine.store.pending_messages(100) if m.kind == "escalated"]
    assert told == [grid.on_duty(n) for n in ladder[1:]]
    assert engine.case(case.id).owner == grid.root


def test_unacknowledged_emergency_task_escalates_to_the_community(
    grid: Grid, clock: SimClock
) -> None:
    """An emergency task not checked in within its hour goes to the community's cadre."""
    engine = _engine(grid, clock)
    cell = "410102001001001"
    case = engine.open_case("emergency_task", cell=cell, actor=Actor.of("c", "commander"))
    engine.run_until(clock.now() + timedelta(hours=1, minutes=1))
    after = engine.case(case.id)
    assert after.owner == "410102001001" and after.escalation == 1
    assert any(m.kind == "escalated" and m.recipient == grid.on_duty("410102001001")
               for m in engine.store.pending_messages(100))


def test_grid_worker_cannot_act_on_another_cells_case(grid: Grid, clock: SimClock) -> None:
    """The engine refuses a grid worker acting outside their own cell (PermissionDenied)."""
    engine = _engine(grid, clock)
    here, there = "410102001001001", "410102001001002"
    case = engine.open_case("emergency_task", cell=there, actor=Actor.of("c", "commander"))
    stranger = actor_for(grid, grid.people_under(here, Identity.GRID_WORKER)[0])
    with pytest.raises(PermissionDenied):
        engine.fire(case.id, "check_in", actor=stranger)
    assert engine.case(case.id).state == "assigned"
    local = actor_for(grid, grid.people_under(there, Identity.GRID_WORKER)[0])
    assert engine.fire(case.id, "check_in", actor=local).state == "on_post"


def test_street_cadre_acts_across_their_street_only(grid: Grid, clock: SimClock) -> None:
    """A cadre answering for a community of street 1 may act there, not in street 2."""
    engine = _engine(grid, clock)
    cadre = actor_for(grid, grid.on_duty("410102001002") or "")
    inside = engine.open_case("emergency_task", cell="410102001002001",
                              actor=Actor.of("c", "commander"))
    outside = engine.open_case("emergency_task", cell="410102002001001",
                               actor=Actor.of("c", "commander"))
    assert engine.fire(inside.id, "check_in", actor=cadre).state == "on_post"
    with pytest.raises(PermissionDenied):
        engine.fire(outside.id, "check_in", actor=cadre)
