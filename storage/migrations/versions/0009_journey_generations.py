"""Each journey gets a `generation`, a counter the database itself moves on every insert,
update or delete of one of its runs (triggers): the read side keeps a journey's figures while
its generation stays the same, and reads again only the journeys that changed (#13). Triggers,
not the writer's code, so every writer is seen: a manual fix in SQL, a code path that
forgets to say so.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BUMP = "UPDATE journeys SET generation = generation + 1 WHERE id = {row}.journey_id"
SQLITE = {
    "insert": f"AFTER INSERT ON runs BEGIN {BUMP.format(row='NEW')}; END",
    "delete": f"AFTER DELETE ON runs BEGIN {BUMP.format(row='OLD')}; END",
    "update": (f"AFTER UPDATE ON runs BEGIN {BUMP.format(row='OLD')}; "
               f"{BUMP.format(row='NEW')} AND NEW.journey_id IS NOT OLD.journey_id; END"),
}
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION ronde_journey_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {BUMP.format(row='OLD')};
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.journey_id IS DISTINCT FROM OLD.journey_id)
    THEN
        {BUMP.format(row='NEW')};
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    # A constant default: SQLite adds the column in place, no table rebuilt.
    with op.batch_alter_table("journeys") as batch:
        batch.add_column(sa.Column("generation", sa.BigInteger(), nullable=False,
                                   server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute("CREATE TRIGGER runs_journey_generation AFTER INSERT OR UPDATE OR DELETE "
                   "ON runs FOR EACH ROW EXECUTE FUNCTION ronde_journey_generation()")
    else:
        for event, body in SQLITE.items():
            op.execute(f"CREATE TRIGGER runs_journey_generation_{event} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER runs_journey_generation ON runs")
        op.execute("DROP FUNCTION ronde_journey_generation()")
    else:
        for event in SQLITE:
            op.execute(f"DROP TRIGGER runs_journey_generation_{event}")
    op.drop_column("journeys", "generation")  # SQLite >= 3.35: no table rebuild
