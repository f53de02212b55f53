"""Provisional calendar years: timers say whether their due time was counted over one.

Revision ID: 0002_calendar
Revises: 0001_initial
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_calendar"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``timers.provisional`` (false for every timer set before)."""
    with op.batch_alter_table("timers") as batch:
        batch.add_column(sa.Column("provisional", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    """Drop ``timers.provisional``."""
    with op.batch_alter_table("timers") as batch:
        batch.drop_column("provisional")
