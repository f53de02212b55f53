"""The first schema: cases, event log, timers, outbox, dead letters, cursors, workflows, grid.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from govflow.store.tables import Json, Seq, UTCDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

_OPEN = sa.column("closed_at").is_(None)
_PENDING = sa.and_(sa.column("fired_at").is_(None), sa.column("cancelled") == sa.false())
_UNDELIVERED = sa.column("delivered_at").is_(None)


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "cases",
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
    )
    op.create_index("ix_cases_open_cell_category", "cases", ["cell", "category"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_table(
        "events",
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
    op.create_table(
        "timers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("fired_at", UTCDateTime),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("lease_owner", sa.String(100)),
    )
    op.create_index("ix_timers_due", "timers", ["due_at", "id"],
                    sqlite_where=_PENDING, postgresql_where=_PENDING)
    op.create_index("ix_timers_case", "timers", ["case_id"])
    op.create_table(
        "outbox",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(128), nullable=False, unique=True),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
    )
    op.create_index("ix_outbox_pending", "outbox", ["seq"],
                    sqlite_where=_UNDELIVERED, postgresql_where=_UNDELIVERED)
    op.create_table(
        "dead_letters",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_dead_letters_source", "dead_letters", ["source"])
    op.create_table(
        "cursors",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("position", sa.Text, nullable=False),
    )
    op.create_table(
        "workflows",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("loaded_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "grid_nodes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("parent", sa.String(32)),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("polygon", sa.Text),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("home", sa.String(32), nullable=False),
        sa.Column("identities", Json, nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
    )
    op.create_table(
        "duty",
        sa.Column("node", sa.String(32), primary_key=True),
        sa.Column("person", sa.String(100), primary_key=True),
        sa.Column("level", sa.String(32), primary_key=True),
    )


def downgrade() -> None:
    """Drop every table (children first)."""
    for name in ("duty", "people", "grid_nodes", "workflows", "cursors", "dead_letters",
                 "outbox", "timers", "events", "cases"):
        op.drop_table(name)
