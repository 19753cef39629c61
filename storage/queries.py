"""Reading runs back as frozen records (for alert rules, `ronde status`, the dashboard)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, select
from sqlalchemy.orm import Session, aliased

from storage import generations
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
from storage.records import (
    ArtifactRecord,
    RunBrief,
    RunDetail,
    RunRecord,
    StepRecord,
    TransactionRecord,
)
from storage.types import UTCDateTime

_CHUNK = 512  # a power of two: see _padded


def _base(core: bool = False) -> Select[Any]:
    """Runs with their journey key, device name, journey hash and load time; `core`: the run's
    columns as a plain row (no ORM object per run: a page's thousands of runs read ~3x
    faster, see `_flat`)."""
    load = MeasurementRow.__table__.alias("load")
    return (
        select(
            RunRow.__table__ if core else RunRow,
            JourneyRow.key,
            DeviceRow.name,
            JourneyVersionRow.hash,
            load.c.value_ms,
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .outerjoin(JourneyVersionRow, RunRow.journey_version_id == JourneyVersionRow.id)
        .outerjoin(load, and_(load.c.run_pk == RunRow.id, load.c.name == "load"))
    )


def runs(
    session: Session,
    *,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    include_open: bool = False,
    with_transactions: bool = True,
    limit: int | None = None,
    status: str | None = None,
    category: str | None = None,
    before: str | None = None,
    recorded_since: datetime | None = None,
) -> list[RunRecord]:
    """Runs started in [since, until), oldest first (newest `limit` ones when limited).

    `before`: a run_id; only the runs that come after it newest first, i.e. started before
    it (keyset paging: a later page costs what the first one does). `recorded_since`: only
    the runs whose result was stored at or after it (a reader topping up what it read)."""
    query = _base()
    if journey is not None:
        query = query.where(JourneyRow.key == journey)
    if device is not None:
        query = query.where(DeviceRow.name == device)
    if status is not None:
        query = query.where(RunRow.status == status)
    if category is not None:
        query = query.where(RunRow.category == category)
    if before is not None:
        mark = aliased(RunRow, name="mark")  # an alias: not correlated with the outer runs
        at = select(mark.started_at).where(mark.run_id == before).scalar_subquery()
        pk = select(mark.id).where(mark.run_id == before).scalar_subquery()
        query = query.where((RunRow.started_at < at)
                            | ((RunRow.started_at == at) & (RunRow.id < pk)))
    if since is not None:
        query = query.where(RunRow.started_at >= since)
    if until is not None:
        query = query.where(RunRow.started_at < until)
    if recorded_since is not None:
        query = query.where(RunRow.recorded_at >= recorded_since)
    if not include_open:
        query = query.where(RunRow.is_open.is_(False))
    if limit is not None:
        query = query.order_by(RunRow.started_at.desc(), RunRow.id.desc()).limit(limit)
        rows = list(reversed(session.execute(query).all()))
    else:
        rows = list(session.execute(query.order_by(RunRow.started_at, RunRow.id)).all())
    return _records(session, rows, with_transactions)


def latest_runs(session: Session, *, with_transactions: bool = True) -> list[RunRecord]:
    """The last finished run of each journey, by journey key: one index probe per journey
    (runs by journey and start), so the cost grows with the journeys, not the history."""
    latest = (
        select(RunRow.id)
        .where(RunRow.journey_id == JourneyRow.id, RunRow.is_open.is_(False))
        .order_by(RunRow.started_at.desc(), RunRow.id.desc())
        .limit(1)
        .correlate(JourneyRow)
        .scalar_subquery()
    )
    query = _base().where(RunRow.id == latest).order_by(JourneyRow.key)
    return _records(session, list(session.execute(query).all()), with_transactions)


def recent_runs_per_journey(session: Session, limit: int,
                            memo: generations.PerJourney[Any] | None = None
                            ) -> dict[str, list[RunBrief]]:
    """Each journey's latest `limit` finished runs, oldest first, as briefs, in one
    statement that reads `limit` index entries per journey, whatever the history kept. With
    a `memo`, a journey's strip is kept while its generation stays the same: a running trial
    reads again the few journeys that recorded a run since the last read."""
    if memo is None:
        return {key: runs for key, runs in _strips(session, limit, None).values() if runs}

    gens = generations.current(session)

    def compute(stale: list[int], previous: dict[int, Any]) -> dict[int, Any]:
        found = _strips(session, limit, stale if generations.one_by_one(stale, gens) else None)
        return {j: found.get(j, ("", [])) for j in stale}

    strips = memo.read(("strips", limit), gens, compute, lambda strip: len(strip[1]))
    return {key: runs for key, runs in sorted(strips.values()) if runs}


def _strips(session: Session, limit: int, journey_ids: list[int] | None
            ) -> dict[int, tuple[str, list[RunBrief]]]:
    """(journey key, its strip) by journey id, of every journey or of those named."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    query = (_latest_lateral if postgresql else _latest_from_cutoffs)(
        limit, journey_ids is not None)
    out: dict[int, tuple[str, list[RunBrief]]] = {}
    params = {} if journey_ids is None else {"journey_ids": journey_ids}
    # plain rows: ORM loading cost 3x the SQL
    for journey_id, key, *brief in session.connection().execute(query, params).all():
        found = out.get(journey_id)
        if found is None:
            out[journey_id] = found = (key, [])
        found[1].append(RunBrief._make(brief))
    return {j: (key, runs[-limit:]) for j, (key, runs) in out.items()}  # ties at the cutoff


def _named(query: Any, some: bool) -> Any:
    return query.where(JourneyRow.id.in_(bindparam("journey_ids", expanding=True))) \
        if some else query


@lru_cache(maxsize=8)  # built once per limit: building it cost 4 ms, a quarter of the read
def _latest_lateral(limit: int, some: bool) -> Select[Any]:
    """PostgreSQL: per journey, its latest runs through (journey_id, started_at) backwards
    (LATERAL). The cutoff form below made it scan every run (the planner cannot see the
    cutoffs' values): 108 ms on 296 k runs, growing with the history."""
    latest = (
        select(RunRow.run_id, RunRow.status, RunRow.started_at, RunRow.attempt,
               RunRow.device_id, RunRow.category, RunRow.id)
        .where(RunRow.journey_id == JourneyRow.id, RunRow.is_open.is_(False))
        .order_by(RunRow.started_at.desc(), RunRow.id.desc())
        .limit(limit)
        .lateral("latest")
    )
    return _named(
        select(JourneyRow.id, JourneyRow.key, latest.c.run_id, latest.c.status,
               latest.c.started_at, latest.c.attempt, DeviceRow.name, latest.c.category)
        .select_from(JourneyRow)
        .join(latest, literal(True))
        .outerjoin(DeviceRow, latest.c.device_id == DeviceRow.id)
        .order_by(JourneyRow.key, latest.c.started_at, latest.c.id), some)


@lru_cache(maxsize=8)
def _latest_from_cutoffs(limit: int, some: bool) -> Select[Any]:
    """SQLite (no LATERAL): per journey, the start of its `limit`-th latest run (one index
    read), then the runs from there (an index range)."""
    recent = aliased(RunRow, name="recent")
    cutoff = (
        select(recent.started_at)
        .where(recent.journey_id == JourneyRow.id, recent.is_open.is_(False))
        .order_by(recent.started_at.desc(), recent.id.desc())
        .limit(1)
        .offset(limit - 1)
        .correlate(JourneyRow)
        .scalar_subquery()
    )
    dawn = literal(datetime(1970, 1, 1, tzinfo=UTC), UTCDateTime())
    cutoffs = _named(select(JourneyRow.id.label("journey_id"), func.coalesce(
        cutoff, dawn).label("since")), some).cte("cutoffs").prefix_with(
        "MATERIALIZED")  # read first, then the runs
    return (
        select(JourneyRow.id, JourneyRow.key, RunRow.run_id, RunRow.status, RunRow.started_at,
               RunRow.attempt, DeviceRow.name, RunRow.category)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .join(cutoffs, and_(RunRow.journey_id == cutoffs.c.journey_id,
                            RunRow.started_at >= cutoffs.c.since))
        .where(RunRow.is_open.is_(False))
        .order_by(JourneyRow.key, RunRow.started_at, RunRow.id)
    )


def _flat(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of `_base(core=True)` shaped as `_records` reads them: the row stands for the run
    (its columns carry the ORM attributes' names)."""
    return [(r, r.key, r.name, r.hash, r.value_ms) for r in rows]


def get_run(session: Session, run_id: str) -> RunDetail | None:
    row = session.execute(_base().where(RunRow.run_id == run_id)).first()
    if row is None:
        return None
    run_pk = row[0].id
    record = _records(session, [row], True)[0]
    steps = tuple(
        StepRecord(
            position=s.position, command=s.command, description=s.description, status=s.status,
            started_ms=s.started_ms, duration_ms=s.duration_ms, category=s.category,
            error=s.error, optional=s.optional, line=s.line, file=s.file,
        )
        for s in session.scalars(
            select(StepRow).where(StepRow.run_pk == run_pk).order_by(StepRow.position)
        )
    )
    measurements = {
        m.name: m.value_ms
        for m in session.scalars(select(MeasurementRow).where(MeasurementRow.run_pk == run_pk))
    }
    artifacts = tuple(
        ArtifactRecord(kind=a.kind, path=a.path, sha256=a.sha256, size=a.size)
        for a in session.scalars(
            select(ArtifactRow).where(ArtifactRow.run_pk == run_pk).order_by(ArtifactRow.id)
        )
    )
    return RunDetail(run=record, steps=steps, measurements=measurements, artifacts=artifacts)


def _padded(pks: list[int]) -> list[int]:
    """`pks` grown to the next power of two by repeating its last id. The SQL text of an IN
    list depends on its length, and each distinct text is a prepared statement that every
    pooled connection keeps (sqlite3: 128 of them per connection, tens of kB each): the
    robot's memory grew with each new length the alert engine's reads hit."""
    size = 1
    while size < len(pks):
        size *= 2
    return pks + pks[-1:] * (size - len(pks))


def _records(session: Session, rows: Sequence[Any], with_transactions: bool) -> list[RunRecord]:
    transactions: dict[int, list[TransactionRecord]] = defaultdict(list)
    if with_transactions and rows:
        pks = [row[0].id for row in rows]
        for start in range(0, len(pks), _CHUNK):
            query = (
                select(TransactionRow)
                .where(TransactionRow.run_pk.in_(_padded(pks[start : start + _CHUNK])))
                .order_by(TransactionRow.run_pk, TransactionRow.position)
            )
            for t in session.scalars(query):
                transactions[t.run_pk].append(
                    TransactionRecord(
                        name=t.name, status=t.status, response_ms=t.response_ms,
                        resolution_ms=t.resolution_ms, category=t.category, error=t.error,
                        is_load=t.is_load, action=t.action, check=t.check, position=t.position,
                    )
                )
    return [
        RunRecord(
            run_id=run.run_id, round_id=run.round_id, journey=key, device=device,
            status=run.status, category=run.category, attempt=run.attempt,
            confirms=run.confirms, started_at=run.started_at, ended_at=run.ended_at,
            scheduled_at=run.scheduled_at, duration_ms=run.duration_ms, is_open=run.is_open,
            app_version=run.app_version, os_version=run.os_version,
            robot_version=run.robot_version, robot_host=run.robot_host,
            platform=run.platform, error=run.error, journey_hash=digest, load_ms=load_ms,
            transactions=tuple(transactions.get(run.id, ())), recorded_at=run.recorded_at,
            robot_name=run.robot_name, location=run.location,
        )
        for run, key, device, digest, load_ms in rows
    ]
