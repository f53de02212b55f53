"""Events → case: the one place that says how each event changes a case.

The engine decides what happens (guards, permissions, deadlines) and writes it as events; it
then applies those events with :func:`apply_event`, and :func:`rebuild` folds a case's whole
log with the same function. So a case row and a replay of its log cannot drift apart, and the
crash tests check exactly that on a real database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from govflow.records import Case, Event, copy_data
from govflow.workflows.spec import WorkflowSpec

#: events the engine writes itself; every other trigger is a workflow transition
ENGINE_EVENTS = frozenset(
    {"open", "warn", "breach", "escalate", "extend", "supervise", "revisit_due", "revisit",
     "revisit_end", "replan", "move", "migrate"}
)
LEVELS = ("normal", "yellow", "red")


def when(value: Any) -> datetime | None:
    """An ISO timestamp from an event's data, or None."""
    return datetime.fromisoformat(value) if value else None


def new_case(event: Event) -> Case:
    """The case an ``open`` event creates."""
    d = event.data
    return Case(
        id=event.case_id,
        workflow=d["workflow"],
        version=d["version"],
        state=event.dest,
        cell=d["cell"],
        owner=d["owner"],
        category=d["category"],
        source=d["source"],
        data=copy_data(d["data"]),
        opened_at=event.at,
        state_entered_at=event.at,
        due_at=when(d.get("due_at")),
        epoch=1,
        events=event.seq,
    )


def _enter(case: Case, event: Event, spec: WorkflowSpec) -> None:
    d = event.data
    case.state = event.dest
    case.state_entered_at = event.at
    case.epoch += 1
    case.light = "green"
    case.extension_days = 0.0
    case.due_at = when(d.get("due_at"))
    if d.get("rework"):
        case.rework += 1
    if spec.states[event.dest].final:
        case.closed_at = event.at
    revisit = spec.revisit
    if revisit is not None and event.dest == revisit.after_state:
        case.revisits = 0
        case.clean_revisits = 0
    case.revisit_pending = False


def _revisit(case: Case, event: Event, spec: WorkflowSpec) -> None:
    case.revisit_pending = False
    case.revisits += 1
    case.clean_revisits = 0 if event.data.get("rebound") else case.clean_revisits + 1


def _set_light(case: Case, event: Event, spec: WorkflowSpec) -> None:
    case.light = event.data["light"]
    if case.light == "red" and case.breached_at is None:
        case.breached_at = event.at


def _escalate(case: Case, event: Event, spec: WorkflowSpec) -> None:
    case.escalation += 1
    level = event.data.get("level")
    if level:
        case.supervision = level


def _extend(case: Case, event: Event, spec: WorkflowSpec) -> None:
    case.extension_days += float(event.data["workdays"])
    case.due_at = when(event.data.get("due_at"))
    case.light = event.data.get("light", case.light)


def _supervise(case: Case, event: Event, spec: WorkflowSpec) -> None:
    case.supervision = event.data["level"]


def _revisit_due(case: Case, event: Event, spec: WorkflowSpec) -> None:
    case.revisit_pending = True


def _replan(case: Case, event: Event, spec: WorkflowSpec) -> None:
    if "due_at" in event.data:
        case.due_at = when(event.data["due_at"])


def _move(case: Case, event: Event, spec: WorkflowSpec) -> None:
    """Into another workflow (``spec`` is the new one): its initial state, same case."""
    d = event.data
    case.workflow = d["workflow"]
    case.version = int(d["version"])
    case.category = d.get("category") or case.category
    _enter(case, event, spec)


def _migrate(case: Case, event: Event, spec: WorkflowSpec) -> None:
    """A move to another workflow version: same stay, new rules (timers set anew)."""
    d = event.data
    case.version = int(d["version"])
    case.state = event.dest
    case.epoch += 1
    case.due_at = when(d.get("due_at"))
    case.light = d.get("light", case.light)


def _nothing(case: Case, event: Event, spec: WorkflowSpec) -> None:
    return None


_APPLY: dict[str, Callable[[Case, Event, WorkflowSpec], None]] = {
    "warn": _set_light,
    "breach": _set_light,
    "escalate": _escalate,
    "extend": _extend,
    "supervise": _supervise,
    "revisit_due": _revisit_due,
    "revisit": _revisit,
    "revisit_end": _nothing,
    "replan": _replan,
    "move": _move,
    "migrate": _migrate,
}


def apply_event(case: Case, event: Event, spec: WorkflowSpec) -> None:
    """Apply one event (not ``open``) to ``case`` in place."""
    d = event.data
    changes = d.get("changes")
    if changes:
        case.data.update(copy_data(changes))
    for key in d.get("removed", ()):
        case.data.pop(key, None)
    owner = d.get("owner")
    if owner:
        case.owner = owner
    case.events = event.seq
    if d.get("note"):
        return  # a note changes no state, whatever it is called
    handler = _APPLY.get(event.trigger)
    if handler is not None:
        handler(case, event, spec)
    elif event.trigger not in ENGINE_EVENTS:
        _enter(case, event, spec)


def rebuild(events: Iterable[Event], spec_of: Callable[[str, int], WorkflowSpec]) -> Case:
    """Fold a case's event log (``open`` first) back into the case. ``rev`` is not in the log
    (it counts writes, not events) and is left 0."""
    iterator = iter(events)
    first = next(iterator)
    if first.trigger != "open":
        raise ValueError(f"case {first.case_id!r}: the log must start with 'open'")
    case = new_case(first)
    spec = spec_of(case.workflow, case.version)
    for event in iterator:
        if event.trigger == "move" and not event.data.get("note"):
            spec = spec_of(event.data["workflow"], int(event.data["version"]))
        apply_event(case, event, spec)
        if case.version != spec.version:  # a migration: later events follow the new rules
            spec = spec_of(case.workflow, case.version)
    return case
