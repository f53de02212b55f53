"""The SQL statements of the store, built once as SQLAlchemy Core constructs.

Built at import of this module (a few microseconds of Python, no database); SQLAlchemy then
compiles each once per dialect and caches it, so the hot path only binds parameters.
Parameters named ``b_*`` are in WHERE clauses; the others are column values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from govflow.store.changes import CASE_FIELDS, EVENT_FIELDS, MESSAGE_FIELDS, TIMER_FIELDS
from govflow.store.tables import (
    UTCDateTime,
    cases,
    cursors,
    dead_letters,
    events,
    outbox,
    timers,
    workflows,
)

_case_cols = [cases.c[name] for name in CASE_FIELDS]
_timer_cols = [timers.c[name] for name in TIMER_FIELDS]
_pending = sa.and_(timers.c.fired_at.is_(None), timers.c.cancelled == sa.false())
_unleased = sa.or_(timers.c.lease_until.is_(None),
                   timers.c.lease_until < sa.bindparam("b_wall", type_=UTCDateTime))

GET_CASE = sa.select(*_case_cols).where(cases.c.id == sa.bindparam("b_id"))
REVS = sa.select(cases.c.id, cases.c.rev).where(
    cases.c.id.in_(sa.bindparam("b_ids", expanding=True)))
CASES_PAGE = (sa.select(cases.c.seq, *_case_cols)
              .where(cases.c.seq > sa.bindparam("b_after"))
              .order_by(cases.c.seq).limit(sa.bindparam("b_n")))
INSERT_CASE = cases.insert()
UPDATE_CASE = cases.update().where(
    cases.c.id == sa.bindparam("b_id"), cases.c.rev == sa.bindparam("b_expected"))

HISTORY = (sa.select(*[events.c[name] for name in EVENT_FIELDS])
           .where(events.c.case_id == sa.bindparam("b_id")).order_by(events.c.seq))
INSERT_EVENT = events.insert()

INSERT_TIMER = timers.insert()
FIRE_TIMER = timers.update().where(timers.c.id == sa.bindparam("b_id"), _pending)
UNFIRED = sa.select(timers.c.id).where(
    timers.c.id.in_(sa.bindparam("b_ids", expanding=True)), _pending)
CANCEL_TIMERS = timers.update().where(
    timers.c.case_id.in_(sa.bindparam("b_cases", expanding=True)),
    timers.c.kind.in_(sa.bindparam("b_kinds", expanding=True)),
    _pending).values(cancelled=True)
CANCEL_TIMER = timers.update().where(timers.c.id == sa.bindparam("b_id"),
                                    _pending).values(cancelled=True)
PENDING_TIMERS = (sa.select(*_timer_cols)
                  .where(timers.c.case_id == sa.bindparam("b_id"), _pending)
                  .order_by(timers.c.due_at, timers.c.id))
NEXT_DUE = sa.select(sa.func.min(timers.c.due_at)).where(_pending, _unleased)

PENDING_MESSAGES = (sa.select(*[outbox.c[name] for name in MESSAGE_FIELDS])
                    .where(outbox.c.delivered_at.is_(None))
                    .order_by(outbox.c.seq).limit(sa.bindparam("b_n")))
DELIVERED = outbox.update().where(outbox.c.id == sa.bindparam("b_id"),
                                  outbox.c.delivered_at.is_(None))

INSERT_DEAD = dead_letters.insert()
COUNT_DEAD = sa.select(sa.func.count()).select_from(dead_letters)
DEAD = sa.select(dead_letters.c.id, dead_letters.c.source, dead_letters.c.record_id,
                 dead_letters.c.reason, dead_letters.c.payload,
                 dead_letters.c.at).order_by(dead_letters.c.seq)


def open_cases(
    *, cell: str | None, category: str | None, opened_after: datetime | None,
    workflow: str | None = None,
) -> sa.Select[Any]:
    """Open cases matching every given filter, oldest first (ties: the order opened)."""
    stmt = sa.select(*_case_cols).where(cases.c.closed_at.is_(None))
    if workflow is not None:
        stmt = stmt.where(cases.c.workflow == workflow)
    if cell is not None:
        stmt = stmt.where(cases.c.cell == cell)
    if category is not None:
        stmt = stmt.where(cases.c.category == category)
    if opened_after is not None:
        stmt = stmt.where(cases.c.opened_at >= opened_after)
    return stmt.order_by(cases.c.opened_at, cases.c.seq)


class Statements:
    """The statements whose SQL differs by dialect (upserts, the timer claim)."""

    def __init__(self, dialect: str) -> None:
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.insert_outbox: Insert = make(outbox).on_conflict_do_nothing(index_elements=["id"])
        cur = make(cursors)
        self.upsert_cursor: Insert = cur.on_conflict_do_update(
            index_elements=["source"], set_={"position": cur.excluded.position})
        flow = make(workflows)
        self.insert_workflow: Insert = flow.on_conflict_do_nothing(
            index_elements=["name", "version"])
        self.upsert_workflow: Insert = flow.on_conflict_do_update(
            index_elements=["name", "version"],
            set_={"source": flow.excluded.source, "loaded_at": flow.excluded.loaded_at})
        due = (sa.select(timers.c.id)
               .where(_pending, timers.c.due_at <= sa.bindparam("b_now", type_=UTCDateTime),
                      _unleased)
               .order_by(timers.c.due_at, timers.c.id)
               .limit(sa.bindparam("b_n")))
        if dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        self.claim = (timers.update()
                      .where(timers.c.id.in_(due.scalar_subquery()))
                      .values(lease_owner=sa.bindparam("b_me"),
                              lease_until=sa.bindparam("b_until", type_=UTCDateTime))
                      .returning(*_timer_cols))
