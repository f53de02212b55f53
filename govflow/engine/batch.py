"""A unit of work: operations on cases, gathered into ``Change``s and committed at once.

Each operation (open, fire, a timer firing, …) becomes one :class:`Change`. Several operations
on one case in the same batch chain: each sees the one before it, and the store checks their
``rev`` in order. A single ``fire`` is a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import govflow.widths as widths
from govflow.engine.ids import new_id
from govflow.engine.reducer import apply_event
from govflow.engine.runtime import Runtime
from govflow.errors import DataError
from govflow.records import Actor, Case, Change, Event, Message, Timer
from govflow.workflows.spec import WorkflowSpec


@dataclass(frozen=True, slots=True)
class Savepoint:
    """A place in a batch to roll back to."""

    changes: int
    dropped: int
    keeps: int
    case_id: str | None
    case: Case | None
    last: Case | None


class Batch:
    """Working copies of the cases touched, and the changes made so far."""

    def __init__(self, rt: Runtime, now: datetime) -> None:
        self.rt = rt
        self.now = now
        self.changes: list[Change] = []
        self.dropped: list[str] = []
        #: workflow versions the store must keep before this batch's changes are written
        self.keeps: list[WorkflowSpec] = []
        self._cases: dict[str, Case] = {}
        self._pending: set[str] = set()
        self._last: dict[str, Case] = {}
        self._open: Change | None = None

    # -- cases -----------------------------------------------------------------------------
    def case(self, case_id: str) -> Case:
        """The working copy of a case (read from the store the first time)."""
        case = self._cases.get(case_id)
        if case is None:
            case = self._cases[case_id] = self.rt.store.get_case(case_id)
        elif case_id in self._pending:
            # an earlier change of this batch holds that object: go on with a copy
            case = self._cases[case_id] = case.copy()
            self._pending.discard(case_id)
        return case

    def adopt(self, case: Case) -> None:
        """Take a case that is new in this batch."""
        self._cases[case.id] = case

    # -- one operation ---------------------------------------------------------------------
    def begin(self, case: Case, *, new: bool = False, fired_timer: str | None = None) -> Change:
        change = Change(case=case, expected_rev=None if new else case.rev,
                        fired_timer=fired_timer)
        self._open = change
        return change

    def emit(
        self, case: Case, spec: WorkflowSpec, trigger: str, *, actor: Actor,
        dest: str | None = None, data: dict[str, Any] | None = None, reason: str = "",
        source: str | None = None,
    ) -> Event:
        """Write an event into the open change and apply it to the case."""
        event = Event(
            case_id=case.id, seq=case.events + 1, at=self.now, actor=actor.id,
            role=role_names(actor), trigger=trigger,
            source=case.state if source is None else source,
            dest=case.state if dest is None else dest, reason=reason, data=data or {},
        )
        if trigger == "open":
            case.events = event.seq
        else:
            apply_event(case, event, spec)
        assert self._open is not None
        self._open.events.append(event)
        return event

    def timers(self, timers: list[Timer]) -> None:
        if timers:
            assert self._open is not None
            self._open.timers.extend(timers)

    def cancel(self, kinds: tuple[str, ...]) -> None:
        """Cancel the case's pending timers of these kinds (with the open change)."""
        change = self._open
        assert change is not None
        current = change.cancel_kinds
        change.cancel_kinds = kinds if not current else tuple(sorted({*current, *kinds}))

    def notify(self, case: Case, kind: str, recipient: str, payload: dict[str, Any]) -> None:
        """Queue a message with the open change. Its id (the idempotency key) is the case, the
        ``rev`` this change writes and the message's place in it: unique, and the same if the
        change is ever retried."""
        change = self._open
        assert change is not None
        if len(kind) > widths.KIND or len(recipient) > widths.NAME:
            fix = (f"keep a message's kind to {widths.KIND} characters and its recipient to "
                   f"{widths.NAME} (a person or node id)")
            raise DataError(f"case {case.id}: notices: the message {kind[:40]!r} to "
                            f"{recipient[:40]!r} ({len(kind)} and {len(recipient)} characters) "
                            f"is too long for the outbox; {fix}", field="notices", fix=fix)
        message_id = f"{case.id}:{(change.expected_rev or 0) + 1}:{len(change.outbox)}"
        change.outbox.append(Message(message_id, case.id, kind, recipient, self.now, payload))

    def finish(self) -> Change:
        change = self._open
        assert change is not None
        self._open = None
        case = change.case
        case.rev = (change.expected_rev or 0) + 1
        self.changes.append(change)
        self._pending.add(case.id)
        self._last[case.id] = case
        return change

    def discard(self) -> None:
        """Drop the open change, which changed nothing (a timer with nothing to do). A failed
        operation is undone with :meth:`rollback` instead."""
        self._open = None

    def savepoint(self, case_id: str | None) -> Savepoint:
        """Where the batch stands before an operation on ``case_id`` (None: a new case)."""
        if case_id is not None and case_id in self._cases:
            self._pending.add(case_id)  # the next access works on a copy: this one is kept
        return Savepoint(len(self.changes), len(self.dropped), len(self.keeps), case_id,
                         self._cases.get(case_id) if case_id else None,
                         self._last.get(case_id) if case_id else None)

    def rollback(self, point: Savepoint) -> None:
        """Undo everything since ``point``: an operation counts whole or not at all (a breach
        whose trigger fails is not written without it, and its timer fires again later)."""
        self._open = None
        del self.changes[point.changes:]
        del self.dropped[point.dropped:]
        del self.keeps[point.keeps:]
        case_id = point.case_id
        if case_id is None:
            return
        if point.case is None:
            self._cases.pop(case_id, None)
            self._pending.discard(case_id)
        else:
            self._cases[case_id] = point.case
            self._pending.add(case_id)
        if point.last is None:
            self._last.pop(case_id, None)
        else:
            self._last[case_id] = point.last

    def keep(self, spec: WorkflowSpec) -> None:
        """The store must keep ``spec`` (once per process) when this batch is committed, so
        that a batch refused before its commit writes nothing at all."""
        if spec.key not in self.rt.kept:
            self.keeps.append(spec)

    def drop_timer(self, timer_id: str) -> None:
        """A claimed timer that has nothing to do (stale): marked done after the commit."""
        self.dropped.append(timer_id)


_ROLE_NAMES: dict[frozenset[str], str] = {}


def role_names(actor: Actor) -> str:
    """The actor's roles as the event log writes them, sorted and joined by commas (cached:
    one per set of roles). An actor holding more than the log's column keeps (a commander
    with every role) is written as the first roles and ``+N`` for the rest: the actor id and
    its key's full roles stay on record."""
    name = _ROLE_NAMES.get(actor.roles)
    if name is None:
        roles = sorted(actor.roles)
        kept = len(roles)
        name = ",".join(roles)
        while len(name) > widths.NAME:  # drop roles from the end until the rest and +N fit
            kept -= 1
            name = ",".join([*roles[:kept], f"+{len(roles) - kept}"])
        _ROLE_NAMES[actor.roles] = name
    return name


def new_case_id() -> str:
    return new_id()
