"""A broken plugin never takes the engine down: it raises, returns garbage, or takes a name.

Three broken plugins are loaded beside a good one; the engine opens, moves, escalates, closes
and revisits cases and delivers its outbox. Every hook's failure is recorded with the plugin
and the hook, and the good plugin still sees every call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from govflow.errors import PluginError, RegistrationConflict
from govflow.plugins import ListSource, OpenCase, hookimpl
from govflow.plugins.hookspecs import HOOK_NAMES
from govflow.plugins.registry import Registry
from govflow.plugins.samples import district
from govflow.plugins.testing import PluginHarness
from govflow.records import Actor, Case, Event, Message, Timer

ROOT = Path(__file__).resolve().parents[1]
WORKER = Actor.of("li", "grid_worker", "inspector")


class Raiser:
    """Raises in every hook."""

    govflow_plugin_name = "raiser"

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        raise RuntimeError("sources")

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        registry.add_action("half_done", lambda ctx: None)
        raise RuntimeError("actions")

    @hookimpl
    def govflow_register_functions(self, registry: Registry) -> None:
        raise RuntimeError("functions")

    @hookimpl
    def govflow_register_workflows(self, registry: Registry) -> None:
        raise RuntimeError("workflows")

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        raise RuntimeError("rules")

    @hookimpl
    def govflow_case_opened(self, case: Case, event: Event) -> None:
        raise RuntimeError("opened")

    @hookimpl
    def govflow_case_transitioned(self, case: Case, event: Event) -> None:
        raise RuntimeError("transitioned")

    @hookimpl
    def govflow_case_escalated(self, case: Case, event: Event) -> None:
        raise RuntimeError("escalated")

    @hookimpl
    def govflow_case_closed(self, case: Case, event: Event) -> None:
        raise RuntimeError("closed")

    @hookimpl
    def govflow_deliver(self, messages: Sequence[Message]) -> list[str]:
        raise RuntimeError("deliver")

    @hookimpl
    def govflow_revisit_outcome(self, case: Case) -> bool | None:
        raise RuntimeError("revisit")

    @hookimpl
    def govflow_timer_dead(self, timer: Timer, reason: str, attempts: int) -> None:
        raise RuntimeError("timer dead")


class Garbage:
    """Returns what no hook allows, from every hook."""

    govflow_plugin_name = "garbage"

    govflow_register_sources = hookimpl(lambda self, registry: 42)
    govflow_register_actions = hookimpl(lambda self, registry: 42)
    govflow_register_functions = hookimpl(lambda self, registry: 42)
    govflow_register_workflows = hookimpl(lambda self, registry: 42)
    govflow_register_rules = hookimpl(lambda self, registry: 42)
    govflow_case_opened = hookimpl(lambda self, case, event: "x")
    govflow_case_transitioned = hookimpl(lambda self, case, event: "x")
    govflow_case_escalated = hookimpl(lambda self, case, event: "x")
    govflow_case_closed = hookimpl(lambda self, case, event: "x")
    govflow_deliver = hookimpl(lambda self, messages: "all of them")
    govflow_revisit_outcome = hookimpl(lambda self, case: "maybe")
    govflow_timer_dead = hookimpl(lambda self, timer, reason, attempts: "x")


class Taker:
    """Registers names the built-in plugin already holds."""

    govflow_plugin_name = "taker"

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        registry.add_action("notify_owner", lambda ctx: None)

    @hookimpl
    def govflow_register_functions(self, registry: Registry) -> None:
        registry.add_function("len", lambda x: 0)


class Good:
    """Records every observation; delivers everything; answers revisits 'clean'."""

    govflow_plugin_name = "good"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.delivered: list[str] = []

    @hookimpl
    def govflow_case_opened(self, case: Case, event: Event) -> None:
        self.seen.append(("opened", event.trigger))

    @hookimpl
    def govflow_case_transitioned(self, case: Case, event: Event) -> None:
        self.seen.append(("transitioned", event.trigger))

    @hookimpl
    def govflow_case_escalated(self, case: Case, event: Event) -> None:
        self.seen.append(("escalated", event.trigger))

    @hookimpl
    def govflow_case_closed(self, case: Case, event: Event) -> None:
        self.seen.append(("closed", event.trigger))

    @hookimpl
    def govflow_deliver(self, messages: Sequence[Message]) -> list[str]:
        self.delivered.extend(m.id for m in messages)
        return [m.id for m in messages]

    @hookimpl
    def govflow_revisit_outcome(self, case: Case) -> bool | None:
        self.seen.append(("revisit", case.id))
        return False

    @hookimpl
    def govflow_timer_dead(self, timer: Timer, reason: str, attempts: int) -> None:
        self.seen.append(("dead", timer.id))


@pytest.fixture
def run() -> tuple[PluginHarness, Good]:
    """Drive every hook once with the broken plugins loaded beside the good one."""
    good = Good()
    harness = PluginHarness(good, Raiser(), Garbage(), Taker(),
                            workflows=ROOT / "workflows.yaml", grid=district(0))
    engine, clock = harness.engine, harness.clock
    cell = district(0).cells()[0]
    vending = engine.open_case("street_vending", cell=cell, actor=WORKER,
                               data={"location": "颍河路"})
    engine.fire(vending.id, "persuade", actor=WORKER)
    engine.fire(vending.id, "clear", actor=WORKER)
    late = engine.open_case("street_vending", cell=cell, actor=WORKER)
    done = engine.open_case("street_vending", cell=cell, actor=WORKER)
    engine.fire(done.id, "dismiss", actor=WORKER)
    clock.advance(timedelta(days=1, hours=1))
    engine.tick()
    engine.deliver_outbox()
    assert engine.case(late.id).escalation >= 1
    # a timer given up on (the engine's own path is tested in tests/test_timer_dead.py)
    harness.host.timer_dead(Timer("t1", late.id, "red", clock.now(), 1), "boom", 5)
    return harness, good


def test_the_engine_keeps_running_and_the_good_plugin_sees_every_call(
        run: tuple[PluginHarness, Good]) -> None:
    """Opened, transitioned, escalated, closed, revisit and deliver all reached the good one."""
    harness, good = run
    kinds = {kind for kind, _ in good.seen}
    assert kinds == {"opened", "transitioned", "escalated", "closed", "revisit", "dead"}
    assert good.delivered
    assert len(harness.cases()) == 3


def test_a_plugin_raising_in_every_hook_is_recorded_for_every_hook(
        run: tuple[PluginHarness, Good]) -> None:
    """Each of the raiser's hooks left a PluginFailure(plugin, hook, error)."""
    harness, _ = run
    failed = {f.hook for f in harness.failures if f.plugin == "raiser"}
    assert failed == set(HOOK_NAMES)
    assert all(isinstance(f.error, RuntimeError) for f in harness.failures
               if f.plugin == "raiser")


def test_a_failed_register_call_is_rolled_back(run: tuple[PluginHarness, Good]) -> None:
    """What the raiser added before raising (half_done) is not registered."""
    harness, _ = run
    assert "half_done" not in harness.host.actions


def test_garbage_return_values_are_recorded_for_every_hook(
        run: tuple[PluginHarness, Good]) -> None:
    """Each of the garbage plugin's hooks left a failure naming what the hook must return."""
    harness, _ = run
    failed = {f.hook: str(f.error) for f in harness.failures if f.plugin == "garbage"}
    assert set(failed) == set(HOOK_NAMES)
    assert "must return True, False or None" in failed["govflow_revisit_outcome"]
    assert "must return a list of message ids" in failed["govflow_deliver"]


def test_a_taken_name_is_recorded_and_the_builtin_keeps_it(
        run: tuple[PluginHarness, Good]) -> None:
    """The taker's conflicts name both plugins; notify_owner is still the built-in one."""
    harness, _ = run
    conflicts = [f.error for f in harness.failures if f.plugin == "taker"]
    assert conflicts and all(isinstance(e, RegistrationConflict) for e in conflicts)
    assert {(e.first, e.second) for e in conflicts if isinstance(e, RegistrationConflict)} == {
        ("builtin", "taker")}
    assert harness.host.registry.owners[("action", "notify_owner")] == "builtin"


def test_failures_are_counted_even_past_the_kept_ones(run: tuple[PluginHarness, Good]) -> None:
    """failure_counts counts every failure by (plugin, hook)."""
    harness, _ = run
    assert harness.host.failure_counts[("raiser", "govflow_case_opened")] == 3


BOOM_FLOW = """
roles: [worker]
workflows:
  fragile:
    version: 1
    initial: open
    states:
      open: {on_enter: [boom]}
      done: {final: true}
    transitions:
      - {trigger: finish, from: open, to: done, roles: [worker]}
"""


class Boom:
    """An action that raises on some cases, and a source whose records reach it."""

    govflow_plugin_name = "boom"

    @hookimpl
    def govflow_register_actions(self, registry: Registry) -> None:
        def boom(ctx: Any) -> None:
            if ctx.case.data.get("fragile"):
                raise ZeroDivisionError("the action broke")

        registry.add_action("boom", boom)

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        registry.add_source(ListSource("fragile", Item, list, id_field="id"))

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        def fragile(record: Item) -> OpenCase:
            return OpenCase("fragile", "410102001001001", "x", {"fragile": record.fragile})

        registry.add_rules("fragile", fragile)


class Item(BaseModel):
    id: str
    fragile: bool


def test_an_action_that_raises_refuses_its_change_and_names_the_plugin(tmp_path: Path) -> None:
    """The engine gets a PluginError naming plugin and action; intake dead-letters the record."""
    flow = tmp_path / "fragile.yaml"
    flow.write_text(BOOM_FLOW, encoding="utf-8")
    harness = PluginHarness(Boom(), workflows=flow)
    with pytest.raises(PluginError, match="plugin 'boom': action 'boom' raised ZeroDivision"):
        harness.engine.open_case("fragile", cell="410102001001001", actor=WORKER,
                                 data={"fragile": True})
    report = harness.feed("fragile", [{"id": "a", "fragile": False}, {"id": "b", "fragile": True},
                                      {"id": "c", "fragile": False}])
    assert (report.opened, report.dead) == (2, 1)
    assert "action 'boom' raised" in harness.dead_letters()[0].reason
