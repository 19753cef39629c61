"""A fleet of robots on one database: robots' names and locations on runs and heartbeats, slot
claims, and a run's location scope in its slot's identity (one run per slot per location).

Backfills what exists: a run or heartbeat gets its host as robot name and location `default`;
existing runs keep an empty scope (fleet-wide slots), so their identity is unchanged.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slot_claims",
        sa.Column("journey", sa.String(length=200), nullable=False),
        sa.Column("slot_at", UTCDateTime(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("robot", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("journey", "slot_at", "scope", name=op.f("pk_slot_claims")),
    )
    op.create_index("ix_slot_claims_claimed_at", "slot_claims", ["claimed_at"])
    with op.batch_alter_table("robot_heartbeats") as batch:
        batch.add_column(sa.Column("robot_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("location", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("devices", sa.Text(), nullable=True))
        batch.add_column(sa.Column("running", sa.Text(), nullable=True))
    op.execute("UPDATE robot_heartbeats SET robot_name = host, location = 'default'")
    op.drop_index("ix_runs_open", table_name="runs")
    with op.batch_alter_table("runs", recreate="auto") as batch:
        batch.add_column(sa.Column("robot_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("location", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("scope", sa.String(length=100), nullable=False,
                                   server_default=""))
        batch.drop_constraint("uq_runs_journey_id_scheduled_at_attempt", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_runs_journey_id_scheduled_at_attempt_scope"),
            ["journey_id", "scheduled_at", "attempt", "scope"])
    op.create_index("ix_runs_open", "runs", ["id"], sqlite_where=sa.text("is_open IS 1"),
                    postgresql_where=sa.text("is_open"))
    op.execute("UPDATE runs SET robot_name = robot_host, location = 'default' "
               "WHERE robot_host IS NOT NULL")


def downgrade() -> None:
    scoped = op.get_bind().execute(sa.text("SELECT count(*) FROM runs WHERE scope <> ''"))
    if scoped.scalar():  # runs of one slot from several locations: 0004 cannot hold them
        raise RuntimeError("runs of journeys watched from several locations exist; "
                           "downgrading past 0006 would lose them (prune them first)")
    op.drop_index("ix_runs_open", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("uq_runs_journey_id_scheduled_at_attempt_scope", type_="unique")
        batch.create_unique_constraint("uq_runs_journey_id_scheduled_at_attempt",
                                       ["journey_id", "scheduled_at", "attempt"])
        batch.drop_column("scope")
        batch.drop_column("location")
        batch.drop_column("robot_name")
    op.create_index("ix_runs_open", "runs", ["id"], sqlite_where=sa.text("is_open IS 1"),
                    postgresql_where=sa.text("is_open"))
    with op.batch_alter_table("robot_heartbeats") as batch:
        batch.drop_column("running")
        batch.drop_column("devices")
        batch.drop_column("location")
        batch.drop_column("robot_name")
    op.drop_index("ix_slot_claims_claimed_at", table_name="slot_claims")
    op.drop_table("slot_claims")
