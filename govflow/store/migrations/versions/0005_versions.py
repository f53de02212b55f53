"""Workflow versions kept with their digest: running cases outlive the file they came from.

Revision ID: 0005_versions
Revises: 0002_calendar (merged from the calendar work; 0001_initial before it)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_versions"
down_revision = "0003_service"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the SHA-256 of each kept workflow version's text."""
    with op.batch_alter_table("workflows") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("workflows") as batch:
        batch.drop_column("digest")
