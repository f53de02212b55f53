"""The SQLAlchemy Core tables of the durable store (no ORM: the hot path is plain Core).

Column names equal the field names of the records in :mod:`govflow.records`, so a row
maps to a record by name. Times are aware UTC datetimes on both databases (:class:`UTCDateTime`).
The schema itself is created and changed only by the Alembic migrations in
``govflow/store/migrations``; :data:`SCHEMA_REVISION` names the revision this code expects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from govflow.errors import Problem
from govflow.workflows.quote import quoted

#: The Alembic revision these tables match; a test keeps it equal to the migrations' head.
SCHEMA_REVISION = "0007_party"


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime on every database.

    PostgreSQL keeps ``timestamptz``. SQLite has no time type: the value is stored as fixed-width
    ISO text in UTC (``2026-09-28 01:00:00.000000``), which sorts and compares as time does.
    Naive datetimes are refused, so a local time can never be stored as if it were UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(26))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: store aware UTC datetimes")
        if dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        moment: datetime = value
        return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: JSON documents: ``jsonb`` on PostgreSQL, JSON text on SQLite.
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
#: An autoincrementing key that SQLite makes its rowid (``INTEGER PRIMARY KEY``).
Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

_open = sa.column("closed_at").is_(None)
_pending = sa.and_(sa.column("fired_at").is_(None), sa.column("cancelled") == sa.false())

cases = sa.Table(
    "cases", metadata,
    sa.Column("seq", Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("workflow", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(100), nullable=False),
    sa.Column("cell", sa.String(32), nullable=False),
    sa.Column("owner", sa.String(32), nullable=False),
    sa.Column("category", sa.String(100), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("state_entered_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("due_at", UTCDateTime),
    sa.Column("light", sa.String(16), nullable=False),
    sa.Column("breached_at", UTCDateTime),
    sa.Column("escalation", sa.Integer, nullable=False),
    sa.Column("supervision", sa.String(16), nullable=False),
    sa.Column("extension_days", sa.Float, nullable=False),
    sa.Column("rework", sa.Integer, nullable=False),
    sa.Column("revisits", sa.Integer, nullable=False),
    sa.Column("clean_revisits", sa.Integer, nullable=False),
    sa.Column("revisit_pending", sa.Boolean, nullable=False),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("rev", sa.Integer, nullable=False),
    sa.Index("ix_cases_open_cell_category", "cell", "category",
             sqlite_where=_open, postgresql_where=_open),
    sa.Index("ix_cases_state", "state"),
)

events = sa.Table(
    "events", metadata,
    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("role", sa.String(100), nullable=False),
    sa.Column("trigger", sa.String(100), nullable=False),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("dest", sa.String(100), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("data", Json, nullable=False),
)

timers = sa.Table(
    "timers", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("fired_at", UTCDateTime),
    #: due_at was counted over a provisional calendar day (see govflow.worktime.provisional)
    sa.Column("provisional", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("cancelled", sa.Boolean, nullable=False),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("lease_owner", sa.String(100)),
    sa.Index("ix_timers_due", "due_at", "id", sqlite_where=_pending, postgresql_where=_pending),
    sa.Index("ix_timers_case", "case_id"),
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("seq", Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(128), nullable=False, unique=True),
    sa.Column("case_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("recipient", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("payload", Json, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    sa.Index("ix_outbox_pending", "seq", sqlite_where=sa.column("delivered_at").is_(None),
             postgresql_where=sa.column("delivered_at").is_(None)),
)

dead_letters = sa.Table(
    "dead_letters", metadata,
    sa.Column("seq", Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(128), nullable=False),
    sa.Column("source", sa.String(100), nullable=False, index=True),
    sa.Column("record_id", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

cursors = sa.Table(
    "cursors", metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("position", sa.Text, nullable=False),
)

workflows = sa.Table(
    "workflows", metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("loaded_at", UTCDateTime, nullable=False),
    #: SHA-256 of ``source`` (empty for rows written before versions were kept)
    sa.Column("digest", sa.String(64), nullable=False, server_default=""),
)

grid_nodes = sa.Table(
    "grid_nodes", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("parent", sa.String(32)),
    sa.Column("tier", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("households", sa.Integer, nullable=False),
    sa.Column("polygon", sa.Text),
)

people = sa.Table(
    "people", metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("home", sa.String(32), nullable=False),
    sa.Column("identities", Json, nullable=False),
    sa.Column("contact", sa.String(200), nullable=False),
)

duty = sa.Table(
    "duty", metadata,
    sa.Column("node", sa.String(32), primary_key=True),
    sa.Column("person", sa.String(100), primary_key=True),
    sa.Column("level", sa.String(32), primary_key=True),
)

#: party organisations on the grid: a branch (网格党支部) per cell, groups (楼栋党小组) under it
party_orgs = sa.Table(
    "party_orgs", metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("cell", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("parent", sa.String(64)),
    sa.Column("secretary", sa.String(100)),
)

#: households in a building group, each linked to one party member (联户党员)
households = sa.Table(
    "households", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("cell", sa.String(32), nullable=False),
    sa.Column("group", sa.String(64), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("member", sa.String(100), nullable=False),
    sa.Index("ix_households_member", "member"),
)

#: service keys: only the SHA-256 of each secret is kept
api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("roles", Json, nullable=False),
    sa.Column("scope", Json, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
)

#: webhook subscriptions: the secret is kept (it signs every delivery), shown once
webhooks = sa.Table(
    "webhooks", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("events", Json, nullable=False),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime),
    sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
)

#: committed events waiting to be turned into deliveries, written in the change's own
#: transaction while some subscription is active (see govflow.store.webhooks)
webhook_feed = sa.Table(
    "webhook_feed", metadata,
    sa.Column("seq", Seq, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(32), nullable=False),
    sa.Column("event_seq", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

_waiting = sa.column("status") == "pending"

#: one message to one subscription; ``id`` is the Standard Webhooks ``webhook-id``
webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("seq", Seq, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64), nullable=False, unique=True),
    sa.Column("webhook_id", sa.String(40),
              sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(140), nullable=False),
    sa.Column("case_id", sa.String(32), nullable=False),
    #: the exact body sent on every attempt (the signature covers these bytes)
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    #: pending, sent or failed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_at", UTCDateTime, nullable=False),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("done_at", UTCDateTime),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("lease_owner", sa.String(100)),
    sa.Index("ix_webhook_deliveries_due", "next_at", "seq",
             sqlite_where=_waiting, postgresql_where=_waiting),
    sa.Index("ix_webhook_deliveries_webhook", "webhook_id", "seq"),
)

#: every table, parents before children (the order to create, the reverse to empty)
ALL_TABLES = (cases, events, timers, outbox, dead_letters, cursors, workflows,
              grid_nodes, people, duty, api_keys, webhooks, webhook_feed, webhook_deliveries,
              party_orgs, households)


# -- values against the columns' widths ---------------------------------------------------
def width(column: sa.Column[Any]) -> int | None:
    """How many characters a text column keeps (None: any number)."""
    length = getattr(column.type, "length", None)
    return length if isinstance(length, int) else None


def fit_text(value: str, column: sa.Column[Any]) -> str:
    """``value`` cut to the column's width, ending in … when it was cut."""
    most = width(column)
    return value if most is None or len(value) <= most else value[: most - 1] + "…"


def fit_key(value: str, column: sa.Column[Any]) -> str:
    """``value`` made to fit the column and stay distinct: a prefix and the hash of it all."""
    most = width(column)
    if most is None or len(value) <= most:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:24]
    return f"{value[: most - 25]}~{digest}"


def too_long(table: sa.Table, rows: Sequence[Mapping[str, Any]], file: str) -> list[Problem]:
    """Each text of ``rows`` longer than its column of ``table`` keeps, as a problem naming
    the row by its key (PostgreSQL would refuse the whole save; SQLite would keep it)."""
    widths = [(c.name, n) for c in table.columns if (n := width(c)) is not None]
    key = next(iter(table.primary_key.columns)).name
    problems = []
    for row in rows:
        for name, most in widths:
            value = row.get(name)
            if isinstance(value, str) and len(value) > most:
                problems.append(Problem(
                    file, None, f"{table.name}[{str(row.get(key))[:40]}].{name}",
                    f"{quoted(value, 40)} is longer than the {most} characters the store "
                    "keeps; shorten it"))
    return problems
