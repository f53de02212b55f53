"""Party organisations and households on the grid: the last links of the contact chain.

Revision ID: 0007_party
Revises: 0006_webhooks
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_party"
down_revision = "0006_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the ``party_orgs`` and ``households`` tables."""
    op.create_table(
        "party_orgs",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cell", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent", sa.String(64)),
        sa.Column("secretary", sa.String(100)),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("cell", sa.String(32), nullable=False),
        sa.Column("group", sa.String(64), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("member", sa.String(100), nullable=False),
    )
    op.create_index("ix_households_member", "households", ["member"])


def downgrade() -> None:
    """Drop the ``households`` and ``party_orgs`` tables."""
    op.drop_index("ix_households_member", table_name="households")
    op.drop_table("households")
    op.drop_table("party_orgs")
