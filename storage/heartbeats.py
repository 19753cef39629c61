"""Robot heartbeats: which robot processes are alive, since when, and (in a fleet) where they
stand, which devices they hold and which journeys they watch."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from storage.engine import Database
from storage.models import HeartbeatRow
from storage.records import HeartbeatRecord


def start(db: Database, *, host: str, pid: int, version: str | None, now: datetime,
          robot_name: str | None = None, location: str = "default") -> int:
    with db.transaction() as session:
        row = HeartbeatRow(host=host, pid=pid, version=version, started_at=now, last_beat_at=now,
                           robot_name=robot_name or host, location=location)
        session.add(row)
        session.flush()
        return row.id


def beat(
    db: Database, heartbeat_id: int, now: datetime, *, lock_timeout_ms: int | None = None,
    devices: Sequence[str] | None = None, running: Sequence[str] | None = None,
) -> None:
    with db.transaction(lock_timeout_ms=lock_timeout_ms) as session:
        row = session.get(HeartbeatRow, heartbeat_id)
        if row is not None:
            row.last_beat_at = now
            if devices is not None:
                row.devices = json.dumps(list(devices))
            if running is not None:
                row.running = json.dumps(list(running))


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
                robot_name=r.robot_name or r.host, location=r.location or "default",
                devices=_names(r.devices), running=_names(r.running),
            )
            for r in session.scalars(query)
        ]


def _names(raw: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
