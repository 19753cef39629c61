"""Key figures, computed in SQL (one query each, the same answer on SQLite and PostgreSQL).

Definitions (every ratio is a fraction 0..1, None when there is nothing to divide by):

- A *round* is a first attempt (a run whose `confirms` is empty) plus the confirmation
  attempts that follow it (`confirms` chains; `runs.round_id` is the first attempt's run_id).
  A round belongs to a time window when its first attempt started in it; rounds whose first
  attempt is not stored (pruned) are left out.
- `error` runs are the robot's fault and never count for or against the app: they are left
  out of every availability ratio and counted apart.
- **First-attempt availability** = first attempts that `passed` or were `degraded` /
  first attempts that are not `error`.
- **Confirmed availability** = rounds whose final verdict is `passed`|`degraded` / rounds
  with a verdict. The verdict is the status of the round's last non-`error` attempt (the
  highest attempt number): a failed first attempt whose confirmation passed is available (a
  flake); a failed first attempt whose confirmation could not run (`error`) stays failed.
  Rounds made only of `error` attempts have no verdict and are counted apart.
- **Flake rate** = rounds whose first attempt `failed` and whose verdict is
  `passed`|`degraded` / rounds whose first attempt `failed`.
- **Transaction success rate** = transactions `passed`|`degraded` / transactions, over all
  attempts, leaving out the transactions of `error` runs.
- **Percentiles** use the nearest-rank method: p-th percentile of n sorted values is the
  value of rank ceil(p·n/100) (PostgreSQL's `percentile_disc`). Ranks come from the window
  functions row_number() and count(), which both backends have. Response times count
  transactions whose check held (`passed`|`degraded`); load times are the `load` measurement.
- Hour of day is the UTC hour of the run's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.functions import FunctionElement

from storage import hourly
from storage.engine import Database, translate_errors
from storage.models import DeviceRow, JourneyRow, MeasurementRow, RunRow, TransactionRow

OK = ("passed", "degraded")
PERCENTILES = (50, 95, 99)
DIMENSIONS = ("journey", "transaction", "device", "hour")


class utc_hour(FunctionElement[int]):
    """The UTC hour (0-23) of a timestamp column, per backend."""

    type = Integer()
    inherit_cache = True


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%H', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(utc_hour, "postgresql")
def _utc_hour_pg(element: utc_hour, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(HOUR FROM {column} AT TIME ZONE 'UTC') AS INTEGER)"


@dataclass(frozen=True, slots=True)
class Availability:
    journey: str
    first_ok: int  # first attempts passed|degraded
    first_total: int  # first attempts not error
    first_errors: int  # first attempts in error (not counted above)
    rounds_ok: int  # rounds whose verdict is passed|degraded
    rounds_total: int  # rounds with a verdict
    rounds_errors: int  # rounds made only of error attempts

    @property
    def first_attempt(self) -> float | None:
        return _ratio(self.first_ok, self.first_total)

    @property
    def confirmed(self) -> float | None:
        return _ratio(self.rounds_ok, self.rounds_total)


@dataclass(frozen=True, slots=True)
class Flakes:
    journey: str
    failed_first: int  # rounds whose first attempt failed
    flaky: int  # ... and whose verdict is passed|degraded

    @property
    def rate(self) -> float | None:
        return _ratio(self.flaky, self.failed_first)


@dataclass(frozen=True, slots=True)
class SuccessRate:
    journey: str
    transaction: str
    ok: int
    total: int

    @property
    def rate(self) -> float | None:
        return _ratio(self.ok, self.total)


@dataclass(frozen=True, slots=True)
class Stats:
    """Distribution of a figure in milliseconds for one group (`key` follows `by`)."""

    key: tuple[Any, ...]
    count: int
    mean: float
    min: float
    max: float
    p50: float
    p95: float
    p99: float


@dataclass(frozen=True, slots=True)
class ErrorCount:
    journey: str
    status: str  # failed | error
    category: str | None
    runs: int


def _db(source: Any) -> Database:
    """Accept a Store or its Database."""
    return getattr(source, "db", source)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _window(
    query: Any,
    run: Any,
    journey: str | None,
    since: datetime | None,
    until: datetime | None,
    device: str | None,
    journeys: Any = JourneyRow,
    devices: Any = DeviceRow,
) -> Any:
    query = query.where(run.is_open.is_(False))
    if journey is not None:
        query = query.where(journeys.key == journey)
    if device is not None:
        query = query.where(devices.name == device)
    if since is not None:
        query = query.where(run.started_at >= since)
    if until is not None:
        query = query.where(run.started_at < until)
    return query


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rounds(
    journey: str | None, since: datetime | None, until: datetime | None, device: str | None
) -> Any:
    """Each round's first-attempt status and verdict (status of its last non-error attempt)."""
    root = aliased(RunRow, name="root")
    member = aliased(RunRow, name="member")
    rank = func.row_number().over(
        partition_by=member.round_id,
        order_by=(case((member.status == "error", 1), else_=0), member.attempt.desc(),
                  member.started_at.desc()),
    )
    query = (
        select(
            JourneyRow.key.label("journey"),
            root.status.label("first_status"),
            root.started_at.label("started_at"),
            member.status.label("status"),
            rank.label("rank"),
        )
        .select_from(root)
        .join(member, and_(member.round_id == root.run_id, member.is_open.is_(False)))
        .join(JourneyRow, root.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, root.device_id == DeviceRow.id)
        .where(root.run_id == root.round_id)
    )
    query = _window(query, root, journey, since, until, device)
    ranked = query.subquery()
    return select(ranked).where(ranked.c.rank == 1).subquery()


def _split(since: datetime | None, until: datetime | None
           ) -> tuple[list[tuple[datetime | None, datetime | None]], tuple[Any, Any] | None]:
    """[since, until) as its raw edges and its whole UTC hours (None: no whole hour): the
    hours are read from storage.hourly, the edges from the runs."""
    start = None if since is None else hourly.ceil_hour(since)
    end = None if until is None else hourly.floor_hour(until)
    if start is not None and end is not None and start >= end:
        return [(since, until)], None
    edges = [(since, start)] if since is not None and since < start else []  # type: ignore[operator]
    if until is not None and end < until:  # type: ignore[operator]
        edges.append((end, until))
    return edges, (start, end)


def availability(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
) -> list[Availability]:
    """First-attempt and confirmed availability per journey (see the module's definitions).
    Without a device, whole hours come from the counters kept at write time (storage.hourly)."""
    if device is not None:
        return _raw_availability(source, journey, since, until, device)
    edges, hours = _split(since, until)
    found: dict[str, hourly.Counts] = {}
    for lo, hi in edges:
        for a in _raw_availability(source, journey, lo, hi, None):
            found.setdefault(a.journey, hourly.Counts()).add(hourly.Counts(
                a.first_ok, a.first_total, a.first_errors, a.rounds_ok, a.rounds_total,
                a.rounds_errors))
    if hours is not None:
        db = _db(source)
        with db.read() as session:
            for key, counts in hourly.totals(session, journey, *hours).items():
                found.setdefault(key, hourly.Counts()).add(counts)
    return [
        Availability(key, c.first_ok, c.first_total, c.first_errors, c.rounds_ok,
                     c.rounds_total, c.rounds_errors)
        for key, c in sorted(found.items())
        if c.first_total or c.first_errors or c.rounds_total or c.rounds_errors
    ]


def _raw_availability(
    source: Any,
    journey: str | None,
    since: datetime | None,
    until: datetime | None,
    device: str | None,
) -> list[Availability]:
    first_q = _window(
        select(
            JourneyRow.key.label("journey"),
            _count_if(RunRow.status.in_(OK)).label("ok"),
            _count_if(RunRow.status != "error").label("total"),
            _count_if(RunRow.status == "error").label("errors"),
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.run_id == RunRow.round_id),
        RunRow, journey, since, until, device,
    ).group_by(JourneyRow.key)
    rounds = _rounds(journey, since, until, device)
    rounds_q = select(
        rounds.c.journey,
        _count_if(rounds.c.status.in_(OK)).label("ok"),
        _count_if(rounds.c.status != "error").label("total"),
        _count_if(rounds.c.status == "error").label("errors"),
    ).group_by(rounds.c.journey)
    db = _db(source)
    with translate_errors(db.url), db.engine.connect() as conn:
        first = {row.journey: row for row in conn.execute(first_q)}
        confirmed = {row.journey: row for row in conn.execute(rounds_q)}
    return [
        Availability(
            journey=key,
            first_ok=int(first[key].ok) if key in first else 0,
            first_total=int(first[key].total) if key in first else 0,
            first_errors=int(first[key].errors) if key in first else 0,
            rounds_ok=int(confirmed[key].ok) if key in confirmed else 0,
            rounds_total=int(confirmed[key].total) if key in confirmed else 0,
            rounds_errors=int(confirmed[key].errors) if key in confirmed else 0,
        )
        for key in sorted(set(first) | set(confirmed))
    ]


def flake_rate(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
) -> list[Flakes]:
    """Per journey: rounds whose first attempt failed, and how many of them then passed
    (whole hours from storage.hourly when no device is asked for)."""
    if device is not None:
        return _raw_flake_rate(source, journey, since, until, device)
    edges, hours = _split(since, until)
    found: dict[str, list[int]] = {}
    for lo, hi in edges:
        for f in _raw_flake_rate(source, journey, lo, hi, None):
            counts = found.setdefault(f.journey, [0, 0])
            counts[0] += f.failed_first
            counts[1] += f.flaky
    if hours is not None:
        db = _db(source)
        with db.read() as session:
            for key, c in hourly.totals(session, journey, *hours).items():
                if c.rounds_total or c.rounds_errors:
                    counts = found.setdefault(key, [0, 0])
                    counts[0] += c.failed_first
                    counts[1] += c.flaky
    return [Flakes(key, failed, flaky) for key, (failed, flaky) in sorted(found.items())]


def _raw_flake_rate(
    source: Any,
    journey: str | None,
    since: datetime | None,
    until: datetime | None,
    device: str | None,
) -> list[Flakes]:
    rounds = _rounds(journey, since, until, device)
    failed_first = rounds.c.first_status == "failed"
    query = (
        select(
            rounds.c.journey,
            _count_if(failed_first).label("failed_first"),
            _count_if(and_(failed_first, rounds.c.status.in_(OK))).label("flaky"),
        )
        .group_by(rounds.c.journey)
        .order_by(rounds.c.journey)
    )
    db = _db(source)
    with translate_errors(db.url), db.engine.connect() as conn:
        return [
            Flakes(journey=r.journey, failed_first=int(r.failed_first), flaky=int(r.flaky))
            for r in conn.execute(query)
        ]


def transaction_success(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
) -> list[SuccessRate]:
    """Per journey and transaction name; transactions of `error` runs are left out."""
    query = _window(
        select(
            JourneyRow.key.label("journey"),
            TransactionRow.name.label("transaction"),
            _count_if(TransactionRow.status.in_(OK)).label("ok"),
            func.count().label("total"),
        )
        .select_from(TransactionRow)
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.status != "error"),
        RunRow, journey, since, until, device,
    ).group_by(JourneyRow.key, TransactionRow.name).order_by(JourneyRow.key, TransactionRow.name)
    db = _db(source)
    with translate_errors(db.url), db.engine.connect() as conn:
        return [
            SuccessRate(journey=r.journey, transaction=r.transaction, ok=int(r.ok),
                        total=int(r.total))
            for r in conn.execute(query)
        ]


def _dimension(name: str | Label[Any]) -> Label[Any]:
    if isinstance(name, Label):
        return name  # a caller's own grouping, e.g. storage.series' time bucket
    columns: dict[str, ColumnElement[Any]] = {
        "journey": JourneyRow.key,
        "transaction": TransactionRow.name,
        "device": DeviceRow.name,
        "hour": utc_hour(RunRow.started_at),
    }
    if name not in columns:
        raise ValueError(f"unknown dimension {name!r}: use {', '.join(DIMENSIONS)}")
    return columns[name].label(f"d_{name}")


def _stats(source: Any, base: Any, value: ColumnElement[float],
           by: Sequence[str | Label[Any]]) -> list[Stats]:
    """Percentiles of `value` over `base`'s rows, grouped by the dimensions `by`."""
    keys = [_dimension(name) for name in by]
    partition = [k.element for k in keys] or None  # type: ignore[attr-defined]
    ranked = base.add_columns(
        *keys,
        cast(value, Float).label("v"),
        func.row_number().over(partition_by=partition, order_by=value).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()
    group = [ranked.c[k.name] for k in keys]
    v, rn, n = ranked.c.v, ranked.c.rn, ranked.c.n

    def nearest_rank(p: int) -> ColumnElement[float]:
        # rank = ceil(p*n/100)  <=>  rn*100 >= p*n  and  (rn-1)*100 < p*n  (integers only)
        return func.min(case((and_(rn * 100 >= p * n, (rn - 1) * 100 < p * n), v)))

    query = select(
        *group, func.count().label("count"), func.avg(v).label("mean"),
        func.min(v).label("min"), func.max(v).label("max"),
        *(nearest_rank(p).label(f"p{p}") for p in PERCENTILES),
    )
    if group:
        query = query.group_by(*group).order_by(*group)
    db = _db(source)
    with translate_errors(db.url), db.engine.connect() as conn:
        return [
            Stats(
                key=tuple(row[:len(group)]), count=int(row.count), mean=float(row.mean),
                min=float(row.min), max=float(row.max), p50=float(row.p50),
                p95=float(row.p95), p99=float(row.p99),
            )
            for row in conn.execute(query)
            if row.count
        ]


def response_times(
    source: Any,
    by: Sequence[str | Label[Any]] = ("journey", "transaction"),
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    transaction: str | None = None,
) -> list[Stats]:
    """Response-time p50/p95/p99 (and count, mean, min, max) grouped by any of
    journey, transaction, device, hour (of day, UTC), or a labelled column of the caller's."""
    base = _window(
        select()
        .select_from(TransactionRow)
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(TransactionRow.status.in_(OK), TransactionRow.response_ms.is_not(None)),
        RunRow, journey, since, until, device,
    )
    if transaction is not None:
        base = base.where(TransactionRow.name == transaction)
    return _stats(source, base, TransactionRow.response_ms, by)


def load_times(
    source: Any,
    by: Sequence[str | Label[Any]] = ("journey",),
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
) -> list[Stats]:
    """App (or page) load time statistics, grouped by journey, device and/or hour."""
    if "transaction" in by:
        raise ValueError("load times have no transaction dimension")
    base = _window(
        select()
        .select_from(MeasurementRow)
        .join(RunRow, MeasurementRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(MeasurementRow.name == "load"),
        RunRow, journey, since, until, device,
    )
    return _stats(source, base, MeasurementRow.value_ms, by)


def error_breakdown(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    first_attempts_only: bool = False,
) -> list[ErrorCount]:
    """Failed and error runs per journey, status and category, most frequent first."""
    query = _window(
        select(
            JourneyRow.key.label("journey"), RunRow.status, RunRow.category,
            func.count().label("runs"),
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.status.in_(("failed", "error"))),
        RunRow, journey, since, until, device,
    )
    if first_attempts_only:
        query = query.where(RunRow.run_id == RunRow.round_id)
    query = query.group_by(JourneyRow.key, RunRow.status, RunRow.category).order_by(
        func.count().desc(), JourneyRow.key, RunRow.status, RunRow.category
    )
    db = _db(source)
    with translate_errors(db.url), db.engine.connect() as conn:
        return [
            ErrorCount(journey=r.journey, status=r.status, category=r.category, runs=int(r.runs))
            for r in conn.execute(query)
        ]
