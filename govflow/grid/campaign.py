"""One-click campaigns (应急处置规范化): a task on every cell under a node, tracked live.

``start_campaign`` opens one ``emergency_task`` per tier-3 cell (bulk, one transaction per
``batch`` tasks) and warns every tier at once: one ``campaign_alert`` message to the person on
duty for each node of the subtree. ``campaign_status`` counts, per node at every tier, the
cells checked in by their deadline over those required: the on-post rate (到岗率).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from govflow.engine.requests import FireRequest, OpenRequest
from govflow.errors import GridError, Problem
from govflow.grid.bulk import check_may_open, open_all
from govflow.grid.notices import post
from govflow.grid.tree import Grid
from govflow.records import Actor, Case

CATEGORY = "campaign"
ON_POST = "on_post"


@dataclass(frozen=True, slots=True)
class Campaign:
    """A started campaign: its id, where, the tasks opened and the alerts sent."""

    id: str
    name: str
    node: str
    workflow: str
    opened_at: datetime
    due_at: datetime
    tasks: int
    alerts: int


@dataclass(frozen=True, slots=True)
class NodeRate:
    """On-post figures of one node: cells required, on post in time, late, open, cancelled."""

    node: str
    tier: int
    required: int
    on_post: int
    late: int
    open: int
    cancelled: int

    @property
    def rate(self) -> float:
        """到岗率: on post by the deadline ÷ required (0 when nothing is required)."""
        return self.on_post / self.required if self.required else 0.0


def _due(engine: Any, workflow: str, start: datetime, deadline: timedelta | None) -> datetime:
    if deadline is not None:
        return start + deadline
    spec = engine.workflow(workflow)
    limit = spec.states[spec.initial].deadline
    if limit is None:
        raise GridError([Problem("<campaign>", None, workflow, f"workflow {workflow!r} has no "
                                 f"deadline on its initial state; pass deadline=")])
    result: datetime = engine.calendar.add(start, limit.limit)
    return result


def start_campaign(engine: Any, grid: Grid, node: str, *, name: str,
                   workflow: str = "emergency_task", deadline: timedelta | None = None,
                   actor: Actor, batch: int = 1000) -> Campaign:
    """Open a task on every cell under ``node`` and warn every tier; see the module doc.

    ``deadline`` overrides the workflow's limit for the on-post count (and the engine's own
    timers too when the initial state's deadline has a ``limit_field``).
    """
    grid.node(node)  # an unknown node is a GridError naming it
    check_may_open(engine, grid, node, workflow, actor)
    cells = grid.cells_under(node)
    now: datetime = engine.clock.now()
    due = _due(engine, workflow, now, deadline)
    cid = "c" + secrets.token_hex(6)
    spec = engine.workflow(workflow)
    initial = spec.states[spec.initial]
    limit_field = initial.deadline.limit_field if initial.deadline is not None else None
    native = "warn_tiers" in initial.on_enter
    anchors = _anchors(grid, node)
    base: dict[str, Any] = {"campaign": cid, "campaign_name": name, "campaign_node": node,
                            "due": due.isoformat()}
    if deadline is not None and limit_field:
        base[limit_field] = f"{deadline.total_seconds() / 60:g} min"
    requests = []
    for cell in cells:
        data = dict(base)
        if native:
            data["alert"] = anchors.get(cell, [cell])
        requests.append(OpenRequest(workflow, cell, CATEGORY, data, "campaign", cell, now,
                                    actor))

    def warn(ids: list[str]) -> int:
        notes = [(grid.on_duty(code) or code, {"node": code, "campaign": cid, "name": name,
                                                "due": due.isoformat()})
                 for code in grid.subtree(node)]
        return post(engine, ids[0], "campaign_alert", notes, actor)

    ids, posted = open_all(engine, requests, actor=actor, batch=batch,
                           then=None if native else warn)
    alerts = sum(len(v) for v in anchors.values()) if native else int(posted or 0)
    return Campaign(cid, name, node, workflow, now, due, len(ids), alerts)


def _anchors(grid: Grid, node: str) -> dict[str, list[str]]:
    """For each cell, the nodes it carries the alert for: itself and each node above it
    (within the campaign) whose first cell it is."""
    out: dict[str, list[str]] = {}
    for code in grid.subtree(node):
        first = grid.cells_under(code)
        if first:
            out.setdefault(first[0], []).append(code)
    return out


def campaign_tasks(engine: Any, campaign_id: str) -> list[Case]:
    """Every task of the campaign (open and closed)."""
    return [c for c in engine.store.iter_cases() if c.data.get("campaign") == campaign_id]


def campaign_status(engine: Any, grid: Grid, campaign_id: str) -> dict[str, NodeRate]:
    """Per node (every tier under the campaign's node), the on-post figures, rolled up."""
    tasks = campaign_tasks(engine, campaign_id)
    if not tasks:
        raise _unknown(campaign_id)
    arrays = grid.to_arrays()
    size = len(arrays.codes)
    counts = {k: np.zeros(size, dtype=np.int64) for k in ("required", "on_post", "late",
                                                            "open", "cancelled")}
    for task in tasks:
        i = arrays.index[task.cell]
        due = datetime.fromisoformat(str(task.data["due"]))
        counts["required"][i] += 1
        if not task.is_closed:
            counts["open"][i] += 1
        elif task.state == ON_POST and task.closed_at is not None and task.closed_at <= due:
            counts["on_post"][i] += 1
        elif task.state == ON_POST:
            counts["late"][i] += 1
        else:
            counts["cancelled"][i] += 1
    totals = {k: arrays.rollup(v) for k, v in counts.items()}
    root = str(tasks[0].data.get("campaign_node") or grid.root)
    out: dict[str, NodeRate] = {}
    for code in grid.subtree(root):
        i = arrays.index[code]
        out[code] = NodeRate(code, int(arrays.tier[i]), *(int(totals[k][i]) for k in
                             ("required", "on_post", "late", "open", "cancelled")))
    return out


def cancel_campaign(engine: Any, grid: Grid, campaign_id: str, *, actor: Actor,
                    reason: str, batch: int = 1000) -> int:
    """Close every open task of the campaign with trigger ``cancel``; returns how many."""
    open_ids = [c.id for c in engine.store.find_open_cases(category=CATEGORY)
                if c.data.get("campaign") == campaign_id]
    if not open_ids and not campaign_tasks(engine, campaign_id):
        raise _unknown(campaign_id)
    requests = (FireRequest(cid, "cancel", actor, None, reason) for cid in open_ids)
    count: int = engine.fire_many(requests, batch=batch)
    return count


def _unknown(campaign_id: str) -> GridError:
    return GridError([Problem("<campaign>", None, "", f"no campaign {campaign_id!r} in this "
                              "store; use the id `govflow campaign start` printed (c + 12 hex "
                              "digits)")])
