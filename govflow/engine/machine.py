"""One shared ``transitions`` machine per workflow version.

Cases are never registered on the machine (``add_model`` is quadratic and a machine per case
costs ~52 KB): each firing hands the machine a throw-away token carrying the case's state, and
``transitions`` checks the source, evaluates the conditions (role, then guard) in declaration
order and moves the token. Actions run afterwards in UML order (exit, transition, entry) by the
transition runner, so that ``transitions`` never resolves callbacks by string name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from transitions import EventData, Machine

from govflow.engine.records import SYSTEM_ACTOR, Actor
from govflow.workflows.spec import ANY_ROLE, TransitionSpec, WorkflowSpec


class _Token:
    """What ``transitions`` sees of a case for one firing."""

    __slots__ = ("actor", "chosen", "env", "state")

    def __init__(self, state: str, actor: Actor, env: Mapping[str, Any]) -> None:
        self.state = state
        self.actor = actor
        self.env = env
        self.chosen: TransitionSpec | None = None


def role_allows(spec: TransitionSpec, actor: Actor) -> bool:
    """Whether ``actor`` holds one of the roles the transition allows. The engine's own
    firings (breach triggers, revisit outcomes) act as the system actor and always may."""
    return actor is SYSTEM_ACTOR or ANY_ROLE in spec.roles or not spec.roles.isdisjoint(
        actor.roles)


def _conditions(spec: TransitionSpec) -> list[Any]:
    def role_ok(event: EventData) -> bool:
        token = cast(_Token, event.model)
        return role_allows(spec, token.actor)

    conditions: list[Any] = [role_ok]
    guard = spec.guard
    if guard is not None:

        def guard_ok(event: EventData) -> bool:
            token = cast(_Token, event.model)
            return bool(guard.evaluate(token.env))

        conditions.append(guard_ok)
    return conditions


def _chooser(spec: TransitionSpec) -> Any:
    def chosen(event: EventData) -> None:
        token = cast(_Token, event.model)
        token.chosen = spec

    return chosen


class WorkflowMachine:
    """A compiled workflow version: the shared machine plus indexes for fast look-ups."""

    def __init__(self, spec: WorkflowSpec) -> None:
        self.spec = spec
        self._machine = Machine(
            model=None,
            states=list(spec.states),
            initial=spec.initial,
            transitions=[
                {
                    "trigger": t.trigger,
                    "source": list(t.sources),
                    "dest": t.dest,
                    "conditions": _conditions(t),
                    "after": [_chooser(t)],
                }
                for t in spec.transitions
            ],
            send_event=True,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        self._events = self._machine.events
        candidates: dict[tuple[str, str], list[TransitionSpec]] = {}
        for t in spec.transitions:
            for source in t.sources:
                candidates.setdefault((source, t.trigger), []).append(t)
        self._candidates = {key: tuple(value) for key, value in candidates.items()}
        triggers: dict[str, list[str]] = {state: [] for state in spec.states}
        for source, trigger in self._candidates:
            if trigger not in triggers[source]:
                triggers[source].append(trigger)
        self._triggers = {state: tuple(names) for state, names in triggers.items()}

    def triggers_from(self, state: str) -> tuple[str, ...]:
        """Every trigger declared from ``state``, in file order."""
        return self._triggers.get(state, ())

    def candidates(self, state: str, trigger: str) -> tuple[TransitionSpec, ...]:
        """The transitions ``trigger`` may take from ``state`` (empty: not declared)."""
        return self._candidates.get((state, trigger), ())

    def choose(
        self, state: str, trigger: str, actor: Actor, env: Mapping[str, Any]
    ) -> TransitionSpec | None:
        """Run the trigger on the shared machine; the transition taken, or None if no
        condition held. The trigger must be declared from ``state`` (see :meth:`candidates`)."""
        token = _Token(state, actor, env)
        self._events[trigger].trigger(token)
        return token.chosen
