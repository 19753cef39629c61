"""Totals of pruned runs and response times, so /metrics counters survive `ronde db prune`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pruned_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey", sa.String(length=200), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pruned_runs")),
        sa.UniqueConstraint(
            "journey", "device", "status", name=op.f("uq_pruned_runs_journey_device_status")
        ),
    )
    op.create_table(
        "pruned_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey", sa.String(length=200), nullable=False),
        sa.Column("transaction", sa.Text(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum_ms", sa.Float(), nullable=False),
        sa.Column("buckets", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pruned_responses")),
        sa.UniqueConstraint(
            "journey", "transaction", name=op.f("uq_pruned_responses_journey_transaction")
        ),
    )


def downgrade() -> None:
    op.drop_table("pruned_responses")
    op.drop_table("pruned_runs")
