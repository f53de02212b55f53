"""The escalation ladder: a breached case climbs from its cell to the district over days."""

from __future__ import annotations

from datetime import datetime, timedelta

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
