"""Availability day rows: `availability_hours` gets a `span` (1: the hour row, 24: the UTC day's
row at its midnight, as in timing_hours), indexes that lead with it, and day rows backfilled
from the hour rows in one statement (the sums storage.hourly keeps at write time).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

COUNTERS = ("first_ok", "first_total", "first_errors", "rounds_ok", "rounds_total",
            "rounds_errors", "failed_first", "flaky")
# The UTC midnight of an hour, as each backend stores it (SQLite: the ISO text UTCDateTime
# writes; PostgreSQL: a timestamptz).
MIDNIGHT = {
    "sqlite": "substr(hour, 1, 10) || ' 00:00:00.000000'",
    "postgresql": "date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
}

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_availability_hours_journey_id_hour", table_name="availability_hours")
    op.drop_index("ix_availability_hours_hour", table_name="availability_hours")
    # A constant default (a string, not an SQL expression): SQLite adds the column in place,
    # batch mode rebuilds no table.
    with op.batch_alter_table("availability_hours") as batch:
        batch.add_column(sa.Column("span", sa.Integer(), nullable=False, server_default="1"))
    midnight = MIDNIGHT[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO availability_hours (journey_id, hour, span, device_id, "
        f"{', '.join(COUNTERS)}) "
        f"SELECT journey_id, {midnight}, 24, device_id, "
        f"{', '.join(f'SUM({c})' for c in COUNTERS)} "
        f"FROM availability_hours WHERE span = 1 GROUP BY journey_id, {midnight}, device_id"
    )
    op.create_index("ix_availability_hours_journey_id_span_hour", "availability_hours",
                    ["journey_id", "span", "hour"])
    op.create_index("ix_availability_hours_span_hour", "availability_hours", ["span", "hour"])


def downgrade() -> None:
    op.drop_index("ix_availability_hours_span_hour", table_name="availability_hours")
    op.drop_index("ix_availability_hours_journey_id_span_hour", table_name="availability_hours")
    op.execute("DELETE FROM availability_hours WHERE span <> 1")
    op.drop_column("availability_hours", "span")  # SQLite >= 3.35: no table rebuild
    op.create_index("ix_availability_hours_journey_id_hour", "availability_hours",
                    ["journey_id", "hour"])
    op.create_index("ix_availability_hours_hour", "availability_hours", ["hour"])
