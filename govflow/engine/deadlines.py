"""When a state's deadline warns and breaches, and which timers entering a state sets."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from govflow.engine.ids import new_id
from govflow.errors import WorkflowError
from govflow.records import Case, Timer
from govflow.workflows.spec import DeadlineSpec, WorkflowSpec
from govflow.worktime import Duration, WorkCalendar, parse_duration


def timer_id() -> str:
    return new_id()


def case_limit(deadline: DeadlineSpec, data: dict[str, Any]) -> Duration:
    """The state's limit, or the case's own one from ``limit_field`` (e.g. a rectification
    period set by the inspector: ``"15 days"`` or a number of days)."""
    field = deadline.limit_field
    value = data.get(field) if field else None
    if value is None or value == "":
        return deadline.limit
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value <= 0:
            raise WorkflowError(f"data.{field} = {value!r}: a limit must be a positive number "
                                "of days or a duration such as '10 days'")
        return Duration(float(value), "days")
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise WorkflowError(f"data.{field} = {value!r} is not a duration: {exc}") from exc


def case_due(cal: WorkCalendar, deadline: DeadlineSpec, data: dict[str, Any]) -> datetime | None:
    """The case's own due time from ``due_field`` (None when the field is absent or empty):
    ISO 8601, a time without an offset read in the calendar's zone."""
    field = deadline.due_field
    value = data.get(field) if field else None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise WorkflowError(f"data.{field} = {value!r}: a due time must be an ISO 8601 "
                            "string such as '2026-12-04T17:00:00+08:00'")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise WorkflowError(f"data.{field} = {value!r} is not an ISO 8601 time: {exc}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=cal.tz)
    return moment.astimezone(UTC)


def deadline_times(
    cal: WorkCalendar, deadline: DeadlineSpec, start: datetime, data: dict[str, Any],
    extension_days: float = 0.0,
) -> tuple[datetime, datetime, datetime]:
    """(yellow, red, due) for a state entered at ``start``. ``due`` is 100 % of the limit with
    approved extension work days added; yellow and red are their fractions of it, counted in
    work time when the limit is in work units."""
    own = case_due(cal, deadline, data)
    if own is not None:
        due = own
        if extension_days:
            due = cal.add(due, Duration(extension_days, "workdays"))
        span = max(due - start, timedelta(0))
        return start + span * deadline.yellow_at, start + span * deadline.red_at, due
    limit = case_limit(deadline, data)
    if not extension_days:
        due = cal.add(start, limit)
        yellow = cal.add(start, limit.scaled(deadline.yellow_at))
        red = due if deadline.red_at == 1.0 else cal.add(start, limit.scaled(deadline.red_at))
        return yellow, red, due
    due = cal.add(cal.add(start, limit), Duration(extension_days, "workdays"))
    if limit.is_work_time:
        hours = cal.work_time_between(start, due) / timedelta(hours=1)
        yellow = cal.add(start, Duration(hours * deadline.yellow_at, "workhours"))
        red = due if deadline.red_at == 1.0 else cal.add(
            start, Duration(hours * deadline.red_at, "workhours"))
    else:
        span = due - start
        yellow = start + span * deadline.yellow_at
        red = start + span * deadline.red_at
    return yellow, red, due


def entry_timers(
    cal: WorkCalendar, spec: WorkflowSpec, case: Case, times: tuple[datetime, datetime, datetime]
    | None,
) -> list[Timer]:
    """The timers a case sets on entering its current state (after the entry is applied).

    A timer counted in work time over a day of a provisional year is marked ``provisional``
    (:func:`any_provisional` tells whether a list holds one, for the event's data)."""
    if times is None and not spec.supervision and spec.revisit is None:
        return []
    timers: list[Timer] = []
    start = case.state_entered_at
    if times is not None:
        yellow, red, due = times
        stamp = {"due": due.isoformat()}
        work = _deadline_in_work_time(spec, case)
        shaky = work and cal.provisional_between(start, due)
        if yellow < red:
            timers.append(Timer(timer_id(), case.id, "yellow", yellow, case.epoch, stamp,
                                provisional=shaky and cal.provisional_between(start, yellow)))
        timers.append(Timer(timer_id(), case.id, "red", red, case.epoch, stamp,
                            provisional=shaky and cal.provisional_between(start, red)))
        deadline = spec.states[case.state].deadline
        for n, step in enumerate(deadline.on_breach.ladder if deadline else ()):
            at = due if step.after is None else cal.add(due, step.after)
            timers.append(Timer(timer_id(), case.id, "ladder", at, case.epoch,
                                {**stamp, "step": n}))
    for rule in spec.supervision:
        if rule.state == case.state:
            at, shaky = cal.add_checked(start, rule.after)
            timers.append(Timer(timer_id(), case.id, "supervise", at, case.epoch,
                                {"level": rule.level}, provisional=shaky))
    revisit = spec.revisit
    if revisit is not None and revisit.after_state == case.state:
        timer = revisit_timer(cal, spec, case, 1)
        if timer is not None:
            timers.append(timer)
    return timers


def any_provisional(timers: list[Timer]) -> bool:
    """Whether one of ``timers`` is provisional."""
    return any(timer.provisional for timer in timers)


def _deadline_in_work_time(spec: WorkflowSpec, case: Case) -> bool:
    """Whether the current state's deadline (or an extension of it) counts work time."""
    deadline = spec.states[case.state].deadline
    if deadline is None:
        return False
    if case.extension_days:
        return True  # extensions are work days
    try:
        return case_limit(deadline, case.data).is_work_time
    except WorkflowError:
        return True


def revisit_timer(cal: WorkCalendar, spec: WorkflowSpec, case: Case, n: int) -> Timer | None:
    """The timer for revisit ``n`` of the current cycle, or None past the cycle's end."""
    assert spec.revisit is not None
    offset = spec.revisit.offset(n)
    if offset is None:
        return None
    at, shaky = cal.add_checked(case.state_entered_at, offset)
    return Timer(timer_id(), case.id, "revisit", at, case.epoch, {"n": n}, provisional=shaky)
