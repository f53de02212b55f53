"""The service's keys: one row per key, holding the SHA-256 of the secret only.

Revision ID: 0003_service
Revises: 0001_initial
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from govflow.store.tables import Json, UTCDateTime

revision = "0003_service"
down_revision = "0002_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the ``api_keys`` table."""
    op.create_table(
        "api_keys",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("roles", Json, nullable=False),
        sa.Column("scope", Json, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
    )


def downgrade() -> None:
    """Drop the ``api_keys`` table."""
    op.drop_table("api_keys")
