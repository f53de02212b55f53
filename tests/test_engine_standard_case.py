"""The standard case loop (GB/T 30428) on the district's workflows, over every store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from govflow import Engine, PermissionDenied, TransitionNotAllowed
from govflow.engine.reducer import rebuild
from tests.conftest import SHANGHAI
from tests.helpers import (
    CADRE,
    CELL,
    CHECKER,
    DISPATCHER,
    HANDLER,
    OTHER_WORKER,
    REGISTRAR,
    WORKER,
    advance,
    triggers,
)


def _open(engine: Engine, **data: object) -> str:
    return engine.open_case("standard_case", cell=CELL, category="garbage", actor=WORKER,
                            data=dict(data)).id


def _to(engine: Engine, case_id: str, *steps: tuple[str, object]) -> None:
    for trigger, actor in steps:
        engine.fire(case_id, trigger, actor=actor)  # type: ignore[arg-type]


HAPPY = (("register", REGISTRAR), ("dispatch", DISPATCHER), ("sign", HANDLER),
         ("start", HANDLER), ("finish", HANDLER), ("check", CHECKER), ("approve", CHECKER),
         ("evaluate", CHECKER))


def test_happy_path_closes_and_logs_every_step(engine: Engine) -> None:
    """A case walks the whole loop; every change is one event naming who, role and states."""
    case_id = _open(engine, severity=2)
    _to(engine, case_id, *HAPPY)
    case = engine.case(case_id)
    assert case.state == "evaluated"
    assert case.closed_at == engine.clock.now()
    history = engine.history(case_id)
    assert [e.trigger for e in history] == ["open"] + [t for t, _ in HAPPY]
    assert [e.seq for e in history] == list(range(1, len(HAPPY) + 2))
    assert history[2].actor == "d1" and history[2].role == "dispatcher"
    assert (history[2].source, history[2].dest) == ("registered", "dispatched")
    assert rebuild(history, engine.workflow) == _without_rev(case)


def _without_rev(case: object) -> object:
    case.rev = 0  # type: ignore[attr-defined]
    return case


def test_warning_at_configured_fraction_then_red(engine: Engine) -> None:
    """reported: 30 min limit, yellow at 70 % (21 min), red and breach at 30 min."""
    start = engine.clock.now()
    case_id = _open(engine)
    advance(engine, minutes=20, seconds=59)
    assert engine.case(case_id).light == "green"
    advance(engine, seconds=1)
    assert engine.case(case_id).light == "yellow"
    warn = [e for e in engine.history(case_id) if e.trigger == "warn"]
    assert [e.at for e in warn] == [start + timedelta(minutes=21)]
    advance(engine, minutes=9)
    case = engine.case(case_id)
    assert case.light == "red"
    assert triggers(engine, case_id)[-2:] == ["breach", "escalate"]  # on_breach: escalate
    assert case.due_at == start + timedelta(minutes=30)
    assert case.breached_at == start + timedelta(minutes=30)
    engine.fire(case_id, "register", actor=REGISTRAR)
    case = engine.case(case_id)
    assert (case.light, case.breached_at) == ("green", start + timedelta(minutes=30))


def test_leaving_a_state_cancels_its_warnings(engine: Engine) -> None:
    """Registered in time: the reported state's yellow (+21 min) and red (+30) never fire;
    the registered state's own yellow (+5 + 21 = +26 min) has not come yet at +25."""
    case_id = _open(engine)
    advance(engine, minutes=5)
    engine.fire(case_id, "register", actor=REGISTRAR)
    advance(engine, minutes=20)
    assert "warn" not in triggers(engine, case_id)
    assert engine.case(case_id).light == "green"


def test_trigger_not_allowed_names_case_state_and_allowed(engine: Engine) -> None:
    """A wrong trigger says which case, its state, and which triggers it allows."""
    case_id = _open(engine)
    with pytest.raises(TransitionNotAllowed) as info:
        engine.fire(case_id, "approve", actor=CHECKER)
    err = info.value
    assert (err.case_id, err.state, err.trigger) == (case_id, "reported", "approve")
    assert set(err.allowed) == {"register", "invalidate"}
    assert "register" in str(err) and case_id in str(err)


def test_actor_without_role_is_refused(engine: Engine) -> None:
    """A handler may not register; the error names actor, trigger and allowed roles."""
    case_id = _open(engine)
    with pytest.raises(PermissionDenied, match="registrar") as info:
        engine.fire(case_id, "register", actor=HANDLER)
    assert info.value.actor == "h1" and info.value.trigger == "register"
    assert engine.case(case_id).state == "reported"


def test_grid_worker_cannot_act_outside_their_cell(engine: Engine) -> None:
    """Scope: the worker of another cell cannot open a case in this one."""
    with pytest.raises(PermissionDenied, match="may not open"):
        engine.open_case("standard_case", cell=CELL, actor=OTHER_WORKER)


def test_allowed_triggers_follow_role_and_guard(engine: Engine) -> None:
    """allowed_triggers lists what this actor may fire now, guards included."""
    case_id = _open(engine)
    assert engine.allowed_triggers(case_id, REGISTRAR) == ["register", "invalidate"]
    assert engine.allowed_triggers(case_id, HANDLER) == []
    engine.fire(case_id, "register", actor=REGISTRAR)
    assert engine.allowed_triggers(case_id, DISPATCHER) == ["dispatch"]  # arbitrate: guard


def test_returns_are_counted_and_arbitration_needs_three(engine: Engine) -> None:
    """回退: each return is counted with its reason; arbitration opens at three returns."""
    case_id = _open(engine)
    _to(engine, case_id, ("register", REGISTRAR))
    for n in range(3):
        with pytest.raises(TransitionNotAllowed, match="guard is false"):
            engine.fire(case_id, "arbitrate", actor=DISPATCHER)
        _to(engine, case_id, ("dispatch", DISPATCHER))
        engine.fire(case_id, "return", actor=HANDLER, data={"reason": f"R{n}"})
    case = engine.case(case_id)
    assert case.data["returns"] == 3 and case.data["return_reason"] == "R2"
    engine.fire(case_id, "arbitrate", actor=DISPATCHER)
    assert engine.case(case_id).state == "arbitration"


def test_failed_check_sends_back_to_handling_as_rework(engine: Engine) -> None:
    """返工: a failed check returns the case to handling and counts rework."""
    case_id = _open(engine)
    _to(engine, case_id, *HAPPY[:6], ("rework", CHECKER))
    case = engine.case(case_id)
    assert (case.state, case.rework) == ("handling", 1)
    _to(engine, case_id, ("finish", HANDLER), ("check", CHECKER), ("approve", CHECKER))
    assert engine.case(case_id).state == "closed"


def test_extension_moves_the_deadline_within_the_cap(engine: Engine) -> None:
    """延期: 5 work days + 2 approved; the cap (10) refuses more; handlers may not approve."""
    clock = engine.clock
    clock.set(datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    case_id = _open(engine)
    _to(engine, case_id, *HAPPY[:4])
    case = engine.case(case_id)
    assert case.due_at == datetime(2026, 10, 19, 10, 0, tzinfo=SHANGHAI)
    with pytest.raises(PermissionDenied):
        engine.extend(case_id, 2, actor=HANDLER, reason="waiting for parts")
    case = engine.extend(case_id, 2, actor=DISPATCHER, reason="waiting for parts")
    assert case.due_at == datetime(2026, 10, 21, 10, 0, tzinfo=SHANGHAI)
    assert case.extension_days == 2
    with pytest.raises(TransitionNotAllowed, match="cap of 10"):
        engine.extend(case_id, 9, actor=DISPATCHER, reason="more")
    advance(engine, days=8)
    assert engine.case(case_id).light == "yellow"  # 70 % of 7 work days, not yet red
    advance(engine, days=1, hours=1)
    assert engine.case(case_id).light == "red"


def test_supervision_raised_automatically_and_by_hand(engine: Engine) -> None:
    """督办: not signed for in 1 work day → yellow card, 2 → red; cadres may raise it too."""
    case_id = _open(engine)
    _to(engine, case_id, ("register", REGISTRAR), ("dispatch", DISPATCHER))
    advance(engine, hours=24)
    assert engine.case(case_id).supervision == "yellow"
    advance(engine, hours=24)
    assert engine.case(case_id).supervision == "red"
    other = _open(engine)
    with pytest.raises(PermissionDenied, match="supervise"):
        engine.supervise(other, "yellow", actor=HANDLER)
    assert engine.supervise(other, "yellow", actor=CADRE, reason="mayor's list").supervision == (
        "yellow")


def test_unknown_workflow_is_a_clear_error(engine: Engine) -> None:
    """Opening a workflow that is not loaded names the loaded ones."""
    from govflow import WorkflowError

    with pytest.raises(WorkflowError, match="standard_case"):
        engine.open_case("no_such_flow", cell=CELL, actor=WORKER)
