"""Robot heartbeats: which robot processes are alive, and since when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.engine import Database
from storage.models import HeartbeatRow
from storage.records import HeartbeatRecord


def start(db: Database, *, host: str, pid: int, version: str | None, now: datetime) -> int:
    with db.transaction() as session:
        row = HeartbeatRow(host=host, pid=pid, version=version, started_at=now, last_beat_at=now)
        session.add(row)
        session.flush()
        return row.id


def beat(
    db: Database, heartbeat_id: int, now: datetime, *, lock_timeout_ms: int | None = None
) -> None:
    with db.transaction(lock_timeout_ms=lock_timeout_ms) as session:
        row = session.get(HeartbeatRow, heartbeat_id)
        if row is not None:
            row.last_beat_at = now


def stop(db: Database, heartbeat_id: int, now: datetime) -> None:
    with db.transaction() as session:
        row = session.get(HeartbeatRow, heartbeat_id)
        if row is not None:
            row.last_beat_at = now
            row.stopped_at = now


def heartbeats(db: Database, *, alive_since: datetime | None = None) -> list[HeartbeatRecord]:
    """Every robot process, or only those not stopped that beat at or after `alive_since`."""
    query = select(HeartbeatRow).order_by(HeartbeatRow.started_at, HeartbeatRow.id)
    if alive_since is not None:
        query = query.where(
            HeartbeatRow.stopped_at.is_(None), HeartbeatRow.last_beat_at >= alive_since
        )
    with db.read() as session:
        return [
            HeartbeatRecord(
                id=r.id, host=r.host, pid=r.pid, version=r.version, started_at=r.started_at,
                last_beat_at=r.last_beat_at, stopped_at=r.stopped_at,
            )
            for r in session.scalars(query)
        ]
