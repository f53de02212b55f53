"""The escalation ladder: a breached case climbs from its cell to the district over days."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from govflow import Actor, Engine, SimClock, WorkflowLoadError
from govflow.store.base import Store
from govflow.workflows import load_workflows
from tests.conftest import SHANGHAI
from tests.helpers import CELL, COMMUNITY, DISTRICT, STREET, CodeGrid

LADDER = """
roles: [handler]
workflows:
  complaint:
    version: 1
    initial: handling
    states:
      handling:
        deadline:
          limit: 1 workday
          on_breach:
            ladder:
              - {to: community, level: yellow}
              - {after: 1 workday, to: street, level: red}
              - {after: 2 workdays, to: district}
      done: {final: true}
    transitions:
      - {trigger: finish, from: handling, to: done, roles: [handler]}
"""
HANDLER = Actor.of("h", "handler")
#: Monday 2026-11-30 10:00 in Shanghai
START = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


def test_ladder_climbs_cell_community_street_district(store: Store) -> None:
    """Due Tue 10:00: community (yellow 督办) at the breach, street (red) a work day later,
    district two work days later; each step is an escalate event naming who is on duty."""
    clock = SimClock(START)
    engine = Engine(load_workflows(LADDER), store=store, clock=clock, grid=CodeGrid())
    case_id = engine.open_case("complaint", cell=CELL, actor=HANDLER).id
    seen = []
    for day in range(1, 5):
        engine.run_until(START + timedelta(days=day, minutes=1))
        case = engine.case(case_id)
        seen.append((case.owner, case.supervision, case.escalation))
    assert seen == [(COMMUNITY, "yellow", 1), (STREET, "red", 2), (DISTRICT, "red", 3),
                    (DISTRICT, "red", 3)]
    steps = [e for e in engine.history(case_id) if e.trigger == "escalate"]
    assert [(e.data["step"], e.data["to_owner"], e.data["on_duty"]) for e in steps] == [
        (1, COMMUNITY, f"duty:{COMMUNITY}"), (2, STREET, f"duty:{STREET}"),
        (3, DISTRICT, f"duty:{DISTRICT}")]
    assert [e.at - START for e in steps] == [timedelta(days=1), timedelta(days=2),
                                            timedelta(days=3)]
    assert engine.case(case_id).light == "red"


def test_ladder_never_moves_the_owner_down(store: Store) -> None:
    """A case opened owned by its street only gets the 督办 level from the community step."""
    engine = Engine(load_workflows(LADDER), store=store, clock=SimClock(START), grid=CodeGrid())
    case_id = engine.open_case("complaint", cell=CELL, actor=HANDLER, owner=STREET).id
    engine.run_until(START + timedelta(days=1, minutes=1))
    case = engine.case(case_id)
    assert (case.owner, case.supervision) == (STREET, "yellow")
    engine.run_until(START + timedelta(days=3, minutes=1))
    assert engine.case(case_id).owner == DISTRICT


def test_escalate_and_ladder_together_are_refused() -> None:
    """``escalate: true`` with a ladder is a load error."""
    head = "          on_breach:\n"
    bad = LADDER.replace(head, head + "            escalate: true\n")
    with pytest.raises(WorkflowLoadError, match="either escalate"):
        load_workflows(bad)


def test_the_cockpit_timeline_shows_the_ladder_step_by_step(tmp_path: Path) -> None:
    """The case page's ladder: each step's target and 督办 level, taken steps with when and
    to whom, the next ones with when they are due; read from a real SQLite store."""
    from govflow.cockpit.cases import timeline
    from govflow.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{tmp_path / 'govflow.db'}", create=True)
    clock = SimClock(START)
    engine = Engine(load_workflows(LADDER), store=store, clock=clock, grid=CodeGrid())
    case_id = engine.open_case("complaint", cell=CELL, actor=HANDLER).id

    def steps() -> list[tuple[int, str, str | None, str, str | None, str | None]]:
        found = timeline(store, case_id, SHANGHAI, engine=engine)["ladder"]
        return [(s["step"], s["to"], s["level"], s["status"], s["at"], s.get("owner"))
                for s in found]

    assert steps() == [(1, "community", "yellow", "pending", "2026-12-01T10:00+08:00", None),
                       (2, "street", "red", "pending", "2026-12-02T10:00+08:00", None),
                       (3, "district", None, "pending", "2026-12-03T10:00+08:00", None)]
    engine.run_until(START + timedelta(days=2, minutes=1))
    assert steps() == [(1, "community", "yellow", "taken", "2026-12-01T10:00+08:00", COMMUNITY),
                       (2, "street", "red", "taken", "2026-12-02T10:00+08:00", STREET),
                       (3, "district", None, "pending", "2026-12-03T10:00+08:00", None)]
    page = timeline(store, case_id, SHANGHAI, engine=engine)
    assert page["ladder"][0]["on_duty"] == f"duty:{COMMUNITY}"
    assert [p["label"] for p in page["pending"]].count("逐级升级 ladder step at") == 1
    engine.fire(case_id, "finish", actor=HANDLER)
    assert steps() == []  # a closed case has no ladder left to climb
    store.close()


def test_a_step_with_nothing_to_change_is_shown_as_passed(store: Store) -> None:
    """A case owned by the district and already under red 督办: no step can move it up or
    raise its level, so each passes without an event and is shown as passed."""
    from govflow.cockpit.cases import timeline

    engine = Engine(load_workflows(LADDER), store=store, clock=SimClock(START), grid=CodeGrid())
    case_id = engine.open_case("complaint", cell=CELL, actor=HANDLER, owner=DISTRICT).id
    engine.supervise(case_id, "red", actor=Actor.of("chief", "cadre"))
    engine.run_until(START + timedelta(days=4))
    statuses = [s["status"] for s in timeline(store, case_id, SHANGHAI, engine=engine)["ladder"]]
    assert statuses == ["passed", "passed", "passed"]
