"""Scenarios for the district's other workflows on the simulated clock, over every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govflow import Actor, Engine, SimClock
from govflow.store.base import Store
from tests.conftest import SHANGHAI
from tests.helpers import (
    CELL,
    COMMANDER,
    COMMUNITY,
    DISTRICT,
    HANDLER,
    INSPECTOR,
    OPERATOR,
    STREET,
    WORKER,
    CodeGrid,
    advance,
    triggers,
)


def test_rectification_deadline_of_three_workdays_over_national_day(engine: Engine) -> None:
    """A notice served Wed 2026-09-30 10:00 with 3 work days falls due on the make-up working
    Saturday 2026-10-10 at 10:00 (Oct 1–7 are holidays): 02:00 UTC exactly. At the deadline
    the engine fires the re-inspection itself."""
    engine.clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    case_id = engine.open_case("rectification", cell=CELL, category="oil_fume",
                               actor=INSPECTOR, data={"shop": "老王烩面"}).id
    case = engine.fire(case_id, "serve_notice", actor=INSPECTOR,
                       data={"rectify_within": "3 workdays"})
    assert case.due_at == datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
    advance(engine, days=10, hours=-0.01)
    assert engine.case(case_id).state == "notice_served"
    advance(engine, hours=0.02)
    case = engine.case(case_id)
    assert case.state == "reinspecting"
    reinspect = engine.history(case_id)[-1]
    assert (reinspect.trigger, reinspect.actor) == ("reinspect", "system")


def test_rectification_watch_list_until_three_clean_checks(engine: Engine) -> None:
    """Passed: on the watch list; revisits every 14 days; three clean ones release the case."""
    case_id = engine.open_case("rectification", cell=CELL, category="oil_fume",
                               actor=INSPECTOR).id
    for trigger in ("serve_notice", "reinspect", "pass_inspection", "watch"):
        engine.fire(case_id, trigger, actor=INSPECTOR)
    assert engine.case(case_id).data["watchlist"] is True
    for n in range(3):
        advance(engine, days=14)
        case = engine.case(case_id)
        assert case.revisit_pending, f"revisit {n + 1} should be due"
        engine.record_revisit(case_id, rebound=False, actor=INSPECTOR, note="clean")
    case = engine.case(case_id)
    assert (case.state, case.data["watchlist"], case.clean_revisits) == ("closed", False, 3)


def test_rectification_relapse_reopens_with_rework(engine: Engine) -> None:
    """A revisit that finds fumes again sends the shop back to a notice, counted as rework."""
    case_id = engine.open_case("rectification", cell=CELL, actor=INSPECTOR).id
    for trigger in ("serve_notice", "reinspect", "pass_inspection", "watch"):
        engine.fire(case_id, trigger, actor=INSPECTOR)
    advance(engine, days=14)
    case = engine.record_revisit(case_id, rebound=True, actor=INSPECTOR, note="fumes again")
    assert (case.state, case.rework) == ("notice_served", 1)
    assert triggers(engine, case_id)[-3:] == ["revisit_due", "revisit", "relapse"]


def test_street_vending_revisit_reopens_then_closes(engine: Engine) -> None:
    """回头看: the day-1 revisit finds the stall back (rebound → persuading, rework); after
    clearing again, two clean revisits in a row close the case."""
    case_id = engine.open_case("street_vending", cell=CELL, category="street_vending",
                               actor=WORKER, data={"location": "建设路夜市"}).id
    engine.fire(case_id, "persuade", actor=WORKER)
    engine.fire(case_id, "clear", actor=WORKER)
    advance(engine, days=1)
    engine.record_revisit(case_id, rebound=True, actor=WORKER)
    case = engine.case(case_id)
    assert (case.state, case.rework) == ("persuading", 1)
    engine.fire(case_id, "penalise", actor=INSPECTOR)  # guard: a repeat offence
    engine.fire(case_id, "clear", actor=INSPECTOR)
    advance(engine, days=1)
    engine.record_revisit(case_id, rebound=False, actor=WORKER)
    assert engine.case(case_id).state == "cleared"
    advance(engine, days=2)
    engine.record_revisit(case_id, rebound=False, actor=WORKER)
    case = engine.case(case_id)
    assert case.state == "closed" and case.closed_at is not None
    assert (case.revisits, case.clean_revisits) == (2, 2)


def test_first_offence_cannot_be_penalised(engine: Engine) -> None:
    """Persuade first, penalise after: the guard refuses a penalty on a first offence."""
    from govflow import TransitionNotAllowed

    case_id = engine.open_case("street_vending", cell=CELL, actor=WORKER).id
    engine.fire(case_id, "persuade", actor=WORKER)
    with pytest.raises(TransitionNotAllowed, match="guard is false"):
        engine.fire(case_id, "penalise", actor=INSPECTOR)


def test_hotline_callback_redo_and_close(engine: Engine) -> None:
    """12345: sign, handle, reply, call back the next work day; an unsatisfied caller gets a
    redo (rework), a satisfied one closes the order."""
    case_id = engine.open_case("hotline", cell=CELL, category="noise", actor=OPERATOR,
                               data={"kind": "complaint"}).id
    for trigger in ("sign", "start", "reply"):
        engine.fire(case_id, trigger, actor=HANDLER)
    advance(engine, hours=6)  # 15:00
    case = engine.fire(case_id, "call_back", actor=OPERATOR)
    assert case.due_at == datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI)  # next work day
    engine.fire(case_id, "redo", actor=OPERATOR, reason="caller unsatisfied")
    assert engine.case(case_id).rework == 1
    engine.fire(case_id, "reply", actor=HANDLER)
    engine.fire(case_id, "call_back", actor=OPERATOR)
    assert engine.fire(case_id, "close", actor=OPERATOR).state == "closed"


def test_hotline_signed_but_not_started_starts_itself(engine: Engine) -> None:
    """A signed order left 2 work days is started by the engine (breach trigger, silent)."""
    case_id = engine.open_case("hotline", cell=CELL, actor=OPERATOR).id
    engine.fire(case_id, "sign", actor=HANDLER)
    advance(engine, days=2)
    assert engine.case(case_id).state == "handling"


def test_emergency_task_on_post_within_the_hour(engine: Engine) -> None:
    """应急: yellow at 30 min, red at 1 hour; checking in closes the task."""
    late = engine.open_case("emergency_task", cell=CELL, actor=COMMANDER).id
    ok = engine.open_case("emergency_task", cell=CELL, actor=COMMANDER).id
    advance(engine, minutes=30)
    assert engine.case(late).light == "yellow"
    engine.fire(ok, "check_in", actor=WORKER)
    advance(engine, minutes=30)
    assert engine.case(late).light == "red"
    assert engine.case(ok).state == "on_post" and engine.case(ok).light == "green"


def test_escalation_climbs_one_tier_per_breach(
    district_workflows: Path, store: Store, clock: SimClock
) -> None:
    """Each missed limit moves the owner one tier up and tells whoever is on duty there."""
    engine = Engine(district_workflows, store=store, clock=clock, grid=CodeGrid())
    case_id = engine.open_case("standard_case", cell=CELL, actor=WORKER).id
    advance(engine, minutes=30)
    case = engine.case(case_id)
    assert (case.owner, case.escalation) == (COMMUNITY, 1)
    escalate = engine.history(case_id)[-1]
    assert escalate.trigger == "escalate"
    assert escalate.data["to_owner"] == COMMUNITY
    assert escalate.data["on_duty"] == f"duty:{COMMUNITY}"
    messages = [m for m in store.pending_messages(100) if m.kind == "escalated"]
    assert [m.recipient for m in messages] == [f"duty:{COMMUNITY}"]
    engine.fire(case_id, "register", actor=Actor.of("r", "registrar"))
    advance(engine, minutes=30)
    assert engine.case(case_id).owner == STREET
    assert STREET[:6] == DISTRICT


def test_a_case_keeps_the_version_it_started_on(engine: Engine) -> None:
    """A new workflow version applies to new cases; running ones finish on theirs."""
    old = engine.open_case("emergency_task", cell=CELL, actor=COMMANDER).id
    text = (Path(__file__).resolve().parents[1] / "workflows.yaml").read_text(encoding="utf-8")
    text = text.replace("  emergency_task:\n    version: 1", "  emergency_task:\n    version: 2")
    assert "deadline: {limit: 1 hours," in text
    text = text.replace("deadline: {limit: 1 hours,", "deadline: {limit: 2 hours,")
    from govflow.workflows import load_workflows

    engine.add_workflows(load_workflows(text, filename="workflows-v2.yaml"))
    new = engine.open_case("emergency_task", cell=CELL, actor=COMMANDER)
    assert (engine.case(old).version, new.version) == (1, 2)
    assert new.due_at - new.opened_at == timedelta(hours=2)
    advance(engine, hours=1)
    assert engine.case(old).light == "red" and engine.case(new.id).light == "yellow"


def test_without_a_grid_escalation_follows_the_codes(engine: Engine) -> None:
    """No grid given: the tree is read off the 6+3+3+3 codes, messages go to the node."""
    case_id = engine.open_case("standard_case", cell=CELL, actor=WORKER).id
    advance(engine, minutes=30)
    case = engine.case(case_id)
    assert (case.owner, case.escalation) == (COMMUNITY, 1)
    assert engine.history(case_id)[-1].data["on_duty"] is None


def test_timer_events_name_their_timer(engine: Engine) -> None:
    """The log alone shows which durable timer caused a warning or a breach."""
    case_id = engine.open_case("emergency_task", cell=CELL, actor=COMMANDER).id
    timers = {t.kind: t.id for t in engine.store.pending_timers(case_id)}
    advance(engine, hours=1)
    by_trigger = {e.trigger: e.data.get("timer") for e in engine.history(case_id)}
    assert by_trigger["warn"] == timers["yellow"]
    assert by_trigger["breach"] == timers["red"]


def test_changed_content_under_the_same_version_is_refused(engine: Engine) -> None:
    """Reloading a version unchanged is fine; changing even a guard needs a new version."""
    from govflow import WorkflowError
    from govflow.workflows import load_workflows

    path = Path(__file__).resolve().parents[1] / "workflows.yaml"
    engine.add_workflows(load_workflows(path))
    text = path.read_text(encoding="utf-8")
    assert "data.returns >= 3" in text
    with pytest.raises(WorkflowError, match="new version number"):
        engine.add_workflows(load_workflows(text.replace("data.returns >= 3",
                                                         "data.returns >= 4")))
