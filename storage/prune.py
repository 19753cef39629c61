"""Retention: delete runs older than a cutoff, their artifact files first, then their rows.

Files go first so that a crash in between leaves rows pointing at missing files (visible,
harmless) rather than files nobody references (a silent disk leak). Open runs, and files
still referenced by a kept run, are never touched; paths outside the artifacts directory
are refused. What runs are deleted is folded into `storage.totals` first, in the same
transaction, so the counters `/metrics` exposes never go down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select

from storage import hourly, timings, totals
from storage.engine import Database
from storage.models import (
    ArtifactRow,
    AvailabilityHourRow,
    HeartbeatRow,
    IncidentRow,
    NotificationRow,
    RunRow,
    TimingHourRow,
)


@dataclass(frozen=True, slots=True)
class PruneReport:
    runs: int = 0
    files_deleted: int = 0
    files_missing: int = 0
    bytes_freed: int = 0
    incidents: int = 0
    notifications: int = 0
    heartbeats: int = 0


def prune(db: Database, *, before: datetime, artifacts_dir: Path | None) -> PruneReport:
    old = (RunRow.started_at < before) & RunRow.is_open.is_(False)
    with db.transaction() as session:
        old_paths = set(
            session.scalars(select(ArtifactRow.path).join(RunRow).where(old).distinct())
        )
        kept_paths = set(
            session.scalars(
                select(ArtifactRow.path).join(RunRow).where(~old, ArtifactRow.path.in_(old_paths))
            )
        ) if old_paths else set()
    deleted = missing = freed = 0
    if artifacts_dir is not None:
        root = artifacts_dir.resolve()
        for relative in sorted(old_paths - kept_paths):
            target = (root / relative).resolve()
            if not target.is_relative_to(root) or target == root:
                continue  # never delete outside the artifacts directory
            try:
                size = target.stat().st_size
                target.unlink()
            except FileNotFoundError:
                missing += 1
                continue
            deleted += 1
            freed += size
            _remove_empty_parents(target.parent, root)
    with db.transaction() as session:
        totals.fold(session, old)  # so /metrics counters never go down
        hours = set(session.execute(  # the kept rounds of the cutoff's hour are recounted
            select(RunRow.journey_id).where(RunRow.started_at >= hourly.floor_hour(before),
                                            RunRow.started_at < before).distinct()).scalars())
        runs = session.execute(delete(RunRow).where(old)).rowcount
        session.execute(delete(AvailabilityHourRow).where(
            AvailabilityHourRow.hour < hourly.floor_hour(before)))
        t = TimingHourRow
        session.execute(delete(t).where(t.span == 1, t.hour < hourly.floor_hour(before)))
        days = set(session.execute(select(t.journey_id).where(  # the cutoff's day is recounted
            t.span == 24, t.hour == timings.floor_day(before))).scalars())
        session.execute(delete(t).where(t.span == 24, t.hour <= timings.floor_day(before)))
        for journey_id in sorted(hours):
            hourly.refresh(session, journey_id, before)
            timings.refresh(session, journey_id, before)
        for journey_id in sorted(days - hours):
            timings.refresh_day(session, journey_id, before)
        old_incidents = (IncidentRow.state == "resolved") & (IncidentRow.resolved_at < before)
        incident_notifications = session.execute(
            delete(NotificationRow).where(
                NotificationRow.incident_id.in_(select(IncidentRow.id).where(old_incidents))
            )
        ).rowcount
        incidents = session.execute(delete(IncidentRow).where(old_incidents)).rowcount
        loose = session.execute(
            delete(NotificationRow).where(
                NotificationRow.incident_id.is_(None), NotificationRow.sent_at < before
            )
        ).rowcount
        heartbeats = session.execute(
            delete(HeartbeatRow).where(HeartbeatRow.last_beat_at < before)
        ).rowcount
    return PruneReport(
        runs=runs, files_deleted=deleted, files_missing=missing, bytes_freed=freed,
        incidents=incidents, notifications=incident_notifications + loose,
        heartbeats=heartbeats,
    )


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
