"""Writing runs: open a run, record its result (idempotent by run_id), close aborted runs.

Each function takes a Session inside the caller's transaction (storage.store owns them).
A race on a new journey or device name between two robots surfaces as an IntegrityError;
the store retries the whole transaction once, when the rows exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from journeys.results import RunResult
from storage import hourly, rollups, timings
from storage.errors import StorageError
from storage.models import (
    ArtifactRow,
    DeviceRow,
    JourneyRow,
    JourneyVersionRow,
    MeasurementRow,
    RunRow,
    StepRow,
    TransactionRow,
)
from storage.records import Recorded
from storage.serialize import JourneyInfo

NAVIGATION_PREFIX = "nav."  # web Navigation Timing, e.g. nav.domContentLoaded, nav.load
ABORTED_ERROR = "run never finished: the robot stopped or was killed mid-run"


def journey_row(session: Session, info: JourneyInfo, now: datetime) -> JourneyRow:
    row = session.scalars(select(JourneyRow).where(JourneyRow.key == info.key)).one_or_none()
    if row is None:
        row = JourneyRow(key=info.key, name=info.name, platform=info.platform,
                         slow_ms=info.slow_ms, alert_window_ms=info.alert_window_ms or None,
                         created_at=now)
        session.add(row)
        session.flush()
    else:
        if info.name and row.name != info.name:
            row.name = info.name
        if info.platform and row.platform != info.platform:
            row.platform = info.platform
        if info.slow_ms is not None and row.slow_ms != info.slow_ms:
            row.slow_ms = info.slow_ms
        if info.alert_window_ms is not None and row.alert_window_ms != (
                info.alert_window_ms or None):
            row.alert_window_ms = info.alert_window_ms or None
    return row


def version_row(
    session: Session, journey: JourneyRow, digest: str | None, now: datetime
) -> JourneyVersionRow | None:
    if not digest:
        return None
    row = session.scalars(
        select(JourneyVersionRow).where(
            JourneyVersionRow.journey_id == journey.id, JourneyVersionRow.hash == digest
        )
    ).one_or_none()
    if row is None:
        row = JourneyVersionRow(journey_id=journey.id, hash=digest, first_seen_at=now)
        session.add(row)
        session.flush()
    return row


def device_row(
    session: Session,
    name: str,
    now: datetime,
    *,
    platform: str | None = None,
    model: str | None = None,
    os_version: str | None = None,
) -> DeviceRow | None:
    if not name:
        return None  # e.g. `error` (no device): the run stands without one
    row = session.scalars(select(DeviceRow).where(DeviceRow.name == name)).one_or_none()
    if row is None:
        row = DeviceRow(name=name, first_seen_at=now, last_seen_at=now, platform=platform,
                        model=model, os_version=os_version)
        session.add(row)
        session.flush()
        return row
    # assign only on change: an unchanged row costs no UPDATE
    if now > row.last_seen_at:
        row.last_seen_at = now
    for attr, value in (("platform", platform), ("model", model), ("os_version", os_version)):
        if value and getattr(row, attr) != value:
            setattr(row, attr, value)
    return row


def round_of(session: Session, run_id: str, confirms: str | None) -> str:
    """The run_id of the first attempt of the round this run belongs to."""
    if not confirms:
        return run_id
    root = session.scalars(select(RunRow.round_id).where(RunRow.run_id == confirms)).first()
    return root or confirms


def start_run(
    session: Session,
    *,
    run_id: str,
    journey: JourneyInfo,
    device: str,
    scheduled_at: datetime | None,
    attempt: int,
    confirms: str | None,
    host: str,
    now: datetime,
    scope: str = "",
    robot_name: str | None = None,
    location: str | None = None,
) -> bool:
    """Insert an open run; False when this run_id was already there (nothing changed)."""
    if session.scalars(select(RunRow.id).where(RunRow.run_id == run_id)).first() is not None:
        return False
    j = journey_row(session, journey, now)
    d = device_row(session, device, now, platform=journey.platform)
    session.add(
        RunRow(
            run_id=run_id,
            round_id=round_of(session, run_id, confirms),
            journey_id=j.id,
            journey_version_id=_id(version_row(session, j, journey.definition_hash, now)),
            device_id=_id(d),
            scheduled_at=scheduled_at,
            started_at=now,
            is_open=True,
            attempt=attempt,
            confirms=confirms,
            platform=journey.platform,
            robot_host=host,
            robot_name=robot_name or host or None,
            location=location,
            scope=scope,
        )
    )
    session.flush()
    return True


def record_run(
    session: Session, result: RunResult, journey: JourneyInfo, now: datetime,
    touched: TouchedHours | None = None,
) -> Recorded:
    """Write a finished run and its children, then refresh the derived rows of the hours it
    changes; with `touched`, only note those hours for the caller's `touched.refresh`."""
    _check_times(result)
    existing = session.scalars(select(RunRow).where(RunRow.run_id == result.run_id)).one_or_none()
    if existing is not None and not _replaceable(existing):
        return Recorded.DUPLICATE
    old_start = existing.started_at if existing is not None else None
    if existing is not None and not existing.is_open:  # an aborted run gets its real result
        before = rollups.of_stored_run(session, existing.id)
        if before is not None:
            rollups.add(session, [before], sign=-1)
    j = journey_row(session, journey, now)
    version = version_row(session, j, result.journey_hash or journey.definition_hash, now)
    d = device_row(  # seen when the run started, not when it was recorded (spool replays)
        session, result.device, result.started_at, platform=result.platform or journey.platform,
        model=result.device_model, os_version=result.os_version,
    )
    run = existing or RunRow(run_id=result.run_id)
    run.round_id = round_of(session, result.run_id, result.confirms)
    run.journey_id = j.id
    run.journey_version_id = _id(version)
    run.device_id = _id(d)
    run.scheduled_at = result.scheduled_at if existing is None else (
        existing.scheduled_at or result.scheduled_at
    )
    run.started_at = result.started_at
    run.ended_at = result.ended_at
    run.duration_ms = result.duration_ms
    run.is_open = False
    run.status = str(result.status)
    run.category = _str(result.category)
    run.attempt = result.attempt
    run.confirms = result.confirms
    run.platform = result.platform or journey.platform
    run.robot_host = result.robot_host or None
    run.robot_name = result.robot_name or result.robot_host or None
    run.location = result.location or run.location
    run.scope = result.scope if existing is None else (existing.scope or result.scope)
    run.robot_version = result.robot_version or None
    run.app_version = result.app_version
    run.os_version = result.os_version
    run.device_model = result.device_model
    run.error = result.error
    run.recorded_at = now
    if existing is None:
        session.add(run)
    session.flush()
    if existing is not None:
        for table in (TransactionRow, StepRow, MeasurementRow, ArtifactRow):
            session.execute(delete(table).where(table.run_pk == run.id))
    _add_children(session, run.id, result)
    rollups.add(session, [rollups.Contribution(
        j.key, d.name if d is not None else "", run.status,
        tuple((t.name, float(t.response_ms)) for t in result.transactions
              if t.response_ms is not None),
    )])
    hours = touched if touched is not None else TouchedHours()
    hours.availability |= _hours_touched(session, run, j.id, old_start)
    hours.timings |= {(j.id, hourly.floor_hour(at)) for at in (old_start, run.started_at) if at}
    if touched is None:
        hours.refresh(session)
    return Recorded.INSERTED if existing is None else Recorded.COMPLETED


@dataclass(slots=True)
class TouchedHours:
    """The (journey id, hour) rows that writes changed, to refresh from their runs: at once
    after each run, or once per hour for a bulk load of many runs in one transaction."""

    availability: set[tuple[int, datetime]] = field(default_factory=set)
    timings: set[tuple[int, datetime]] = field(default_factory=set)  # the runs' own starts

    def refresh(self, session: Session) -> None:
        for journey_id, hour in sorted(self.availability):
            hourly.refresh(session, journey_id, hour)
        for journey_id, hour in sorted(self.timings):
            timings.refresh(session, journey_id, hour)  # a journey's hours in time order
        self.availability.clear()
        self.timings.clear()


def _hours_touched(session: Session, run: RunRow, journey_id: int,
                   old_start: datetime | None) -> set[tuple[int, datetime]]:
    """The hours whose availability this run changes: as a first attempt its own (and the
    one it was opened in), as a confirmation its round's first attempt's."""
    if run.run_id == run.round_id:
        return {(journey_id, hourly.floor_hour(at)) for at in (old_start, run.started_at)
                if at is not None}
    root = hourly.root_start(session, run.round_id)
    return {(root[0], hourly.floor_hour(root[1]))} if root else set()


def _check_times(result: RunResult) -> None:
    for name in ("started_at", "ended_at", "scheduled_at"):
        value = getattr(result, name)
        if value is not None and value.utcoffset() is None:
            raise StorageError(
                f"run {result.run_id}: naive datetime {name}={value.isoformat()} refused: "
                "give a timezone-aware UTC time"
            )


def _replaceable(run: RunRow) -> bool:
    """An open run, or one closed as aborted before its real result arrived (spool replay)."""
    return run.is_open or (run.status == "error" and run.category == "aborted")


def _add_children(session: Session, run_pk: int, result: RunResult) -> None:
    """Children go in as Core executemany inserts: several times faster than ORM objects."""
    transactions = [
        {
            "run_pk": run_pk, "position": i, "name": t.name, "action": t.action,
            "check": t.check, "status": str(t.status), "category": _str(t.category),
            "response_ms": t.response_ms, "resolution_ms": t.resolution_ms,
            "started_ms": t.started_ms, "is_load": t.is_load, "error": t.error,
        }
        for i, t in enumerate(result.transactions)
    ]
    steps = [
        {
            "run_pk": run_pk, "position": s.index, "command": s.command,
            "description": s.description, "status": str(s.status), "category": _str(s.category),
            "started_ms": s.started_ms, "duration_ms": s.duration_ms, "error": s.error,
            "optional": s.optional, "line": s.line, "file": s.file,
        }
        for s in result.steps
    ]
    measurements: dict[str, tuple[float, float | None]] = {}
    if result.load_ms is not None:
        measurements["load"] = (result.load_ms, result.load_resolution_ms)
    for name, value in result.navigation_timing.items():
        measurements[NAVIGATION_PREFIX + name] = (float(value), None)
    artifacts = [
        {"run_pk": run_pk, "kind": a.kind, "path": a.path, "sha256": a.sha256, "size": a.size}
        for a in result.artifacts
    ]
    for table, rows in (
        (TransactionRow, transactions),
        (StepRow, steps),
        (MeasurementRow, [
            {"run_pk": run_pk, "name": name, "value_ms": value, "resolution_ms": resolution}
            for name, (value, resolution) in measurements.items()
        ]),
        (ArtifactRow, artifacts),
    ):
        if rows:
            session.execute(insert(table.__table__), rows)


def close_aborted_runs(session: Session, now: datetime, host: str | None = None,
                       robot_name: str | None = None) -> int:
    """Close open runs (of `host`; of the robot `robot_name` on it, when several robots
    share a host) as error/aborted."""
    query = select(RunRow).where(RunRow.is_open.is_(True))
    if host is not None:
        query = query.where(RunRow.robot_host == host)
    if robot_name is not None:  # runs opened before 0006 carry no robot name, or the host's
        query = query.where(or_(RunRow.robot_name.is_(None), RunRow.robot_name == robot_name,
                                RunRow.robot_name == RunRow.robot_host))
    count = 0
    closed = []
    for run in session.scalars(query):
        run.is_open = False
        run.status = "error"
        run.category = "aborted"
        run.ended_at = max(now, run.started_at)
        run.duration_ms = (run.ended_at - run.started_at).total_seconds() * 1000
        run.error = ABORTED_ERROR
        run.recorded_at = now
        closed.append(run.id)
        count += 1
    session.flush()
    rollups.add(session, [c for pk in closed if (c := rollups.of_stored_run(session, pk))])
    hours = {(root[0], hourly.floor_hour(root[1])) for pk in closed
             if (root := hourly.root_start(session, session.get(RunRow, pk).round_id))}
    for journey_id, hour in sorted(hours):
        hourly.refresh(session, journey_id, hour)
    return count


def _id(row: DeviceRow | JourneyVersionRow | None) -> int | None:
    return None if row is None else row.id


def _str(value: object) -> str | None:
    return None if value is None else str(value)
