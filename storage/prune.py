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
from typing import Any

from sqlalchemy import delete, select

from storage import generations, hourly, timings, totals
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
        generations.bump_all(session)  # first: the journey rows before the derived rows
        totals.fold(session, old)  # so /metrics counters never go down
        hours = set(session.execute(  # the kept rounds of the cutoff's hour are recounted
            select(RunRow.journey_id).where(RunRow.started_at >= hourly.floor_hour(before),
                                            RunRow.started_at < before).distinct()).scalars())
        runs = session.execute(delete(RunRow).where(old)).rowcount
        # The cutoff's hour is recounted from its kept runs, the cutoff's day from its kept
        # hours; every availability lock before every timing lock, journeys in order, as
        # writes take them (runs.TouchedHours): no deadlock with a writer.
        for t, module in ((AvailabilityHourRow, hourly), (TimingHourRow, timings)):
            for journey_id in sorted(hours | _delete_hours_before(session, t, before)):
                if journey_id in hours:
                    module.refresh(session, journey_id, before)
                else:
                    module.refresh_day(session, journey_id, before)
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


def _delete_hours_before(session: Any, t: Any, before: datetime) -> set[int]:
    """Delete a table's hour rows (`span` 1) before the cutoff's hour and its day rows (24) up
    to the cutoff's day; returns the journeys whose row of that day must be recounted."""
    session.execute(delete(t).where(t.span == 1, t.hour < hourly.floor_hour(before)))
    day = hourly.floor_day(before)
    cut = set(session.execute(select(t.journey_id).where(t.span == 24, t.hour == day)).scalars())
    session.execute(delete(t).where(t.span == 24, t.hour <= day))
    return cut


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
