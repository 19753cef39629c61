"""Totals and hourly availability kept at write time (storage.rollups, storage.hourly), backfilled;
runs indexed on their open flag only where it is set.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

COUNTERS = ("first_ok", "first_total", "first_errors", "rounds_ok", "rounds_total",
            "rounds_errors", "failed_first", "flaky")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey", sa.String(length=200), nullable=False),
        sa.Column("device", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_totals")),
        sa.UniqueConstraint(
            "journey", "device", "status", name=op.f("uq_run_totals_journey_device_status")
        ),
    )
    op.create_table(
        "response_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey", sa.String(length=200), nullable=False),
        sa.Column("transaction", sa.Text(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_totals")),
        sa.UniqueConstraint(
            "journey", "transaction", "bucket",
            name=op.f("uq_response_totals_journey_transaction_bucket"),
        ),
    )
    op.create_table(
        "availability_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.ForeignKeyConstraint(["journey_id"], ["journeys.id"], ondelete="CASCADE",
                                name=op.f("fk_availability_hours_journey_id_journeys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_hours")),
        sa.UniqueConstraint("journey_id", "hour",
                            name=op.f("uq_availability_hours_journey_id_hour")),
    )
    op.create_index("ix_availability_hours_hour", "availability_hours", ["hour"])
    op.drop_index("ix_runs_is_open", table_name="runs")
    op.create_index("ix_runs_open", "runs", ["id"], sqlite_where=sa.text("is_open IS 1"),
                    postgresql_where=sa.text("is_open"))
    # The backfill is `ronde db rebuild`'s own code, so both give the same figures; the hourly
    # availability is filled by 0005, which gives its rows a device.
    from storage import rollups

    rollups.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_runs_open", table_name="runs")
    op.create_index("ix_runs_is_open", "runs", ["is_open"])
    op.drop_index("ix_availability_hours_hour", table_name="availability_hours")
    op.drop_table("availability_hours")
    op.drop_table("response_totals")
    op.drop_table("run_totals")
