"""An in-memory store: the reference semantics of :class:`~govflow.store.base.Store`.

For tests, dry runs and simulations. Nothing survives the process.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from govflow.errors import CaseNotFound, ConflictError, DeadLetterGone, ServiceError
from govflow.records import ApiKey, Case, Change, DeadLetter, Event, Message, Timer
from govflow.store.query import CasePage, CaseQuery, matches, needs_last_event


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
        self._keys: dict[str, ApiKey] = {}
        self._versions: dict[tuple[str, int], tuple[str, str]] = {}

    # -- writing -------------------------------------------------------------------------
    def commit(
        self, changes: Sequence[Change], *, cursor: tuple[str, str] | None = None,
        dead_letters: Sequence[DeadLetter] = (), retired: Sequence[str] = (),
    ) -> None:
        self._check(changes)
        wanted = set(retired)
        if not wanted <= {d.id for d in self._dead}:
            raise DeadLetterGone(f"dead letter(s) {', '.join(sorted(wanted))} were re-driven "
                                 "or removed already; nothing was written")
        for change in changes:
            self._apply(change)
        if cursor is not None:
            self._cursors[cursor[0]] = cursor[1]
        self._dead = [d for d in self._dead if d.id not in wanted]
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

    def dead_letters(self, source: str | None = None, *,
                     limit: int | None = None) -> list[DeadLetter]:
        found = [d for d in self._dead if source is None or d.source == source]
        return found if limit is None else found[:limit]

    def bury_timer(self, timer_id: str, letter: DeadLetter) -> None:
        timer = self._timers.get(timer_id)
        if timer is not None and timer.fired_at is None:
            self._finish(timer_id, None)
        self._dead.append(letter)

    def count_dead_letters(self, source: str | None = None) -> int:
        return sum(1 for d in self._dead if source is None or d.source == source)

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

    # -- service keys --------------------------------------------------------------------
    def add_key(self, key: ApiKey) -> None:
        if key.name in self._keys:
            raise ServiceError(f"a key named {key.name!r} exists already; pick another "
                               "name (revoked keys keep theirs)")
        self._keys[key.name] = key

    def find_key(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self._keys.values() if k.key_hash == key_hash), None)

    def list_keys(self) -> list[ApiKey]:
        return [self._keys[name] for name in sorted(self._keys)]

    def revoke_key(self, name: str, at: datetime) -> bool:
        key = self._keys.get(name)
        if key is None or key.revoked_at is not None:
            return False
        self._keys[name] = replace(key, revoked_at=at)
        return True

    # -- service reads -------------------------------------------------------------------
    def search_cases(self, query: CaseQuery) -> CasePage:
        """Cases matching ``query`` in the order opened, one page (positions from 1)."""
        page = CasePage()
        last = needs_last_event(query)
        for position, case in enumerate(self._cases.values(), start=1):
            if position <= query.after:
                continue
            events = self._events.get(case.id) if last else None
            if not matches(case, query, events[-1].at if events else None):
                continue
            if len(page.cases) == query.limit:
                page.next = page.positions[-1]
                break
            page.cases.append(case.copy())
            page.positions.append(position)
        return page

    def last_events(self, case_ids: Iterable[str]) -> dict[str, Event]:
        """The last event of each case, by case id (cases without events left out)."""
        found = {cid: self._events[cid][-1] for cid in case_ids if self._events.get(cid)}
        return found

    def service_figures(self, now: datetime) -> dict[str, float]:
        """Timers due and late (over a minute), dead letters, outbox backlog and lag."""
        late = now - timedelta(minutes=1)
        pending = [t for t in self._timers.values() if t.fired_at is None]
        waiting = [m for m in self._outbox.values() if m.id not in self._delivered]
        oldest = min((m.created_at for m in waiting), default=None)
        return {
            "timers_due": sum(1 for t in pending if t.due_at <= now),
            "timers_late": sum(1 for t in pending if t.due_at <= late),
            "dead_letters": len(self._dead),
            "outbox_pending": len(waiting),
            "outbox_lag_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        }

    def remove_dead_letters(self, ids: Iterable[str]) -> int:
        """Forget dead letters (re-driven ones); returns how many were removed."""
        gone = set(ids)
        before = len(self._dead)
        self._dead = [d for d in self._dead if d.id not in gone]
        return before - len(self._dead)
