"""A timer that cannot fire is never silent: retried with backoff, then a dead letter with
the reason, reported through ``govflow_timer_dead``, counted, and listed by a command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govflow import Actor, Engine, SimClock, hookimpl
from govflow.cli import main
from govflow.engine.actions import ActionContext
from govflow.records import Timer
from govflow.store.base import Store
from govflow.workflows import load_workflows
from tests.conftest import SHANGHAI
from tests.helpers import CELL, CodeGrid

WORKER = Actor.of("w1", "worker", scope=CELL)
FLOWS = """
roles: [worker, system]
workflows:
  flow:
    version: 1
    initial: a
    states:
      a: {deadline: {limit: 1 hours, on_breach: {trigger: go}}}
      b: {final: true}
    transitions:
      - {trigger: go, from: a, to: b, roles: [worker, system], actions: [broken]}
"""
START = datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI)


class Broken:
    """An action that fails its first ``times`` calls (all of them by default)."""

    def __init__(self, times: int = 10**9) -> None:
        self.left = times
        self.calls: list[datetime] = []

    def __call__(self, ctx: ActionContext) -> None:
        self.calls.append(ctx.now)
        if self.left:
            self.left -= 1
            raise RuntimeError("the city's GIS is down")


class Watcher:
    """A plugin that records the timers given up on."""

    def __init__(self) -> None:
        self.dead: list[tuple[Timer, str, int]] = []

    @hookimpl
    def govflow_timer_dead(self, timer: Timer, reason: str, attempts: int) -> None:
        self.dead.append((timer, reason, attempts))


def make(store: Store, broken: Broken, watcher: Watcher) -> Engine:
    actions: dict[str, Any] = {"broken": broken}
    spec = load_workflows(FLOWS, actions={*actions}, filename="flows.yaml")
    return Engine(spec, store=store, clock=SimClock(START), grid=CodeGrid(), actions=actions,
                  plugins=[watcher], timer_attempts=4, timer_backoff=timedelta(minutes=1))


def test_a_timer_that_keeps_failing_goes_to_the_dead_letters(store: Store) -> None:
    """Tried at its due time, then 1, 2 and 4 minutes later; then buried with the reason,
    the hook told once, counted by the store, and the case left as it was."""
    broken, watcher = Broken(), Watcher()
    engine = make(store, broken, watcher)
    case_id = engine.open_case("flow", cell=CELL, actor=WORKER).id
    engine.run_until(START + timedelta(hours=3))
    due = START + timedelta(hours=1)
    assert broken.calls == [due + timedelta(minutes=m) for m in (0, 1, 3, 7)]
    assert engine.case(case_id).state == "a"
    [letter] = engine.dead_timers()
    assert letter.source == "timer" and "the city's GIS is down" in letter.reason
    assert "4 times" in letter.reason
    timer = json.loads(letter.payload)
    assert timer["case_id"] == case_id and timer["kind"] == "red"
    assert store.count_dead_letters("timer") == 1 and store.count_dead_letters() == 1
    assert [(t.id, attempts) for t, _, attempts in watcher.dead] == [(letter.record_id, 4)]
    assert store.pending_timers(case_id) == []  # cancelled: it does not loop for ever
    engine.run_until(START + timedelta(days=2))
    assert len(broken.calls) == 4 and len(watcher.dead) == 1


def test_a_timer_that_recovers_before_its_last_try_fires_once(store: Store) -> None:
    """Two failures, then the plugin is back: the breach and its trigger happen once."""
    broken, watcher = Broken(times=2), Watcher()
    engine = make(store, broken, watcher)
    case_id = engine.open_case("flow", cell=CELL, actor=WORKER).id
    engine.run_until(START + timedelta(hours=3))
    assert engine.case(case_id).state == "b"
    assert [e.trigger for e in engine.history(case_id)].count("breach") == 1
    assert engine.dead_timers() == [] and watcher.dead == []


def test_govflow_timers_dead_lists_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    """The command names the case, the kind and the reason (a clean store lists none), and
    the terminal cockpit counts them."""
    from govflow.store.sql import SqlStore

    url = f"sqlite:///{tmp_path / 'govflow.db'}"
    store = SqlStore(url, create=True)
    assert main(["timers", "dead", "--store", url]) == 0
    assert capsys.readouterr().out.strip() == "0 dead timers"
    engine = make(store, Broken(), Watcher())
    case_id = engine.open_case("flow", cell=CELL, actor=WORKER).id
    engine.run_until(START + timedelta(hours=3))
    from govflow.grid import generate_district
    from govflow.grid.persist import save_to_store

    save_to_store(store, generate_district(0, people="none"))
    store.close()
    assert main(["timers", "dead", "--store", url]) == 0
    out = capsys.readouterr().out
    assert f"case {case_id}" in out and "red due" in out and "GIS is down" in out
    assert out.strip().endswith("1 dead timer")
    assert out.count("+08:00") == 2  # when it was buried, and its due time: Shanghai time
    assert main(["cockpit", "--store", url]) == 0  # the cockpit shows the count beside its tables
    assert "dead timers: 1 (timers whose firing kept failing" in capsys.readouterr().out
