"""Small shared pieces for the engine tests: actors, cells, a prefix grid with parents."""

from __future__ import annotations

from datetime import datetime, timedelta

from govflow import Actor, Engine
from govflow.clock import SimClock
from govflow.engine.hierarchy import PrefixHierarchy

DISTRICT = "410102"
STREET = "410102001"
COMMUNITY = "410102001001"
CELL = "410102001001001"
OTHER_CELL = "410102001001002"

WORKER = Actor.of("w1", "grid_worker", scope=CELL)
OTHER_WORKER = Actor.of("w2", "grid_worker", scope=OTHER_CELL)
REGISTRAR = Actor.of("r1", "registrar")
DISPATCHER = Actor.of("d1", "dispatcher")
HANDLER = Actor.of("h1", "handler")
CHECKER = Actor.of("c1", "checker")
CADRE = Actor.of("k1", "cadre", scope=STREET)
INSPECTOR = Actor.of("i1", "inspector", scope=COMMUNITY)
OPERATOR = Actor.of("o1", "hotline_operator")
COMMANDER = Actor.of("m1", "commander")


class CodeGrid(PrefixHierarchy):
    """The engine's code-read hierarchy (6 + 3 + 3 + 3 digits), with someone on duty."""

    def on_duty(self, node: str) -> str | None:
        return f"duty:{node}"


def advance(engine: Engine, **delta: float) -> datetime:
    """Run the engine's simulated clock forward, firing timers on the way."""
    clock = engine.clock
    assert isinstance(clock, SimClock)
    target = clock.now() + timedelta(**delta)
    engine.run_until(target)
    return target


def triggers(engine: Engine, case_id: str) -> list[str]:
    """The case's history as a list of triggers."""
    return [event.trigger for event in engine.history(case_id)]
