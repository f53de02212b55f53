"""One shared ``transitions`` machine per workflow version.

Cases are never registered on the machine (``add_model`` is quadratic and a machine per case
costs ~52 KB): each firing hands the machine a throw-away token carrying the case's state and
the guard's environment, and ``transitions`` checks the transition's conditions (the guard)
on it; the machine has no callbacks, and the state change is the engine's own event, applied
by the reducer, so the token is never moved. Actions run afterwards in UML order
(exit, transition, entry) in the transition runner, so that ``transitions`` never resolves
callbacks by string name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from transitions import EventData, Machine

from govflow.records import SYSTEM_ACTOR, Actor
from govflow.workflows.spec import ANY_ROLE, TransitionSpec, WorkflowSpec


class _Token:
    """What ``transitions`` sees of a case for one firing: its state and the guard's env."""

    __slots__ = ("env", "state")

    def __init__(self, state: str, env: Mapping[str, Any]) -> None:
        self.state = state
        self.env = env


def role_allows(spec: TransitionSpec, actor: Actor) -> bool:
    """Whether ``actor`` holds one of the roles the transition allows. The engine's own
    firings (breach triggers, revisit outcomes) act as the system actor and always may."""
    return actor is SYSTEM_ACTOR or ANY_ROLE in spec.roles or not spec.roles.isdisjoint(
        actor.roles)


def _conditions(spec: TransitionSpec) -> list[Any]:
    guard = spec.guard
    if guard is None:
        return []

    def guard_ok(event: EventData) -> bool:
        token = cast(_Token, event.model)
        return bool(guard.evaluate(token.env))

    return [guard_ok]


class Plan(NamedTuple):
    """Everything one (state, trigger) firing needs, computed when the machine is built."""

    candidates: tuple[TransitionSpec, ...]
    guarded: bool
    state: Any
    event: Any
    pairs: tuple[tuple[TransitionSpec, Any], ...]

    def any_role_allows(self, actor: Actor) -> bool:
        return any(role_allows(t, actor) for t in self.candidates)


class WorkflowMachine:
    """A compiled workflow version: the shared machine plus indexes for fast look-ups."""

    def __init__(self, spec: WorkflowSpec) -> None:
        self.spec = spec
        self._machine = machine = Machine(
            model=None,
            states=list(spec.states),
            initial=spec.initial,
            transitions=[
                {
                    "trigger": t.trigger,
                    "source": list(t.sources),
                    "dest": t.dest,
                    "conditions": _conditions(t),
                }
                for t in spec.transitions
            ],
            send_event=True,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        candidates: dict[tuple[str, str], list[TransitionSpec]] = {}
        for t in spec.transitions:
            for source in t.sources:
                candidates.setdefault((source, t.trigger), []).append(t)
        #: (state, trigger) → everything a firing needs, looked up once per firing
        self._plans = {
            (source, trigger): Plan(
                tuple(specs), any(t.guard is not None for t in specs),
                machine.get_state(source), machine.events[trigger],
                # the library's Transition objects, in the same order as our candidates
                tuple(zip(specs, machine.events[trigger].transitions[source], strict=True)),
            )
            for (source, trigger), specs in candidates.items()
        }
        triggers: dict[str, list[str]] = {state: [] for state in spec.states}
        for source, trigger in self._plans:
            if trigger not in triggers[source]:
                triggers[source].append(trigger)
        self._triggers = {state: tuple(names) for state, names in triggers.items()}

    def triggers_from(self, state: str) -> tuple[str, ...]:
        """Every trigger declared from ``state``, in file order."""
        return self._triggers.get(state, ())

    def plan(self, state: str, trigger: str) -> Plan | None:
        """How ``trigger`` fires from ``state``, or None if it is not declared there."""
        return self._plans.get((state, trigger))

    def candidates(self, state: str, trigger: str) -> tuple[TransitionSpec, ...]:
        """The transitions ``trigger`` may take from ``state`` (empty: not declared)."""
        plan = self._plans.get((state, trigger))
        return plan.candidates if plan is not None else ()

    def choose(self, plan: Plan, actor: Actor, env: Mapping[str, Any]) -> TransitionSpec | None:
        """Take the first declared transition of ``plan`` whose roles admit the actor and whose
        guard holds; None if none does. ``transitions`` evaluates the guard (each of the
        transition's ``conditions``, checked on the event's data); the state change itself is
        the engine's (the event applied by the reducer), so the token is never moved: the
        machine has no callbacks to run, and ``Transition.execute`` would only move a token
        that is thrown away (a third of a firing's time)."""
        data: EventData | None = None
        for spec, transition in plan.pairs:
            if not role_allows(spec, actor):
                continue
            conditions = transition.conditions
            if not conditions:
                return spec
            if data is None:
                data = EventData(plan.state, plan.event, self._machine,
                                 _Token(plan.state.name, env), (), {})
            data.transition = transition
            if all(condition.check(data) for condition in conditions):
                return spec
        return None
