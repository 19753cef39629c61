"""Journeys keep their `slow` threshold, so the dashboard can draw it beside response times.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("journeys") as batch:
        batch.add_column(sa.Column("slow_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journeys") as batch:
        batch.drop_column("slow_ms")
