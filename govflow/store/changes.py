"""Turn a list of :class:`~govflow.records.Change` into row batches for one commit.

Pure Python, no SQL: it settles what the reference store does in memory (chains of changes to
one case inside one commit, timers set and cancelled within the commit) so that the SQL store
can then write each table with one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from govflow.errors import ConflictError
from govflow.records import Case, Change, Event, Message, Timer

#: case columns in the field order of :class:`Case` (so ``Case(*row)`` rebuilds one)
CASE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Case))
EVENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Event))
TIMER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Timer))
MESSAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Message))


@dataclass(slots=True)
class Plan:
    """The rows one commit writes, table by table, in the order they must be written."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    fired: list[dict[str, Any]] = field(default_factory=list)
    #: one entry per distinct set of kinds: ``{"b_cases": [...], "b_kinds": [...]}``
    cancels: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    #: case id -> rev expected in the database (None: a new case), for conflict messages
    expected: dict[str, int | None] = field(default_factory=dict)


def case_row(case: Case) -> dict[str, Any]:
    """The column values of a case row."""
    return {name: getattr(case, name) for name in CASE_FIELDS}


def plan(changes: Sequence[Change]) -> Plan:
    """Settle ``changes`` into row batches; raise ConflictError for a broken chain of revs."""
    out = Plan()
    final: dict[str, Case] = {}
    latest: dict[str, int] = {}
    new_timers: dict[str, dict[str, Any]] = {}
    #: the new timers of each case, so that a cancel looks only at its own case's
    new_by_case: dict[str, list[str]] = {}
    db_cancels: dict[str, set[str]] = {}
    seen_messages: set[str] = set()
    for change in changes:
        case = change.case
        if case.id in latest:
            if change.expected_rev != latest[case.id]:
                raise ConflictError(case_id=case.id, expected=change.expected_rev or 0,
                                    actual=latest[case.id])
        else:
            out.expected[case.id] = change.expected_rev
        latest[case.id] = case.rev
        final[case.id] = case
        now = change.events[-1].at if change.events else case.state_entered_at
        if change.fired_timer is not None:
            out.fired.append({"b_id": change.fired_timer, "fired_at": now,
                              "b_case": case.id})
        if change.cancel_kinds:
            kinds = set(change.cancel_kinds)
            mine = new_by_case.get(case.id, [])
            for timer_id in [t for t in mine if new_timers[t]["kind"] in kinds]:
                del new_timers[timer_id]
                mine.remove(timer_id)
            if out.expected[case.id] is not None:  # a case new in this commit has none stored
                db_cancels.setdefault(case.id, set()).update(kinds)
        for timer in change.timers:
            new_by_case.setdefault(timer.case_id, []).append(timer.id)
            new_timers[timer.id] = {
                "id": timer.id, "case_id": timer.case_id, "kind": timer.kind,
                "due_at": timer.due_at, "epoch": timer.epoch, "payload": timer.payload,
                "fired_at": timer.fired_at, "provisional": timer.provisional,
                "cancelled": False,
            }
        for event in change.events:
            out.events.append({name: getattr(event, name) for name in EVENT_FIELDS})
        for message in change.outbox:
            if message.id not in seen_messages:
                seen_messages.add(message.id)
                row = {name: getattr(message, name) for name in MESSAGE_FIELDS}
                out.outbox.append(row)
    for case_id, case in final.items():
        row = case_row(case)
        expected = out.expected[case_id]
        if expected is None:
            out.inserts.append(row)
        else:
            del row["id"]
            row["b_id"] = case_id
            row["b_expected"] = expected
            out.updates.append(row)
    by_kinds: dict[tuple[str, ...], list[str]] = {}
    for case_id, kind_set in db_cancels.items():
        by_kinds.setdefault(tuple(sorted(kind_set)), []).append(case_id)
    out.cancels = [{"b_cases": ids, "b_kinds": list(kinds)} for kinds, ids in by_kinds.items()]
    out.timers = list(new_timers.values())
    return out

