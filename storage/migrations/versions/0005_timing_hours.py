"""Response/load-time histograms and transaction success per journey, device, transaction and
hour (storage.timings); hourly availability per device too (storage.hourly); both backfilled.
Journeys keep their own alert window (/metrics' alert-window availability).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

COUNTERS = ("first_ok", "first_total", "first_errors", "rounds_ok", "rounds_total",
            "rounds_errors", "failed_first", "flaky")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _availability_hours(with_device: bool) -> None:
    op.create_table(
        "availability_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        *([sa.Column("device_id", sa.Integer(), nullable=True)] if with_device else []),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.ForeignKeyConstraint(["journey_id"], ["journeys.id"], ondelete="CASCADE",
                                name=op.f("fk_availability_hours_journey_id_journeys")),
        *([sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                   name=op.f("fk_availability_hours_device_id_devices"))]
          if with_device else []),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_hours")),
        *([] if with_device else [sa.UniqueConstraint(
            "journey_id", "hour", name=op.f("uq_availability_hours_journey_id_hour"))]),
    )
    op.create_index("ix_availability_hours_hour", "availability_hours", ["hour"])
    if with_device:
        op.create_index("ix_availability_hours_journey_id_hour", "availability_hours",
                        ["journey_id", "hour"])


def upgrade() -> None:
    op.add_column("journeys", sa.Column("alert_window_ms", sa.BigInteger(), nullable=True))
    op.drop_index("ix_availability_hours_hour", table_name="availability_hours")
    op.drop_table("availability_hours")
    _availability_hours(with_device=True)
    op.create_table(
        "timing_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("span", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("transaction", sa.Text(), nullable=True),
        sa.Column("is_load", sa.Boolean(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_ms", sa.Float(), nullable=False),
        sa.Column("min_ms", sa.Float(), nullable=True),
        sa.Column("max_ms", sa.Float(), nullable=True),
        sa.Column("buckets", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["journey_id"], ["journeys.id"], ondelete="CASCADE",
                                name=op.f("fk_timing_hours_journey_id_journeys")),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE",
                                name=op.f("fk_timing_hours_device_id_devices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timing_hours")),
    )
    op.create_index("ix_timing_hours_journey_id_hour", "timing_hours", ["journey_id", "hour"])
    op.create_index("ix_timing_hours_hour", "timing_hours", ["hour"])
    # The backfill is `ronde db rebuild`'s own code, so both give the same figures.
    from storage import hourly, timings

    hourly.rebuild(op.get_bind(), days=False)  # hour rows: 0007 adds the days
    timings.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_timing_hours_hour", table_name="timing_hours")
    op.drop_index("ix_timing_hours_journey_id_hour", table_name="timing_hours")
    op.drop_table("timing_hours")
    op.drop_index("ix_availability_hours_journey_id_hour", table_name="availability_hours")
    op.drop_index("ix_availability_hours_hour", table_name="availability_hours")
    op.drop_table("availability_hours")
    _availability_hours(with_device=False)  # refilled by `ronde db rebuild` at 0004's code
    op.drop_column("journeys", "alert_window_ms")  # SQLite >= 3.35: no table rebuild
