"""Read queries over cases for the service: one filtered, keyset-paged search.

:class:`CaseQuery` is plain data (no SQLAlchemy): the SQL store turns it into one statement
(:mod:`govflow.store.search`), the memory store into a filter (:func:`matches`). A page
holds whole cases, read in one query however many there are.

Grid nodes are matched by code prefix (the district's codes are 6 + 3 + 3 + 3 digits, each
tier's code starting with its parent's): ``under="410102001"`` is every cell of that street.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from govflow.records import Case


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Cases matching every filter given, in the order they were opened."""

    workflow: str | None = None
    states: tuple[str, ...] = ()
    category: str | None = None
    #: only cases of one of these categories (an Open311 service list)
    categories: tuple[str, ...] = ()
    #: only these cases (by id)
    ids: tuple[str, ...] = ()
    #: only cases a source opened
    source: str | None = None
    cell: str | None = None
    #: cells under any of these grid nodes (the subtree filter, or the reader's scope)
    under: tuple[str, ...] = ()
    lights: tuple[str, ...] = ()
    #: True: open cases only; False: closed only; None: both
    open: bool | None = None
    #: open cases whose deadline is before this moment
    overdue_at: datetime | None = None
    opened_after: datetime | None = None
    opened_before: datetime | None = None
    #: the case's last event falls in [updated_after, updated_before)
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    #: only cases in one of these (workflow, state) pairs (a worklist's candidates)
    pairs: tuple[tuple[str, str], ...] | None = None
    #: keyset position: cases after this one (0: from the start)
    after: int = 0
    limit: int = 100


@dataclass(slots=True)
class CasePage:
    """One page: the cases, each one's position, and the position to ask for next."""

    cases: list[Case] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    #: ``after`` for the next page, or ``None`` when this is the last
    next: int | None = None


def within(cell: str, nodes: tuple[str, ...]) -> bool:
    return any(cell.startswith(node) for node in nodes)


def matches(case: Case, query: CaseQuery, last_event: datetime | None) -> bool:
    """Whether ``case`` passes every filter (``last_event``: when it last changed)."""
    q = query
    if q.workflow is not None and case.workflow != q.workflow:
        return False
    if q.states and case.state not in q.states:
        return False
    if q.category is not None and case.category != q.category:
        return False
    if q.categories and case.category not in q.categories:
        return False
    if q.ids and case.id not in q.ids:
        return False
    if q.source is not None and case.source != q.source:
        return False
    if q.cell is not None and case.cell != q.cell:
        return False
    if q.under and not within(case.cell, q.under):
        return False
    if q.lights and case.light not in q.lights:
        return False
    if q.open is not None and case.is_closed == q.open:
        return False
    if q.overdue_at is not None and (case.is_closed or case.due_at is None
                                     or case.due_at >= q.overdue_at):
        return False
    if q.opened_after is not None and case.opened_at < q.opened_after:
        return False
    if q.opened_before is not None and case.opened_at >= q.opened_before:
        return False
    if q.updated_after is not None and (last_event is None or last_event < q.updated_after):
        return False
    if q.updated_before is not None and (last_event is None
                                         or last_event >= q.updated_before):
        return False
    return q.pairs is None or (case.workflow, case.state) in q.pairs


def needs_last_event(query: CaseQuery) -> bool:
    return query.updated_after is not None or query.updated_before is not None
