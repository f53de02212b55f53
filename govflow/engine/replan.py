"""Re-planning: recompute the pending timers of open cases and move those that differ.

When the work calendar changes (a provisional year becomes official, the file gains a day
off, chinese-calendar is upgraded), the due times already set were counted on the old days.
:func:`recompute_timers` gives, for one case, what its pending timers would be under the
calendar and workflow spec in force now; :func:`replan_case` writes the difference into a
:class:`~govflow.engine.batch.Batch` as one audited ``replan`` event; :func:`replan` walks
every open case, one optimistic commit per case, so it is safe while workers tick.

Reuse: :func:`recompute_timers` is pure (no store, no clock) and takes the spec to plan with,
so moving a case to another workflow version can recompute its timers the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govflow.engine.batch import Batch
from govflow.engine.deadlines import deadline_times, entry_timers, revisit_timer
from govflow.engine.runtime import Runtime
from govflow.errors import CaseNotFound, ConflictError, ContentionError
from govflow.records import SYSTEM_ACTOR, Case, Timer
from govflow.workflows.spec import WorkflowSpec
from govflow.worktime import WorkCalendar

log = logging.getLogger("govflow.engine.replan")

#: how many times one case is re-read and re-planned after losing a race to a worker
_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Move:
    """One pending timer whose due time (or provisional mark) changes."""

    case_id: str
    kind: str
    old: datetime
    new: datetime | None
    old_provisional: bool
    new_provisional: bool

    def as_data(self) -> dict[str, Any]:
        """The move as JSON for the event log."""
        return {"kind": self.kind, "old": self.old.isoformat(),
                "new": self.new.isoformat() if self.new else None,
                "old_provisional": self.old_provisional,
                "provisional": self.new_provisional}


@dataclass(slots=True)
class Recomputed:
    """A case's timers as they would be set now (see :func:`recompute_timers`)."""

    #: the current state's due time (``Case.due_at``) under the calendar and spec given
    due_at: datetime | None
    #: one new timer (new id) per pending timer that still applies, same kind and payload
    timers: list[Timer] = field(default_factory=list)
    #: the pending timers that move, change mark, or no longer apply (``new`` None)
    moves: list[Move] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.moves)


def recompute_timers(
    cal: WorkCalendar, spec: WorkflowSpec, case: Case, pending: Sequence[Timer],
) -> Recomputed:
    """What ``case``'s ``pending`` timers would be if set now on ``cal`` with ``spec``.

    Deadline timers (yellow, red) are counted from ``case.state_entered_at`` with the case's
    approved extension; supervision timers by their level; a revisit timer by its number
    ``n``. A timer that has fired is not pending and is never set again. Pure: reads no store.
    """
    state = spec.states.get(case.state)
    times = None
    if state is not None and state.deadline is not None:
        times = deadline_times(cal, state.deadline, case.state_entered_at, case.data,
                               case.extension_days)
    due_at = times[2] if times is not None else None
    fresh: dict[tuple[str, Any], Timer] = {}
    if state is not None:
        for timer in entry_timers(cal, spec, case, times):
            if timer.kind != "revisit":
                fresh[_key(timer)] = timer
    out = Recomputed(due_at)
    for old in pending:
        new: Timer | None
        if old.kind == "revisit":
            new = (revisit_timer(cal, spec, case, int(old.payload.get("n", 1)))
                   if spec.revisit is not None else None)
        else:
            new = fresh.get(_key(old))
        if new is not None:
            out.timers.append(new)
        if new is None or new.due_at != old.due_at or new.provisional != old.provisional:
            out.moves.append(Move(case.id, old.kind, old.due_at,
                                  new.due_at if new else None, old.provisional,
                                  new.provisional if new else False))
    if case.due_at != due_at and not any(m.kind == "red" for m in out.moves) and any(
            t.kind == "red" for t in pending):
        # the due time moved without the red light (red before 100 %): still a change
        red = next(t for t in pending if t.kind == "red")
        out.moves.append(Move(case.id, "due", case.due_at or red.due_at, due_at,
                              red.provisional, red.provisional))
    return out


def _key(timer: Timer) -> tuple[str, Any]:
    return timer.kind, timer.payload.get("level")


def replan_case(batch: Batch, case_id: str, pending: Sequence[Timer],
                reason: str = "work calendar changed") -> list[Move]:
    """Write one ``replan`` event for the case into ``batch`` if its timers move.

    Cancels every pending timer of the kinds concerned and sets their recomputed
    counterparts; ``Case.due_at`` follows the new due time. Returns the moves (none: nothing
    written)."""
    case = batch.case(case_id)
    if case.is_closed:
        return []
    spec = batch.rt.spec(case.workflow, case.version)
    plan = recompute_timers(batch.rt.calendar, spec, case, pending)
    if not plan.changed:
        return []
    batch.begin(case)
    batch.cancel(tuple(sorted({t.kind for t in pending})))
    data: dict[str, Any] = {"moves": [m.as_data() for m in plan.moves],
                            "due_at": plan.due_at.isoformat() if plan.due_at else None}
    if any(t.provisional for t in plan.timers):
        data["provisional"] = True
    batch.emit(case, spec, "replan", actor=SYSTEM_ACTOR, data=data, reason=reason)
    batch.timers(plan.timers)
    batch.finish()
    return plan.moves


def replan(
    rt: Runtime, now: Callable[[], datetime], commit: Callable[[Batch], None], *,
    dry_run: bool = False, case_ids: Iterable[str] | None = None,
) -> list[Move]:
    """Re-plan every open case (or those named): one commit per case that changes, through
    ``commit`` (the engine's, with its optimistic ``rev`` check); a case another worker
    changed meanwhile is read again and planned again. With ``dry_run`` nothing is written.
    """
    store = rt.store
    ids = list(case_ids) if case_ids is not None else [c.id for c in store.find_open_cases()]
    moves: list[Move] = []
    for case_id in ids:
        for attempt in range(_ATTEMPTS):
            batch = Batch(rt, now())
            try:
                found = replan_case(batch, case_id, store.pending_timers(case_id))
            except CaseNotFound:
                break
            if dry_run or not found:
                moves.extend(found)
                break
            try:
                commit(batch)
            except (ConflictError, ContentionError):
                log.info("replan of case %s lost a race (try %d); reading it again",
                         case_id, attempt + 1)
                continue
            moves.extend(found)
            break
        else:
            raise ConflictError(case_id=case_id, expected=0, actual=None)
    return moves
