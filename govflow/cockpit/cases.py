"""The two deepest levels of the drill-down: one cell's cases, one case's timeline.

A cell's cases are the snapshot's (the same reading the figures come from), read whole from
the store. A case's timeline is its event log read as a leader reads it: who did what and
when, the deadlines still pending, the moments it went yellow and red, its escalations and
revisits.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import numpy as np

from govflow.cockpit.kpi import Cockpit
from govflow.kernels.columns import NEVER
from govflow.records import Case, Event

#: how the timeline marks an event (the engine's own triggers; others are workflow steps)
KINDS = {
    "open": "opened", "warn": "yellow", "breach": "red", "escalate": "escalation",
    "extend": "extension", "supervise": "supervision", "revisit_due": "revisit",
    "revisit": "revisit", "revisit_end": "revisit",
}
KIND_LABELS = {
    "opened": "立案 opened", "yellow": "黄灯 yellow", "red": "红灯 red",
    "escalation": "升级 escalated", "extension": "延期 extended", "supervision": "督办 supervised",
    "revisit": "回访 revisit", "step": "办理 step", "closed": "结案 closed",
}
TIMER_LABELS = {"yellow": "黄灯预警 yellow at", "red": "红灯 / 期限 deadline",
                "supervise": "督办 supervision at", "revisit": "回访 revisit at",
                "ladder": "逐级升级 ladder step at"}
#: where a ladder step sends a case, as a leader reads it
LADDER_TO = {"up": "上一级 one tier up", "community": "社区 community", "street": "街道 street",
             "district": "区 district"}
#: open cases first, the reddest first, then the latest opened
_LIGHT_ORDER = {"red": 0, "yellow": 1, "green": 2}


def _when(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="minutes")


def case_summary(case: Case, zone: tzinfo) -> dict[str, Any]:
    return {
        "id": case.id, "workflow": case.workflow, "state": case.state, "cell": case.cell,
        "owner": case.owner, "category": case.category, "source": case.source,
        "light": case.light, "open": case.closed_at is None,
        "opened_at": _when(case.opened_at, zone), "closed_at": _when(case.closed_at, zone),
        "due_at": _when(case.due_at, zone), "breached_at": _when(case.breached_at, zone),
        "escalation": case.escalation, "supervision": case.supervision,
        "rework": case.rework, "revisits": case.revisits,
    }


def cell_cases(cockpit: Cockpit, store: Any, cell: str, zone: tzinfo, *, limit: int = 200
               ) -> dict[str, Any]:
    """The cases of one cell in the cockpit's reading, open and reddest first."""
    k = cockpit.node(cell)
    cols = cockpit.snapshot.columns
    idx = np.flatnonzero(cols.cell == k)
    found = [store.get_case(cockpit.snapshot.case_ids[j]) for j in idx.tolist()]
    found.sort(key=lambda c: (c.closed_at is not None, _LIGHT_ORDER.get(c.light, 3),
                              -c.opened_at.timestamp()))
    in_window = int(((cols.opened[idx] < cockpit.t1) & (cols.closed[idx] >= cockpit.t0)).sum())
    open_now = int((cols.closed[idx] == NEVER).sum())
    return {"cell": cell, "name": cockpit.names[k], "total": len(found),
            "active_in_window": in_window, "open": open_now,
            "cases": [case_summary(c, zone) for c in found[:limit]]}


def _event(event: Event, zone: tzinfo, states: dict[str, str]) -> dict[str, Any]:
    kind = KINDS.get(event.trigger, "step")
    if kind == "step" and event.dest in states.get("__final__", "").split(","):
        kind = "closed"
    return {"seq": event.seq, "at": _when(event.at, zone), "kind": kind,
            "kind_label": KIND_LABELS[kind], "trigger": event.trigger, "actor": event.actor,
            "role": event.role, "from": event.source, "to": event.dest,
            "to_title": states.get(event.dest, event.dest), "reason": event.reason}


def _node_name(grid: Any, code: str) -> str:
    """The grid's name of a node, or its code where the engine's grid names none."""
    try:
        return str(grid.node(code).name)
    except Exception:  # a hierarchy that reads codes only (or a node since removed)
        return code


def ladder(case: Case, spec: Any, events: list[Event], timers: list[Any], grid: Any,
           zone: tzinfo) -> list[dict[str, Any]]:
    """The escalation ladder of the case's current state, step by step: where each step
    sends the case and the 督办 level it sets, and its status: ``taken`` (when, to whom, who
    was on duty), ``pending`` (when it is due) or ``passed`` (its time came with nothing to
    change: the case was already that high). Empty when the state has no ladder."""
    deadline = spec.states[case.state].deadline if case.state in spec.states else None
    steps = deadline.on_breach.ladder if deadline is not None else ()
    if not steps:
        return []
    taken: dict[int, Event] = {}
    for e in events:
        if (e.trigger == "escalate" and e.at >= case.state_entered_at
                and isinstance(e.data.get("step"), int)):
            taken[e.data["step"]] = e
    due = {int(t.payload["step"]) + 1: t.due_at for t in timers
           if t.kind == "ladder" and isinstance(t.payload.get("step"), int)}
    out = []
    for n, step in enumerate(steps, start=1):
        row: dict[str, Any] = {
            "step": n, "to": step.to, "to_label": LADDER_TO.get(step.to, step.to),
            "after": str(step.after) if step.after is not None else None,
            "level": step.level, "status": "passed", "at": None}
        event = taken.get(n)
        if event is not None:
            owner = str(event.data.get("to_owner", ""))
            row.update(status="taken", at=_when(event.at, zone), owner=owner,
                       owner_name=_node_name(grid, owner), on_duty=event.data.get("on_duty"))
        elif n in due:
            row.update(status="pending", at=_when(due[n], zone))
        out.append(row)
    return out


def timeline(store: Any, case_id: str, zone: tzinfo, *, engine: Any = None
             ) -> dict[str, Any]:
    """One case: its summary, every event, the pending deadlines, the key moments and, where
    its state has one, its escalation ladder."""
    case = store.get_case(case_id)
    states: dict[str, str] = {}
    title = case.workflow
    spec = None
    if engine is not None:
        from govflow.errors import GovflowError

        try:
            spec = engine.workflow(case.workflow, case.version)
        except (GovflowError, KeyError):  # a workflow this engine has not loaded: raw names
            spec = None
        if spec is not None:
            title = getattr(spec, "title", None) or case.workflow
            finals = []
            for name, state in getattr(spec, "states", {}).items():
                states[name] = getattr(state, "title", None) or name
                if getattr(state, "final", False):
                    finals.append(name)
            states["__final__"] = ",".join(finals)
    history = store.history(case_id)
    pending = store.pending_timers(case_id)
    events = [_event(e, zone, states) for e in history]
    timers = [{"kind": t.kind, "label": TIMER_LABELS.get(t.kind, t.kind),
               "due_at": _when(t.due_at, zone)} for t in pending]
    steps = (ladder(case, spec, history, pending, engine.grid, zone)
             if spec is not None and case.closed_at is None else [])
    moments = {kind: [e["at"] for e in events if e["kind"] == kind]
               for kind in ("yellow", "red", "escalation", "revisit", "supervision",
                            "extension")}
    actors = sorted({(e["actor"], e["role"]) for e in events})
    return {"case": case_summary(case, zone), "workflow_title": title,
            "state_title": states.get(case.state, case.state), "events": events,
            "pending": timers, "moments": moments, "ladder": steps,
            "actors": [{"actor": a, "role": r} for a, r in actors]}
