"""Regression tests from a review of the engine: each names what used to go wrong."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from govflow import (
    Actor,
    CaseError,
    DataError,
    Engine,
    GovflowError,
    PermissionDenied,
    SimClock,
)
from govflow.engine.actions import ActionContext
from govflow.engine.reducer import rebuild
from govflow.engine.requests import OpenRequest
from govflow.records import DeadLetter
from govflow.store.base import Store
from govflow.workflows import load_workflows
from tests.conftest import SHANGHAI
from tests.helpers import (
    CADRE,
    CELL,
    DISPATCHER,
    HANDLER,
    OTHER_WORKER,
    REGISTRAR,
    WORKER,
    CodeGrid,
    advance,
    triggers,
)

FLOWS = """
roles: [worker, system]
workflows:
  flow:
    version: 1
    initial: a
    states:
      a: {deadline: {limit: 1 hours, limit_field: within, on_breach: {escalate: true, trigger: go}}}
      b: {on_enter: [tidy]}
      c: {final: true}
    transitions:
      - {trigger: go, from: a, to: b, roles: [worker, system], actions: [flaky]}
      - {trigger: done, from: b, to: c, roles: [worker]}
  entry:
    version: 1
    initial: a
    states:
      a: {on_enter: [watchlist_add]}
      z: {final: true}
    transitions:
      - {trigger: end, from: a, to: z, roles: [worker]}
"""
ACTOR = Actor.of("w", "worker")


class Flaky:
    """An action that fails the first ``times`` calls, as a plugin might."""

    def __init__(self, times: int) -> None:
        self.left = times

    def __call__(self, ctx: ActionContext) -> None:
        if self.left:
            self.left -= 1
            raise RuntimeError("plugin down")
        ctx.case.data["visits"] = [*ctx.case.data.get("visits", []), ctx.trigger]


def _tidy(ctx: ActionContext) -> None:
    ctx.case.data.setdefault("log", []).append("tidied")  # in place, on a nested list
    ctx.case.data.pop("tmp", None)


@pytest.fixture
def flows(store: Store, clock: SimClock) -> Iterator[tuple[Engine, Flaky]]:
    """An engine on the small workflows above, with an action that fails once."""
    flaky = Flaky(1)
    actions: dict[str, Any] = {"flaky": flaky, "tidy": _tidy}
    spec = load_workflows(FLOWS, actions={*actions, "watchlist_add"}, filename="flows.yaml")
    yield Engine(spec, store=store, clock=clock, grid=CodeGrid(), actions=actions), flaky


def _same_as_replay(engine: Engine, case_id: str) -> None:
    stored = engine.case(case_id)
    stored.rev = 0
    assert rebuild(engine.history(case_id), engine.workflow) == stored


def test_action_messages_are_not_lost_after_a_warning(engine: Engine) -> None:
    """Used to: a transition's message took the id of the warning before it and was dropped."""
    engine.clock.set(datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    case_id = engine.open_case("standard_case", cell=CELL, actor=WORKER,
                               data={"reporter": "resident-42"}).id
    for trigger, actor in (("register", REGISTRAR), ("dispatch", DISPATCHER), ("sign", HANDLER),
                           ("start", HANDLER)):
        engine.fire(case_id, trigger, actor=actor)
    advance(engine, days=4)
    assert engine.case(case_id).light == "yellow"
    engine.fire(case_id, "finish", actor=HANDLER)
    kinds = [(m.kind, m.recipient) for m in engine.store.pending_messages(100)]
    assert ("reporter_update", "resident-42") in kinds
    assert any(kind == "warning" for kind, _ in kinds)


def test_a_failing_breach_trigger_is_retried_whole(flows: tuple[Engine, Flaky]) -> None:
    """Used to: the breach was committed without its trigger and the timer never fired again.
    Now the whole firing rolls back, and a later tick does it all once the plugin is back."""
    engine, _ = flows
    case_id = engine.open_case("flow", cell=CELL, actor=ACTOR).id
    advance(engine, hours=1)
    assert engine.case(case_id).state == "a"
    assert "breach" not in triggers(engine, case_id)
    assert len(engine.failures) == 1
    advance(engine, minutes=1)
    case = engine.case(case_id)
    assert (case.state, case.escalation, case.light) == ("b", 1, "green")
    assert triggers(engine, case_id) == ["open", "warn", "breach", "escalate", "go"]
    _same_as_replay(engine, case_id)


def test_a_note_never_changes_state_and_refuses_engine_names(engine: Engine) -> None:
    """Used to: note('escalate') bumped the escalation, note('revisit_due') opened a revisit."""
    case_id = engine.open_case("standard_case", cell=CELL, actor=WORKER).id
    for name in ("escalate", "revisit_due", "breach", "open"):
        with pytest.raises(CaseError, match="engine writes itself"):
            engine.note(case_id, name, actor=WORKER)
    case = engine.note(case_id, "register", actor=WORKER, data={"photo": "p1.jpg"})
    assert (case.state, case.escalation, case.events) == ("reported", 0, 2)
    _same_as_replay(engine, case_id)


def test_recording_a_revisit_checks_the_grid_scope(engine: Engine) -> None:
    """Used to: a grid worker of another cell could record a rebound and reopen the case."""
    case_id = engine.open_case("street_vending", cell=CELL, actor=WORKER).id
    engine.fire(case_id, "persuade", actor=WORKER)
    engine.fire(case_id, "clear", actor=WORKER)
    advance(engine, days=1)
    with pytest.raises(PermissionDenied):
        engine.record_revisit(case_id, rebound=True, actor=OTHER_WORKER)
    assert engine.case(case_id).state == "cleared"


def test_an_extension_after_a_missed_deadline_keeps_the_breach(engine: Engine) -> None:
    """Used to: extending after the limit (the red timer not yet fired) erased the breach."""
    engine.clock.set(datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    case_id = engine.open_case("hotline", cell=CELL, actor=Actor.of("o", "hotline_operator")).id
    engine.fire(case_id, "sign", actor=HANDLER)
    engine.fire(case_id, "start", actor=HANDLER)
    engine.clock.set(datetime(2026, 10, 23, 10, 0, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    case = engine.extend(case_id, 1, actor=CADRE, reason="late approval")
    assert case.breached_at is None
    engine.tick()
    case = engine.case(case_id)
    # due 10-20 10:00 with the extension: the hotline's ladder took the community step then
    # and the street step two work days later (10-22), both due by 10-23
    assert case.breached_at is not None and case.light == "red" and case.escalation == 2
    assert case.owner == CELL[:9]
    _same_as_replay(engine, case_id)


def test_entry_actions_and_nested_changes_are_in_the_log(flows: tuple[Engine, Flaky]) -> None:
    """Used to: an initial state's entry action and in-place or deleted data were not logged,
    so a replay of the log differed from the stored case."""
    engine, flaky = flows
    flaky.left = 0
    first = engine.open_case("entry", cell=CELL, actor=ACTOR)
    assert first.data == {"watchlist": True}
    _same_as_replay(engine, first.id)
    case_id = engine.open_case("flow", cell=CELL, actor=ACTOR,
                               data={"log": ["opened"], "tmp": 1}).id
    engine.fire(case_id, "go", actor=ACTOR)
    case = engine.case(case_id)
    assert case.data == {"log": ["opened", "tidied"], "visits": ["go"]}
    _same_as_replay(engine, case_id)
    case.data["log"].append("caller's own")
    assert engine.case(case_id).data["log"] == ["opened", "tidied"]


@pytest.mark.parametrize("value", [0, -3, float("nan"), float("inf")])
def test_a_bad_per_case_limit_is_a_clear_error(flows: tuple[Engine, Flaky], value: float) -> None:
    """Used to: 0 looped the scheduler, negatives or NaN raised a bare ValueError."""
    engine, _ = flows
    with pytest.raises(GovflowError):
        engine.open_case("flow", cell=CELL, actor=ACTOR, data={"within": value})


@pytest.mark.parametrize("bad", [{"at": datetime(2026, 1, 1)}, {"tags": {1, 2}},
                                 {"pair": (1, 2)}, {3: "x"}, {"x": float("nan")}])
def test_case_data_must_be_json(engine: Engine, bad: dict[Any, Any]) -> None:
    """Used to: memory kept what a database refuses (or changes), so stores disagreed."""
    with pytest.raises(DataError):
        engine.open_case("standard_case", cell=CELL, actor=WORKER, data=bad)


def test_bad_requests_become_dead_letters_in_a_batch(flows: tuple[Engine, Flaky]) -> None:
    """One bad request in an intake batch is a dead letter; the rest and the cursor land."""
    engine, _ = flows

    def letter(req: Any, exc: GovflowError) -> DeadLetter:
        return DeadLetter(str(id(req)), "src", "r", str(exc), "{}", engine.clock.now())

    requests = [OpenRequest("flow", CELL, data={"within": "2 hours"}, actor=ACTOR),
                OpenRequest("flow", CELL, data={"within": -1}, actor=ACTOR),
                OpenRequest("flow", CELL, data={"when": datetime(2026, 1, 1)}, actor=ACTOR),
                OpenRequest("flow", CELL, at=datetime(2026, 1, 1), actor=ACTOR)]
    results = engine.apply_batch(requests, cursor=("src", "4"), on_error=letter)
    assert [type(r).__name__ for r in results] == ["Case", "WorkflowError", "DataError",
                                                    "DataError"]
    assert engine.store.get_cursor("src") == "4"
    assert len(engine.store.dead_letters("src")) == 3


def test_memory_store_retries_a_timer_whose_firing_failed(clock: SimClock) -> None:
    """Used to: the memory store dropped a claimed timer for good when its firing raised."""
    calls = {"n": 0}

    class Grid(CodeGrid):
        def on_duty(self, node: str) -> str | None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("directory down")
            return f"duty:{node}"

    engine = Engine(Path(__file__).resolve().parents[1] / "workflows.yaml", clock=clock,
                    grid=Grid())
    case_id = engine.open_case("emergency_task", cell=CELL, actor=Actor.of("m", "commander")).id
    advance(engine, minutes=30)
    assert engine.case(case_id).light == "green"
    advance(engine, minutes=1)
    assert engine.case(case_id).light == "yellow"
