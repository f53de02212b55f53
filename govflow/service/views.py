"""Records as JSON: cases, events, timers, dead letters; times in the service's zone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from govflow.records import Case, DeadLetter, Event, Timer


def when(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


def case_view(case: Case, zone: tzinfo) -> dict[str, Any]:
    """A case as the API shows it; ``version`` is the optimistic version to send back."""
    return {
        "id": case.id, "workflow": case.workflow, "workflow_version": case.version,
        "state": case.state, "cell": case.cell, "owner": case.owner,
        "category": case.category, "source": case.source, "data": case.data,
        "opened_at": when(case.opened_at, zone),
        "state_entered_at": when(case.state_entered_at, zone),
        "closed_at": when(case.closed_at, zone), "due_at": when(case.due_at, zone),
        "light": case.light, "breached_at": when(case.breached_at, zone),
        "escalation": case.escalation, "supervision": case.supervision,
        "extension_days": case.extension_days, "rework": case.rework,
        "revisits": case.revisits, "revisit_pending": case.revisit_pending,
        "events": case.events, "version": case.rev,
    }


def event_view(event: Event, zone: tzinfo) -> dict[str, Any]:
    return {
        "seq": event.seq, "at": when(event.at, zone), "actor": event.actor,
        "role": event.role, "trigger": event.trigger, "from": event.source,
        "to": event.dest, "reason": event.reason, "data": event.data,
    }


def timer_view(timer: Timer, zone: tzinfo) -> dict[str, Any]:
    return {"id": timer.id, "kind": timer.kind, "due_at": when(timer.due_at, zone),
            "payload": timer.payload}


def dead_letter_view(letter: DeadLetter, zone: tzinfo) -> dict[str, Any]:
    return {"id": letter.id, "source": letter.source, "record_id": letter.record_id,
            "reason": letter.reason, "payload": letter.payload, "at": when(letter.at, zone)}
