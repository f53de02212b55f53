"""An in-memory store: the reference semantics of :class:`~govflow.store.base.Store`.

For tests, dry runs and simulations. Nothing survives the process.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from govflow.errors import CaseNotFound, ConflictError
from govflow.records import Case, Change, DeadLetter, Event, Message, Timer


class MemoryStore:
    """Keeps everything in dicts; commits are all-or-nothing like a database transaction."""

    url = "memory://"

    def __init__(self) -> None:
        self._cases: dict[str, Case] = {}
        self._events: dict[str, list[Event]] = {}
        self._timers: dict[str, Timer] = {}
        self._case_timers: dict[str, set[str]] = {}
        self._heap: list[tuple[datetime, str]] = []
        self._outbox: dict[str, Message] = {}
        self._delivered: set[str] = set()
        self._dead: list[DeadLetter] = []
        self._cursors: dict[str, str] = {}
        self._versions: dict[tuple[str, int], tuple[str, str]] = {}

    # -- writing -------------------------------------------------------------------------
    def commit(
        self, changes: Sequence[Change], *, cursor: tuple[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (),
    ) -> None:
        self._check(changes)
        for change in changes:
            self._apply(change)
        if cursor is not None:
            self._cursors[cursor[0]] = cursor[1]
        self._dead.extend(dead_letters)

    def _check(self, changes: Sequence[Change]) -> None:
        seen: dict[str, int | None] = {}
        for change in changes:
            case = change.case
            current = seen.get(case.id)
            if current is None:
                stored = self._cases.get(case.id)
                current = stored.rev if stored is not None else None
            expected = change.expected_rev
            if (expected is None and current is not None) or (
                expected is not None and current != expected
            ):
                raise ConflictError(case_id=case.id, expected=expected or 0, actual=current)
            fired = change.fired_timer
            if fired is not None:
                timer = self._timers.get(fired)
                if timer is None or timer.fired_at is not None:
                    raise ConflictError(case_id=case.id, expected=case.rev, actual=current)
            seen[case.id] = case.rev

    def _apply(self, change: Change) -> None:
        case = change.case
        self._cases[case.id] = case.copy()
        if change.events:
            self._events.setdefault(case.id, []).extend(change.events)
        now = change.events[-1].at if change.events else case.state_entered_at
        if change.fired_timer is not None:
            self._finish(change.fired_timer, now)
        owned = self._case_timers.get(case.id) if change.cancel_kinds else None
        if owned:
            for timer_id in list(owned):
                if self._timers[timer_id].kind in change.cancel_kinds:
                    self._finish(timer_id, None)
        for timer in change.timers:
            self._timers[timer.id] = timer
            self._case_timers.setdefault(case.id, set()).add(timer.id)
            heapq.heappush(self._heap, (timer.due_at, timer.id))
        for message in change.outbox:
            self._outbox.setdefault(message.id, message)

    def _finish(self, timer_id: str, at: datetime | None) -> None:
        """Fire (``at`` given) or cancel (``at`` None, the timer is forgotten) a timer."""
        timer = self._timers.get(timer_id)
        if timer is None:
            return
        owned = self._case_timers.get(timer.case_id)
        if owned is not None:
            owned.discard(timer_id)
        if at is None:
            del self._timers[timer_id]
        else:
            self._timers[timer_id] = replace(timer, fired_at=at)

    def drop_timers(self, timer_ids: Iterable[str], at: datetime) -> None:
        for timer_id in timer_ids:
            timer = self._timers.get(timer_id)
            if timer is not None and timer.fired_at is None:
                self._finish(timer_id, at)

    # -- reading -------------------------------------------------------------------------
    def get_case(self, case_id: str) -> Case:
        try:
            return self._cases[case_id].copy()
        except KeyError:
            raise CaseNotFound(case_id) from None

    def history(self, case_id: str) -> list[Event]:
        if case_id not in self._cases:
            raise CaseNotFound(case_id)
        return list(self._events.get(case_id, ()))

    def find_open_cases(
        self, *, cell: str | None = None, category: str | None = None,
        opened_after: datetime | None = None, workflow: str | None = None,
    ) -> list[Case]:
        found = [
            case.copy() for case in self._cases.values()
            if case.closed_at is None
            and (workflow is None or case.workflow == workflow)
            and (cell is None or case.cell == cell)
            and (category is None or case.category == category)
            and (opened_after is None or case.opened_at >= opened_after)
        ]
        found.sort(key=lambda case: case.opened_at)
        return found

    def claim_due_timers(self, now: datetime, limit: int) -> list[Timer]:
        claimed: list[Timer] = []
        heap = self._heap
        while heap and heap[0][0] <= now and len(claimed) < limit:
            _, timer_id = heapq.heappop(heap)
            timer = self._timers.get(timer_id)
            if timer is not None and timer.fired_at is None:
                claimed.append(timer)
        return claimed

    def pending_timers(self, case_id: str) -> list[Timer]:
        timers = [self._timers[t] for t in self._case_timers.get(case_id, ())]
        return sorted(timers, key=lambda timer: (timer.due_at, timer.id))

    def next_due(self) -> datetime | None:
        heap = self._heap
        while heap:
            due, timer_id = heap[0]
            timer = self._timers.get(timer_id)
            if timer is not None and timer.fired_at is None:
                return due
            heapq.heappop(heap)
        return None

    def pending_messages(self, limit: int) -> list[Message]:
        pending = [m for m in self._outbox.values() if m.id not in self._delivered]
        return pending[:limit]

    def mark_delivered(self, message_ids: Iterable[str]) -> None:
        self._delivered.update(message_ids)

    def get_cursor(self, source: str) -> str | None:
        return self._cursors.get(source)

    def add_dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        self._dead.extend(letters)

    def dead_letters(self, source: str | None = None) -> list[DeadLetter]:
        return [d for d in self._dead if source is None or d.source == source]

    def keep_workflow(self, name: str, version: int, text: str, digest: str) -> str | None:
        kept = self._versions.get((name, version))
        if kept is not None:
            return kept[1]
        self._versions[(name, version)] = (text, digest)
        return None

    def workflow_versions(self) -> list[tuple[str, int, str, str]]:
        return [(n, v, t, d) for (n, v), (t, d) in sorted(self._versions.items())]

    def iter_cases(self) -> Iterable[Case]:
        return (case.copy() for case in self._cases.values())

    def close(self) -> None:
        """Nothing to release."""
