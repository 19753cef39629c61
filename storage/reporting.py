"""Read-only aggregates for the dashboard and `/metrics` that `storage.kpi` does not cover.

Owned by the read side (ronde/dashboard, ronde/metrics.py, ronde/report). Computed in SQL,
returned as plain tuples; functions take the `Database` (`store.db`) like storage.incidents.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from storage import generations, rollups
from storage.cellcache import cache_of
from storage.engine import Database
from storage.models import ArtifactRow, DeviceRow, JourneyRow, RunRow
from storage.records import RunBrief
from storage.totals import RESPONSE_BOUNDS_MS

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RunCount:
    journey: str
    device: str  # "" for runs without a device (error: no device)
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class ResponseBuckets:
    journey: str
    transaction: str
    buckets: tuple[int, ...]  # responses <= each bound, in the bounds' order (cumulative)
    count: int  # every measured response
    sum_ms: float


def run_counts(db: Database) -> list[RunCount]:
    """Finished runs by journey, device and status, since the store began (pruned ones too):
    the totals kept at write time (storage.rollups), each journey's kept while its generation
    stays the same (they are written with its runs, in their transaction; a prune moves every
    journey), so a scrape reads again the few journeys that ran."""
    with db.read() as session:
        per_journey, keys = _kept_by_journey(db, session, "run counts", lambda named: {
            k: RunCount(*k, n) for k, n in sorted(rollups.run_counts(session, named).items())})
        return [c for j in sorted(per_journey, key=keys.__getitem__)
                for c in per_journey[j].values()]


def _kept_by_journey(db: Database, session: Any, name: str,
                     read: Callable[[list[str] | None], dict[tuple[Any, ...], T]]
                     ) -> tuple[dict[int, dict[tuple[Any, ...], T]], dict[int, str]]:
    """Rows keyed by (journey key, ...) read by `read(journey keys, or None for every
    journey)`, grouped per journey id and each journey's kept while its generation stays the
    same (storage.generations): only the journeys that changed are read again. Also every
    journey's key by id. Rows whose journey the journeys table does not name are left out
    (a journey is never deleted; one added after the generations were read is in the next
    read)."""
    generation = generations.current(session)  # first: every journey it names has a key
    keys = generations.journey_keys(session)

    def compute(stale: list[int], previous: dict[int, Any]) -> dict[int, dict[Any, T]]:
        named = [keys[j] for j in stale] if generations.one_by_one(stale, generation) \
            else None
        out: dict[int, dict[Any, T]] = {j: {} for j in stale}
        ids = {key: j for j, key in keys.items()}
        for key, value in read(named).items():
            if ids.get(key[0]) in out:
                out[ids[key[0]]][key] = value
        return out

    return cache_of(db).by_journey.read((name,), generation, compute, len), keys


def artifact_recorded(db: Database, path: str) -> bool:
    """Whether a stored run lists `path` (relative to the artifacts directory) as evidence."""
    query = select(ArtifactRow.id).where(ArtifactRow.path == path).limit(1)
    with db.read() as session:
        return session.execute(query).first() is not None


def response_marks(db: Database) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Per (journey, transaction), a mark that changes with its response buckets: a reader
    keeps what it made of a series while its mark stays (storage.rollups.response_marks).
    Each journey's marks are kept while its generation stays the same: its series' rows are
    written with its runs, in their transaction."""
    with db.read() as session:
        per_journey, _ = _kept_by_journey(
            db, session, "response marks",
            lambda named: rollups.response_marks(session, named))
        return {series: mark for found in per_journey.values()
                for series, mark in found.items()}


def response_buckets(db: Database, bounds_ms: Sequence[float],
                     series: Collection[tuple[str, str]] | None = None
                     ) -> list[ResponseBuckets]:
    """Cumulative histogram counts of measured response times per journey and transaction
    (of every series, or of `series`), since the store began (pruned runs included), from
    the totals kept at write time. Exact at bounds taken from
    `storage.totals.RESPONSE_BOUNDS_MS`; another bound counts the responses of the whole
    buckets below it."""
    with db.read() as session:
        found = rollups.response_totals(session, series)
    edges = [*RESPONSE_BOUNDS_MS, math.inf]
    # the buckets wholly at or below each asked bound: edges[:upto[k]]
    upto = [bisect.bisect_right(edges, bound) for bound in bounds_ms]
    indexes = range(len(edges))
    zeros = itertools.repeat(0)
    out = []
    for (journey, name), (buckets, count, sum_ms) in sorted(found.items()):
        # running[k]: the responses of edges[:k] (made in C: 37 k buckets a scrape)
        running = [0, *itertools.accumulate(map(buckets.get, indexes, zeros))]
        cumulative = tuple(map(running.__getitem__, upto))
        out.append(ResponseBuckets(journey, name, cumulative, count, sum_ms))
    return out


def latest_verdicts(db: Database, strips: Mapping[str, Sequence[RunBrief]] | None = None,
                    limit: int = 0) -> dict[str, str]:
    """Per journey, the status of its latest finished run that judged the app (not `error`).
    Given `strips`, each journey's latest `limit` finished runs (`queries.
    recent_runs_per_journey`), read off them; else, or when a full strip holds only errors,
    one index probe per journey, whatever the history kept."""
    if strips:
        found = _judged(strips, limit)
        if found is not None:
            return found
    latest = (
        select(RunRow.status)
        .where(RunRow.journey_id == JourneyRow.id, RunRow.is_open.is_(False),
               RunRow.status != "error")
        .order_by(RunRow.started_at.desc(), RunRow.id.desc())
        .limit(1)
        .correlate(JourneyRow)
        .scalar_subquery()
    )
    query = select(JourneyRow.key, latest.label("status"))
    with db.read() as session:
        return {key: status for key, status in session.execute(query) if status is not None}


def _judged(strips: Mapping[str, Sequence[RunBrief]], limit: int) -> dict[str, str] | None:
    """`latest_verdicts` read off the strips; None when a full strip holds only errors (an
    older run may have judged the app)."""
    out = {}
    for key, runs in strips.items():
        judged = next((r.status for r in reversed(runs) if r.status not in (None, "error")),
                      None)
        if judged is not None:
            out[key] = judged
        elif len(runs) >= limit:
            return None
    return out


def alert_windows(db: Database) -> dict[str, timedelta]:
    """Journeys whose own `monitor.alert.window` (as last recorded) overrides the default."""
    query = select(JourneyRow.key, JourneyRow.alert_window_ms).where(
        JourneyRow.alert_window_ms.is_not(None))
    with db.read() as session:
        return {key: timedelta(milliseconds=ms) for key, ms in session.execute(query) if ms}


def journey_names(db: Database) -> dict[str, str | None]:
    """Every journey ever recorded, by key, with its human name."""
    with db.read() as session:
        return {
            key: name
            for key, name in session.execute(
                select(JourneyRow.key, JourneyRow.name).order_by(JourneyRow.key)
            )
        }


def devices_seen(db: Database, since: datetime, until: datetime) -> list[str]:
    """Names of the devices that ran at least one finished run started in [since, until): one
    index probe per device (runs by device and start), not a scan of the window's runs."""
    ran = (
        select(RunRow.id)
        .where(RunRow.device_id == DeviceRow.id, RunRow.is_open.is_(False),
               RunRow.started_at >= since, RunRow.started_at < until)
        .correlate(DeviceRow)
        .exists()
    )
    query = select(DeviceRow.name).where(ran).order_by(DeviceRow.name)
    with db.read() as session:
        return list(session.scalars(query))


def run_span(db: Database, since: datetime, until: datetime) -> tuple[datetime, datetime] | None:
    """When the first and the latest finished run of [since, until) started: the period a
    report really covers (a 10-day report of a robot started 10 minutes ago covers 10 min)."""
    def end(order: Any) -> Any:  # one end of the runs' start index, not the whole window
        return (select(RunRow.started_at)
                .where(RunRow.started_at >= since, RunRow.started_at < until,
                       RunRow.is_open.is_(False))
                .order_by(order).limit(1).scalar_subquery())

    query = select(end(RunRow.started_at.asc()), end(RunRow.started_at.desc()))
    with db.read() as session:
        first, last = session.execute(query).one()
    return None if first is None else (first, last)


@dataclass(frozen=True, slots=True)
class Attempt:
    run_id: str
    attempt: int
    status: str | None  # None while open
    device: str | None
    started_at: datetime


def round_of_run(db: Database, run_id: str) -> list[Attempt]:
    """Every attempt of the round `run_id` belongs to (first attempt and confirmations)."""
    round_id = select(RunRow.round_id).where(RunRow.run_id == run_id).scalar_subquery()
    query = (
        select(RunRow.run_id, RunRow.attempt, RunRow.status, DeviceRow.name, RunRow.started_at)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.round_id == round_id)
        .order_by(RunRow.attempt, RunRow.started_at)
    )
    with db.read() as session:
        return [Attempt(*row) for row in session.execute(query)]
