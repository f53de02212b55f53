"""The panels beside the cases: campaigns and their warnings (应急), command dispatch
acknowledgements (指挥调度), volunteer recruitment fill (社会动员) and public-opinion topics
(舆情). Each is counted from what the store holds; a panel with nothing to count says so
(``empty`` with the reason) instead of showing figures that do not exist.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from govflow.cockpit.cases import _when
from govflow.cockpit.kpi import Cockpit
from govflow.cockpit.live import Reading
from govflow.grid.campaign import CATEGORY as CAMPAIGN
from govflow.grid.dispatch import CATEGORY as COMMAND_ORDER
from govflow.grid.dispatch import RECRUITMENT
from govflow.kernels.columns import NEVER
from govflow.records import Case

ACKNOWLEDGED = ("acknowledged", "done")
#: the note a campaign writes on its first task when it warns every tier at once
ALERT_NOTE = "campaign_alert"
_MESSAGES = re.compile(r"^(\d+) messages")


def _alerts_noted(store: Any, case_id: str) -> int:
    """Warnings sent as one audited note on the campaign's first task (grid.notices)."""
    total = 0
    for event in store.history(case_id):
        if event.trigger == ALERT_NOTE:
            found = _MESSAGES.match(event.reason or "")
            total += int(found.group(1)) if found else 1
    return total


def _due(case: Case) -> datetime | None:
    raw = case.data.get("due")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return None
    return case.due_at


def _under(code: str, cell: str) -> bool:
    return cell.startswith(code)


def campaigns(tasks: list[Case], code: str, zone: tzinfo, store: Any = None
              ) -> dict[str, Any]:
    """Per campaign: tasks under ``code``, on post by the deadline, late, open → 到岗率;
    ``alerts``: the warnings sent to every tier (read from the store when given)."""
    groups: dict[str, list[Case]] = {}
    for case in tasks:
        if case.category == CAMPAIGN and _under(code, case.cell):
            groups.setdefault(str(case.data.get("campaign", "?")), []).append(case)
    rows = []
    for cid, cases in groups.items():
        on_post = late = still = cancelled = 0
        alerts = 0
        for case in cases:
            due = _due(case)
            alerts += len(case.data.get("alert") or [])
            if case.state == "cancelled":
                cancelled += 1
            elif case.closed_at is None:
                still += 1
            elif due is not None and case.closed_at <= due:
                on_post += 1
            else:
                late += 1
        first = min(cases, key=lambda c: (c.opened_at, c.id))
        if store is not None and not alerts:
            # the store yields cases in the order written: the campaign's first is its anchor
            anchor = next(c for c in tasks if c.data.get("campaign") == cid)
            alerts = _alerts_noted(store, anchor.id)
        required = len(cases) - cancelled
        rows.append({
            "id": cid, "name": first.data.get("campaign_name") or cid,
            "node": first.data.get("campaign_node"), "opened_at": _when(first.opened_at, zone),
            "due_at": _when(_due(first), zone), "required": required, "on_post": on_post,
            "late": late, "open": still, "cancelled": cancelled, "alerts": alerts,
            "on_post_rate": on_post / required if required else None,
            "checked_in_rate": (on_post + late) / required if required else None,
        })
    rows.sort(key=lambda r: str(r["opened_at"]), reverse=True)
    return {"campaigns": rows, "empty": None if rows else
            "no campaign has been started under this node (govflow campaign start)"}


def _orders(tasks: list[Case], code: str, category: str, zone: tzinfo) -> list[dict[str, Any]]:
    groups: dict[str, list[Case]] = {}
    for case in tasks:
        if case.category == category and _under(code, case.cell):
            groups.setdefault(str(case.data.get("order", "?")), []).append(case)
    rows = []
    for oid, cases in groups.items():
        acked = sum(c.state in ACKNOWLEDGED for c in cases)
        done = sum(c.state == "done" for c in cases)
        cancelled = sum(c.state == "cancelled" for c in cases)
        waiting = sum(c.state == "sent" for c in cases)
        sent = len(cases) - cancelled
        first = min(cases, key=lambda c: c.opened_at)
        rows.append({"id": oid, "text": first.data.get("text") or oid,
                     "sent_at": _when(first.opened_at, zone), "addressees": sent,
                     "acknowledged": acked, "done": done, "waiting": waiting,
                     "cancelled": cancelled,
                     "escalated": sum(c.escalation > 0 for c in cases),
                     "ack_rate": acked / sent if sent else None})
    rows.sort(key=lambda r: str(r["sent_at"]), reverse=True)
    return rows


def dispatch(tasks: list[Case], code: str, zone: tzinfo) -> dict[str, Any]:
    rows = _orders(tasks, code, COMMAND_ORDER, zone)
    return {"orders": rows, "empty": None if rows else
            "no command order has been dispatched under this node"}


def recruitment(tasks: list[Case], code: str, zone: tzinfo) -> dict[str, Any]:
    """Recruitment orders to matched volunteers: places offered and accepted (fill)."""
    rows = _orders(tasks, code, RECRUITMENT, zone)
    posts: dict[str, list[int]] = {}
    for case in tasks:
        if case.category == RECRUITMENT and _under(code, case.cell) \
                and case.state != "cancelled":
            slot = posts.setdefault(str(case.data.get("post", "?")), [0, 0])
            slot[0] += 1
            slot[1] += case.state in ACKNOWLEDGED
    offered = sum(v[0] for v in posts.values())
    accepted = sum(v[1] for v in posts.values())
    return {"rounds": rows, "posts": len(posts), "offered": offered, "accepted": accepted,
            "fill_rate": accepted / offered if offered else None,
            "empty": None if rows else "no volunteer recruitment order in the store"}


def opinion(reading: Reading, cockpit: Cockpit, code: str, top: int = 8) -> dict[str, Any]:
    """Citizens' messages (舆情) opened in the window under ``code``, by first-level topic."""
    counts: dict[str, list[int]] = {}
    for item in reading.opinions:
        if not _under(code, item.cell) or not cockpit.t0 <= item.opened < cockpit.t1:
            continue
        slot = counts.setdefault(item.topic, [0, 0])
        slot[0] += 1
        slot[1] += item.closed == NEVER or item.closed >= cockpit.t1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:top]
    return {"topics": [{"topic": t, "messages": n, "open": o} for t, (n, o) in rows],
            "total": sum(v[0] for v in counts.values()),
            "empty": None if rows else "no public-opinion source (hotline, message board) "
                                       "has cases under this node in the window"}


def panels(reading: Reading, cockpit: Cockpit, code: str, zone: tzinfo, store: Any = None
           ) -> dict[str, Any]:
    """All four panels for ``code``."""
    return {"campaigns": campaigns(reading.tasks, code, zone, store),
            "dispatch": dispatch(reading.tasks, code, zone),
            "recruitment": recruitment(reading.tasks, code, zone),
            "opinion": opinion(reading, cockpit, code)}
