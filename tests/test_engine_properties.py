"""Property tests: random trigger sequences stay inside the workflow, and a case's event log
always rebuilds the case exactly (the reducer is the one source of truth)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from govflow import Actor, Engine, GovflowError, SimClock
from govflow.engine.reducer import rebuild
from govflow.store.memory import MemoryStore
from govflow.workflows import load_workflows
from tests.conftest import ROOT, SHANGHAI
from tests.helpers import CELL, CodeGrid

WORKFLOWS = load_workflows(ROOT / "workflows.yaml")
ROLES = sorted(WORKFLOWS.roles - {"system"})
ACTORS = [Actor.of(f"a-{role}", role) for role in ROLES]
_MINUTE = timedelta(minutes=1)
ALL_TRIGGERS = sorted({t.trigger for w in WORKFLOWS.workflows.values() for t in w.transitions})

#: holds every role but system: can fire whatever the workflow allows now
EVERYONE = Actor.of("all", *ROLES)

step = st.one_of(
    st.tuples(st.just("fire"), st.sampled_from(ALL_TRIGGERS), st.sampled_from(ACTORS)),
    *[st.tuples(st.just("allowed"), st.integers(min_value=0, max_value=7), st.none())] * 4,
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=60 * 24 * 3), st.none()),
    st.tuples(st.just("revisit"), st.booleans(), st.none()),
    st.tuples(st.just("extend"), st.integers(min_value=1, max_value=6), st.none()),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflow=st.sampled_from(sorted(WORKFLOWS.workflows)),
       steps=st.lists(step, min_size=3, max_size=30),
       data=st.fixed_dictionaries({}, optional={"severity": st.integers(0, 3),
                                                "prior_offences": st.integers(0, 2),
                                                "issues": st.integers(0, 2)}))
def test_random_sequences_stay_defined_and_replay_exactly(
    workflow: str, steps: list[tuple[str, object, object]], data: dict[str, int]
) -> None:
    """Whatever is fired, waited or recorded, the case is always in a declared state, closed
    exactly when that state is final, and rebuilding it from its log gives the same case."""
    clock = SimClock(datetime(2026, 9, 29, 9, 0, tzinfo=SHANGHAI))
    engine = Engine(WORKFLOWS, store=MemoryStore(), clock=clock, grid=CodeGrid())
    spec = engine.workflow(workflow)
    case_id = engine.open_case(workflow, cell=CELL, actor=engine.system_actor("sys"),
                               data=dict(data)).id
    cadre = Actor.of("k", "cadre", "dispatcher", "hotline_operator", "inspector")
    for kind, arg, actor in steps:
        before = engine.case(case_id)
        try:
            if kind == "allowed":
                options = engine.allowed_triggers(case_id, EVERYONE)
                if options:
                    engine.fire(case_id, options[int(arg) % len(options)],  # type: ignore[call-overload]
                                actor=EVERYONE, data=dict(data))
            elif kind == "fire":
                engine.fire(case_id, str(arg), actor=actor)  # type: ignore[arg-type]
            elif kind == "wait":
                engine.run_until(clock.now() + (arg * _MINUTE))  # type: ignore[operator]
            elif kind == "revisit":
                engine.record_revisit(case_id, rebound=bool(arg), actor=cadre)
            else:
                engine.extend(case_id, float(arg), actor=cadre,  # type: ignore[arg-type]
                              reason="p")
        except GovflowError:
            assert engine.case(case_id) == before, "a refused request changed the case"
        case = engine.case(case_id)
        assert case.state in spec.states
        assert (case.closed_at is not None) == spec.states[case.state].final
    history = engine.history(case_id)
    event(f"{min(len(history) // 5 * 5, 20)}+ events")
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    rebuilt = rebuild(history, engine.workflow)
    stored = engine.case(case_id)
    stored.rev = 0
    assert rebuilt == stored


def test_the_district_file_is_the_one_tested() -> None:
    """The properties above run on every workflow of the real district file."""
    assert {"standard_case", "rectification", "street_vending", "hotline", "emergency_task",
            "command_order", "patrol"} <= set(WORKFLOWS.workflows)
