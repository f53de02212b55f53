"""Webhooks: subscriptions, the feed of committed events, and durable deliveries.

Revision ID: 0006_webhooks
Revises: 0005_versions
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from govflow.store.tables import Json, Seq, UTCDateTime

revision = "0006_webhooks"
down_revision = "0005_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``webhooks``, ``webhook_feed`` and ``webhook_deliveries``."""
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("events", Json, nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("disabled_at", UTCDateTime),
        sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "webhook_feed",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("event_seq", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("webhook_id", sa.String(40),
                  sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(140), nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", UTCDateTime, nullable=False),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("done_at", UTCDateTime),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("lease_owner", sa.String(100)),
    )
    waiting = sa.text("status = 'pending'")
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["next_at", "seq"],
                    sqlite_where=waiting, postgresql_where=waiting)
    op.create_index("ix_webhook_deliveries_webhook", "webhook_deliveries",
                    ["webhook_id", "seq"])


def downgrade() -> None:
    """Drop the three webhook tables."""
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_feed")
    op.drop_table("webhooks")
