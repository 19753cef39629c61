"""A fleet's coordination in PostgreSQL: slot claims and the alert holder's advisory lock.

Chosen over a queue or an engine of our own because the fleet already shares this database:
a claim is one `INSERT ... ON CONFLICT DO NOTHING` on the (journey, slot, scope) primary key,
so exactly one robot's insert lands whatever the timing. A claim whose robot died before
opening the slot's run is an orphan: a live robot takes it over with one conditional
`UPDATE` (still the dead robot's, still no run), so of two survivors exactly one gets it and
the slot runs late rather than never. The alert holder is whoever holds
a session-level advisory lock on a connection of its own, which PostgreSQL releases by itself
when that connection (or the robot) dies.
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.models import JourneyRow, RunRow, SlotClaimRow

ALERTS_LOCK = "ronde:alerts"


def claim_slot(db: Database, *, journey: str, slot_at: datetime, scope: str, robot: str,
               now: datetime, lock_timeout_ms: int | None = None) -> bool:
    """True when this robot's claim landed (it runs the slot), False when another's did."""
    insert = pg_insert if db.backend == "postgresql" else sqlite_insert
    statement = insert(SlotClaimRow).values(
        journey=journey, slot_at=slot_at, scope=scope, robot=robot, claimed_at=now,
    ).on_conflict_do_nothing().returning(SlotClaimRow.robot)
    with db.transaction(lock_timeout_ms=lock_timeout_ms) as session:
        return session.execute(statement).first() is not None


def claims(db: Database, journey: str | None = None) -> list[tuple[str, datetime, str, str]]:
    """(journey, slot, scope, robot) of every claim, oldest slot first."""
    query = select(SlotClaimRow.journey, SlotClaimRow.slot_at, SlotClaimRow.scope,
                   SlotClaimRow.robot).order_by(SlotClaimRow.slot_at, SlotClaimRow.journey)
    if journey is not None:
        query = query.where(SlotClaimRow.journey == journey)
    with db.read() as session:
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def take_over_claims(
    db: Database, *, dead: Collection[str], robot: str, slots: Collection[tuple[str, str]],
    since: datetime, now: datetime,
) -> list[tuple[str, datetime, str]]:
    """Make this robot the owner of the orphaned claims it can run: claimed since `since` by
    one of the `dead` robots, for one of its (journey, scope) `slots`, and with no run stored
    for that slot (any attempt). Returns the (journey, slot, scope) taken, to run late.

    One `UPDATE ... WHERE robot IN dead AND NOT EXISTS (run)`: PostgreSQL re-checks the
    condition on a row another transaction just updated, so when two survivors race, the
    second finds the robot changed and takes nothing.
    """
    if not dead or not slots:
        return []
    has_run = exists().where(
        RunRow.journey_id == JourneyRow.id, JourneyRow.key == SlotClaimRow.journey,
        RunRow.scheduled_at == SlotClaimRow.slot_at, RunRow.scope == SlotClaimRow.scope)
    statement = (
        update(SlotClaimRow)
        .where(SlotClaimRow.robot.in_(sorted(dead)), SlotClaimRow.claimed_at >= since,
               or_(*(and_(SlotClaimRow.journey == j, SlotClaimRow.scope == s)
                     for j, s in sorted(slots))),
               ~has_run)
        .values(robot=robot, claimed_at=now)
        .returning(SlotClaimRow.journey, SlotClaimRow.slot_at, SlotClaimRow.scope)
        .execution_options(synchronize_session=False)
    )
    with db.transaction() as session:
        taken = [(j, at, s) for j, at, s in session.execute(statement)]
    return sorted(taken, key=lambda t: (t[1], t[0], t[2]))


def prune_claims(db: Database, before: datetime) -> int:
    """Forget claims made before `before` (their slots are long past)."""
    with db.transaction() as session:
        return session.execute(delete(SlotClaimRow).where(SlotClaimRow.claimed_at < before)
                               ).rowcount or 0


def lock_key(name: str) -> int:
    """A stable 32-bit key for `pg_try_advisory_lock` from a name."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on a dedicated connection.

    `held()` says whether this process holds it now, trying to take it when not: a lost
    connection (network cut, database restart) loses the lock, and PostgreSQL gives it to
    the next robot that asks. Thread-safe; never raises for a database that is down.
    """

    def __init__(self, db: Database, name: str = ALERTS_LOCK) -> None:
        if db.backend != "postgresql":
            raise ValueError("advisory locks need PostgreSQL")
        self._db = db
        self._key = lock_key(name)
        self._conn: Connection | None = None
        self._mutex = threading.Lock()

    def held(self) -> bool:
        with self._mutex:
            if self._conn is not None:
                try:
                    self._conn.exec_driver_sql("SELECT 1")
                    return True
                except sa_exc.SQLAlchemyError:
                    self._drop()
            try:
                conn = self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            except sa_exc.SQLAlchemyError:
                return False
            try:
                got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({self._key})").scalar()
            except sa_exc.SQLAlchemyError:
                got = False
            if got:
                self._conn = conn
                return True
            conn.close()
            return False

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                with contextlib.suppress(sa_exc.SQLAlchemyError):
                    self._conn.exec_driver_sql(f"SELECT pg_advisory_unlock({self._key})")
                self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sa_exc.SQLAlchemyError):
                conn.invalidate()  # never back to the pool: the session (and lock) ends
                conn.close()
