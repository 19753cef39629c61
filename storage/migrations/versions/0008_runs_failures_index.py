"""An index of the failed and error runs per journey and start (a partial index: only those
runs, a few percent of all): the journey page's failures by category read them instead of
every run of its window (50 ms of a 90-day journey page on SQLite).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FAILURES = "status IN ('failed', 'error')"


def upgrade() -> None:
    op.create_index("ix_runs_failures", "runs", ["journey_id", "started_at"],
                    sqlite_where=sa.text(FAILURES), postgresql_where=sa.text(FAILURES))


def downgrade() -> None:
    op.drop_index("ix_runs_failures", table_name="runs")
