"""Stage KPIs and assessment scores from cases run on the engine, against a hand count."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from govflow import Actor, Engine, SimClock
from govflow.cockpit.assessment import node_scores, person_scores, rates
from govflow.cockpit.kpi import stage_kpis
from govflow.kernels.duty import duty_figures
from govflow.kernels.duty_ref import duty_figures_ref
from govflow.kernels.duty_snapshot import duty_snapshot
from tests.helpers import (
    CELL,
    CHECKER,
    COMMUNITY,
    DISPATCHER,
    DISTRICT,
    OPERATOR,
    OTHER_CELL,
    REGISTRAR,
    STREET,
    WORKER,
    CodeGrid,
    advance,
)

CODES = (DISTRICT, STREET, COMMUNITY, CELL, OTHER_CELL)
PARENT = np.array([-1, 0, 1, 2, 2], np.int32)
H1, H2 = Actor.of("h1", "handler"), Actor.of("h2", "handler")
WORKER2 = Actor.of("w2", "grid_worker", scope=OTHER_CELL)


@pytest.fixture
def run(district_workflows: object) -> tuple[Engine, dict[str, str]]:
    """Four cases on a Tuesday morning (Shanghai), each through a known path."""
    clock = SimClock(datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    engine = Engine(district_workflows, clock=clock, grid=CodeGrid())
    a = engine.open_case("standard_case", cell=CELL, actor=WORKER).id
    b = engine.open_case("standard_case", cell=OTHER_CELL, actor=WORKER2).id
    c = engine.open_case("hotline", cell=CELL, actor=OPERATOR).id
    d = engine.open_case("hotline", cell=OTHER_CELL, actor=OPERATOR).id
    advance(engine, minutes=10)
    engine.fire(a, "register", actor=REGISTRAR)                      # A: 10 min, on time
    advance(engine, minutes=10)
    engine.fire(a, "dispatch", actor=DISPATCHER)                     # A: on time, once
    for trig in ("sign", "start", "finish"):
        engine.fire(a, trig, actor=H1)                               # A: handled by h1
    engine.fire(a, "check", actor=CHECKER)
    engine.fire(a, "approve", actor=CHECKER)
    engine.fire(a, "evaluate", actor=CHECKER)                        # A: closed, no rework
    advance(engine, minutes=40)                                      # B's 30 min pass: red
    engine.fire(b, "register", actor=REGISTRAR)                      # B: late, escalated
    engine.fire(b, "dispatch", actor=DISPATCHER)
    engine.fire(b, "return", actor=H2, data={"reason": "not ours"})   # B: re-routed
    engine.fire(b, "dispatch", actor=DISPATCHER)
    for trig in ("sign", "start", "finish"):
        engine.fire(b, trig, actor=H2)
    engine.fire(b, "check", actor=CHECKER)
    engine.fire(b, "rework", actor=CHECKER)                          # B: sent back
    engine.fire(b, "finish", actor=H2)
    engine.fire(b, "check", actor=CHECKER)
    engine.fire(b, "approve", actor=CHECKER)
    engine.fire(b, "evaluate", actor=CHECKER)
    for case, handler in ((c, H1), (d, H2)):
        engine.fire(case, "sign", actor=handler)
        engine.fire(case, "start", actor=handler)
        engine.fire(case, "reply", actor=handler)
        engine.fire(case, "call_back", actor=OPERATOR)
    engine.fire(c, "close", actor=OPERATOR)                          # C: satisfied
    engine.fire(d, "redo", actor=OPERATOR)                           # D: not satisfied
    engine.fire(d, "reply", actor=H2)
    engine.fire(d, "call_back", actor=OPERATOR)
    engine.fire(d, "close", actor=OPERATOR)
    return engine, {"a": a, "b": b, "c": c, "d": d}


def test_stage_kpis_and_scores_match_a_hand_count(run: tuple[Engine, dict[str, str]]) -> None:
    """Registration 1/2 on time; dispatch 2/2 on time, 1/2 without re-route; handling 4/4;
    satisfaction 1/2; scores by the documented formula, for the district, a cell and h2."""
    engine, ids = run
    assert engine.case(ids["b"]).escalation == 1 and engine.case(ids["b"]).rework == 1
    index = {code: i for i, code in enumerate(CODES)}
    people = {"h1": 0, "h2": 1}
    cases = [engine.case(i) for i in ids.values()]
    cols = duty_snapshot(cases, engine.history, index, people)
    t0 = int(datetime(2026, 11, 10, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
    figures = duty_figures(cols, PARENT, t0=t0, t1=t0 + 86_400, n_people=2)
    ref = duty_figures_ref(cols, PARENT, t0=t0, t1=t0 + 86_400, n_people=2)
    np.testing.assert_array_equal(figures.nodes, ref.nodes)
    kpi = stage_kpis(figures, 0)
    assert kpi["on_time_registration"] == 0.5
    assert kpi["on_time_dispatch"] == 1.0
    assert kpi["accurate_dispatch"] == 0.5
    assert kpi["handling_rate"] == 1.0 and kpi["on_time_handling"] == 1.0
    assert kpi["satisfaction"] == 0.5
    # assessment: 4 closed, 3 on time (B breached), 2 reworked (B's failed check, D's redo),
    # 1 escalated of 4 answered for, no on-post tasks (that rate is left out)
    r = rates(figures.nodes)
    assert (r["on_time"][0], r["rework"][0], r["escalated"][0]) == (0.75, 0.5, 0.25)
    assert math.isnan(r["on_post"][0])
    expected = 100 * (0.3 * 0.75 + 0.3 * 0.5 + 0.2 * 0.75) / 0.8
    assert node_scores(figures)[0] == pytest.approx(expected)
    assert node_scores(figures)[3] == pytest.approx(100.0)      # the cell of A and C
    # h2 handled B and D: B late, reworked and escalated; D on time but redone
    h2 = 100 * (0.3 * 0.5 + 0.3 * 0.0 + 0.2 * 0.5) / 0.8
    assert person_scores(figures)[1] == pytest.approx(h2)
    assert stage_kpis(figures, 1, people=True)["satisfaction"] == 0.0
