"""Read-only aggregates for the dashboard and `/metrics` that `storage.kpi` does not cover.

Owned by the read side (ronde/dashboard, ronde/metrics.py, ronde/report). Computed in SQL,
returned as plain tuples; functions take the `Database` (`store.db`) like storage.incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from storage.engine import Database
from storage.models import DeviceRow, JourneyRow, RunRow, TransactionRow


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
    """Finished runs by journey, device and status, since the store began."""
    query = (
        select(JourneyRow.key, DeviceRow.name, RunRow.status, func.count(RunRow.id))
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.is_open.is_(False))
        .group_by(JourneyRow.key, DeviceRow.name, RunRow.status)
        .order_by(JourneyRow.key, DeviceRow.name, RunRow.status)
    )
    with db.transaction() as session:
        return [
            RunCount(journey, device or "", status or "", int(n))
            for journey, device, status, n in session.execute(query)
        ]


def response_buckets(db: Database, bounds_ms: Sequence[float]) -> list[ResponseBuckets]:
    """Cumulative histogram counts of measured response times per journey and transaction."""
    columns = [
        func.sum(case((TransactionRow.response_ms <= bound, 1), else_=0)) for bound in bounds_ms
    ]
    query = (
        select(
            JourneyRow.key,
            TransactionRow.name,
            func.count(TransactionRow.id),
            func.sum(TransactionRow.response_ms),
            *columns,
        )
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .where(and_(TransactionRow.response_ms.is_not(None), RunRow.is_open.is_(False)))
        .group_by(JourneyRow.key, TransactionRow.name)
        .order_by(JourneyRow.key, TransactionRow.name)
    )
    with db.transaction() as session:
        return [
            ResponseBuckets(
                journey=row[0],
                transaction=row[1],
                count=int(row[2]),
                sum_ms=float(row[3] or 0.0),
                buckets=tuple(int(n or 0) for n in row[4:]),
            )
            for row in session.execute(query)
        ]


def latest_verdicts(db: Database) -> dict[str, str]:
    """Per journey, the status of its latest finished run that judged the app (not `error`)."""
    rank = (
        func.row_number()
        .over(
            partition_by=RunRow.journey_id,
            order_by=(RunRow.started_at.desc(), RunRow.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(RunRow.journey_id, RunRow.status, rank)
        .where(RunRow.is_open.is_(False), RunRow.status != "error")
        .subquery()
    )
    query = select(JourneyRow.key, ranked.c.status).join(
        ranked, and_(ranked.c.journey_id == JourneyRow.id, ranked.c.rank == 1)
    )
    with db.transaction() as session:
        return {key: status for key, status in session.execute(query)}


def journey_names(db: Database) -> dict[str, str | None]:
    """Every journey ever recorded, by key, with its human name."""
    with db.transaction() as session:
        return {
            key: name
            for key, name in session.execute(
                select(JourneyRow.key, JourneyRow.name).order_by(JourneyRow.key)
            )
        }


def devices_seen(db: Database, since: datetime, until: datetime) -> list[str]:
    """Names of the devices that ran at least one finished run started in [since, until)."""
    query = (
        select(DeviceRow.name)
        .join(RunRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.is_open.is_(False), RunRow.started_at >= since, RunRow.started_at < until)
        .distinct()
        .order_by(DeviceRow.name)
    )
    with db.transaction() as session:
        return list(session.scalars(query))


def load_transactions(db: Database) -> set[tuple[str, str]]:
    """(journey, transaction name) pairs that measured a load time (launchApp / openLink)."""
    query = (
        select(JourneyRow.key, TransactionRow.name)
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .where(TransactionRow.is_load.is_(True))
        .distinct()
    )
    with db.transaction() as session:
        return {(key, name) for key, name in session.execute(query)}


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
    with db.transaction() as session:
        return [Attempt(*row) for row in session.execute(query)]
