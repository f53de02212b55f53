"""Recurring patrols (常态化巡查): schedules that open patrol tasks on the calendar.

A :class:`PatrolSchedule` belongs to a cell or a hot spot on it and names its peak hours
(高发时段, local times such as ``"11:30"`` and ``"20:00"``) and which days it runs: ``workdays``
(the work calendar's, so official holidays are skipped and make-up working weekends 调休 are
patrolled) or ``daily`` (night markets, every day). :func:`open_patrols` opens one ``patrol``
case per slot in a period, idempotently (a slot already opened is not opened again).
:func:`record_patrol` records what the patrol found: nothing closes it ``ok``; each finding
opens the right case — rectification, street vending, or an incident (``standard_case``) —
linked to the patrol (``data.patrol``), and the patrol is ``handed_off`` with their ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from govflow.engine.requests import OpenRequest
from govflow.errors import GridError, Problem
from govflow.records import Actor, Case

WORKFLOW = "patrol"
CATEGORY = "scheduled_patrol"

#: what a patrol finding opens: kind → (workflow, data defaults)
FINDING_WORKFLOWS: dict[str, tuple[str, dict[str, Any]]] = {
    "street_vending": ("street_vending", {}),
    "oil_fumes": ("rectification", {"rectify_within": "10 days"}),
    "hoarding": ("rectification", {"rectify_within": "3 days"}),
    "gas_safety": ("rectification", {"rectify_within": "7 days"}),
    "incident": ("standard_case", {"severity": 2}),
}


@dataclass(frozen=True, slots=True)
class PatrolSchedule:
    """A recurring patrol of one cell (or a hot spot on it)."""

    name: str
    cell: str
    site: str
    times: tuple[str, ...]
    days: Literal["workdays", "daily"] = "workdays"

    def slot_times(self) -> list[time]:
        out = []
        for text in self.times:
            try:
                out.append(time.fromisoformat(text))
            except ValueError:
                raise GridError([Problem("<patrol schedule>", None, self.name,
                                         f"time {text!r} is not HH:MM")]) from None
        return out


def slots(schedule: PatrolSchedule, calendar: Any, start: date, end: date) -> list[datetime]:
    """The schedule's patrol moments on the days ``start`` .. ``end`` (inclusive), local."""
    tz = calendar.tz
    out: list[datetime] = []
    day = start
    while day <= end:
        if schedule.days == "daily" or calendar.is_workday(day):
            out.extend(datetime.combine(day, t, tzinfo=tz) for t in schedule.slot_times())
        day += timedelta(days=1)
    return out


def open_patrols(engine: Any, schedules: Iterable[PatrolSchedule], start: date, end: date,
                 *, actor: Actor) -> list[str]:
    """Open the patrol task of every slot from ``start`` to ``end`` not yet opened."""
    seen = {str(c.data.get("slot")) for c in engine.store.iter_cases()
            if c.category == CATEGORY}
    requests = []
    for schedule in schedules:
        for moment in slots(schedule, engine.calendar, start, end):
            key = f"{schedule.name}@{moment.isoformat()}"
            if key in seen:
                continue
            seen.add(key)
            requests.append(OpenRequest(
                WORKFLOW, schedule.cell, CATEGORY,
                {"site": schedule.site, "schedule": schedule.name, "slot": key, "issues": 0},
                "patrol_schedule", schedule.cell, moment, actor))
    ids: list[str] = engine.open_cases(requests, actor=actor) if requests else []
    return ids


def record_patrol(engine: Any, case_id: str, *, actor: Actor,
                  findings: Sequence[dict[str, Any]] = ()) -> tuple[Case, list[Case]]:
    """The patrol was walked; each finding ``{"kind": ..., "what": ...}`` opens its case."""
    patrol = engine.case(case_id)
    if patrol.workflow != WORKFLOW:
        raise GridError([Problem("<patrol>", None, case_id,
                                 f"case {case_id!r} is a {patrol.workflow!r} case, not a patrol")])
    unknown = [f.get("kind") for f in findings if f.get("kind") not in FINDING_WORKFLOWS]
    if unknown:
        raise GridError([Problem("<patrol>", None, str(kind), f"finding kind {kind!r}: use one "
                                 f"of {sorted(FINDING_WORKFLOWS)}") for kind in unknown])
    engine.fire(case_id, "inspect", actor=actor, data={"issues": len(findings)})
    if not findings:
        return engine.fire(case_id, "ok", actor=actor), []
    opened: list[Case] = []
    for finding in findings:
        kind = str(finding["kind"])
        workflow, defaults = FINDING_WORKFLOWS[kind]
        what = str(finding.get("what") or patrol.data.get("site") or "")
        data = {**defaults, "patrol": case_id, "description": what}
        if workflow == "rectification":
            data["shop"] = what
        elif workflow == "street_vending":
            data["location"] = what
        opened.append(engine.open_case(workflow, cell=patrol.cell, actor=actor,
                                       category=kind, data=data, source="patrol"))
    done = engine.fire(case_id, "found_issues", actor=actor,
                       data={"handed_to": [c.id for c in opened]})
    return done, opened
