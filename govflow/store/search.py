"""The SQL of :class:`~govflow.store.query.CaseQuery`: one statement per page.

Keyset pagination on the cases' insertion sequence (``seq``), so a page costs the same
wherever it is. "Updated" is the time of the case's last event (a correlated read of the
event log by its primary key).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from govflow.store.changes import CASE_FIELDS
from govflow.store.query import CaseQuery
from govflow.store.tables import cases, events

_case_cols = [cases.c[name] for name in CASE_FIELDS]


def _prefix(node: str) -> Any:
    escaped = node.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cases.c.cell.like(escaped + "%", escape="\\")


def search(query: CaseQuery) -> sa.Select[Any]:
    """Cases matching ``query`` after its position, one more than the limit (to tell if
    another page follows), with their ``seq`` first."""
    q = query
    where: list[Any] = [cases.c.seq > q.after]
    if q.workflow is not None:
        where.append(cases.c.workflow == q.workflow)
    if q.states:
        where.append(cases.c.state.in_(q.states))
    if q.category is not None:
        where.append(cases.c.category == q.category)
    if q.categories:
        where.append(cases.c.category.in_(q.categories))
    if q.ids:
        where.append(cases.c.id.in_(q.ids))
    if q.source is not None:
        where.append(cases.c.source == q.source)
    if q.cell is not None:
        where.append(cases.c.cell == q.cell)
    if q.under:
        where.append(sa.or_(*[_prefix(node) for node in q.under]))
    if q.lights:
        where.append(cases.c.light.in_(q.lights))
    if q.open is True:
        where.append(cases.c.closed_at.is_(None))
    elif q.open is False:
        where.append(cases.c.closed_at.is_not(None))
    if q.overdue_at is not None:
        where += [cases.c.closed_at.is_(None), cases.c.due_at < q.overdue_at]
    if q.opened_after is not None:
        where.append(cases.c.opened_at >= q.opened_after)
    if q.opened_before is not None:
        where.append(cases.c.opened_at < q.opened_before)
    if q.updated_after is not None or q.updated_before is not None:
        last = (sa.select(sa.func.max(events.c.at)).where(events.c.case_id == cases.c.id)
                .scalar_subquery())
        if q.updated_after is not None:
            where.append(last >= q.updated_after)
        if q.updated_before is not None:
            where.append(last < q.updated_before)
    if q.pairs is not None:
        if not q.pairs:
            where.append(sa.false())
        else:
            by_flow: dict[str, list[str]] = {}
            for flow, state in q.pairs:
                by_flow.setdefault(flow, []).append(state)
            where.append(sa.or_(*[sa.and_(cases.c.workflow == flow, cases.c.state.in_(states))
                                  for flow, states in sorted(by_flow.items())]))
    return (sa.select(cases.c.seq, *_case_cols).where(*where)
            .order_by(cases.c.seq).limit(q.limit + 1))


def last_events(case_ids: list[str]) -> sa.Select[Any]:
    """The last event of each of ``case_ids`` (one row per case that has events)."""
    from govflow.store.changes import EVENT_FIELDS

    newest = (sa.select(events.c.case_id, sa.func.max(events.c.seq).label("seq"))
              .where(events.c.case_id.in_(case_ids)).group_by(events.c.case_id).subquery())
    return (sa.select(*[events.c[name] for name in EVENT_FIELDS])
            .join(newest, sa.and_(events.c.case_id == newest.c.case_id,
                                  events.c.seq == newest.c.seq)))
