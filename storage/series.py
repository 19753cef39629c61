"""Figures over time for one journey: the same definitions as `storage.kpi`, per time slice.

A window [since, until) is cut into `Slices` of whole seconds; every query is bounded by the
window (the `runs (journey_id, started_at)` index), so its cost grows with the window shown,
never with the history kept. Slice i covers [since + i·width, since + (i+1)·width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.functions import FunctionElement

from storage import hourly, kpi
from storage.engine import Database, translate_errors
from storage.kpi import _count_if, _db, _rounds, _window  # the definitions live there
from storage.models import AvailabilityHourRow, DeviceRow, JourneyRow, RunRow, TransactionRow
from storage.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class Slices:
    """`count` equal slices of whole seconds from `since` (to the second); the last one may
    end after `until`."""

    since: datetime
    until: datetime
    count: int

    @classmethod
    def of(cls, since: datetime, until: datetime, count: int) -> Slices:
        since = since.replace(microsecond=0)
        span = max((until - since).total_seconds(), 1.0)
        width = max(math.ceil(span / max(count, 1)), 1)
        return cls(since, until, max(math.ceil(span / width), 1))

    @property
    def width(self) -> timedelta:
        return timedelta(seconds=self.width_s)

    @property
    def width_s(self) -> int:
        span = max((self.until - self.since).total_seconds(), 1.0)
        return max(math.ceil(span / self.count), 1)

    def start(self, index: int) -> datetime:
        return self.since + index * self.width

    def index(self, at: datetime) -> int:
        """The slice `at` falls in (may be < 0 or >= count outside the window)."""
        return int((at - self.since).total_seconds()) // self.width_s


class slice_of(FunctionElement[int]):
    """Index of the slice a timestamp falls in: whole seconds since the origin // width."""

    type = Integer()
    inherit_cache = True


@compiles(slice_of, "sqlite")
def _slice_sqlite(element: slice_of, compiler: Any, **kw: Any) -> str:
    column, origin, width = (compiler.process(c, **kw) for c in element.clauses)
    return (f"((CAST(strftime('%s', {column}) AS INTEGER) "
            f"- CAST(strftime('%s', {origin}) AS INTEGER)) / {width})")


@compiles(slice_of, "postgresql")
def _slice_pg(element: slice_of, compiler: Any, **kw: Any) -> str:
    column, origin, width = (compiler.process(c, **kw) for c in element.clauses)
    # FLOOR around the division: PostgreSQL's CAST to INTEGER rounds, it does not truncate
    return (f"CAST(FLOOR((FLOOR(EXTRACT(EPOCH FROM {column})) "
            f"- EXTRACT(EPOCH FROM {origin})) / {width}) AS INTEGER)")


def _slice(column: Any, slices: Slices) -> Label[Any]:
    origin = bindparam("slice_origin", slices.since, type_=UTCDateTime())
    width = bindparam("slice_width", slices.width_s, type_=Integer())
    return slice_of(column, origin, width).label("d_slice")


@dataclass(frozen=True, slots=True)
class AvailabilitySlice:
    index: int
    first_ok: int
    first_total: int  # first attempts that judged the app (not error)
    errors: int  # first attempts in error
    rounds_ok: int
    rounds_total: int

    @property
    def confirmed(self) -> float | None:
        return self.rounds_ok / self.rounds_total if self.rounds_total else None

    @property
    def first_attempt(self) -> float | None:
        return self.first_ok / self.first_total if self.first_total else None


def availability(db: Database | Any, journey: str, slices: Slices) -> list[AvailabilitySlice]:
    """First-attempt and confirmed availability (kpi's definitions) per slice with rounds;
    slices of whole UTC hours (the status page's days) read the hourly counters."""
    if _on_hours(slices):
        return _hourly_availability(db, journey, slices)
    first_slice = _slice(RunRow.started_at, slices)
    first_q = _window(
        select(
            first_slice,
            _count_if(RunRow.status.in_(kpi.OK)).label("ok"),
            _count_if(RunRow.status != "error").label("total"),
            _count_if(RunRow.status == "error").label("errors"),
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.run_id == RunRow.round_id),
        RunRow, journey, slices.since, slices.until, None,
    ).group_by(first_slice.element)
    rounds = _rounds(journey, slices.since, slices.until, None)
    round_slice = _slice(rounds.c.started_at, slices)
    rounds_q = select(
        round_slice,
        _count_if(rounds.c.status.in_(kpi.OK)).label("ok"),
        _count_if(rounds.c.status != "error").label("total"),
    ).group_by(round_slice.element)
    database = _db(db)
    with translate_errors(database.url), database.engine.connect() as conn:
        first = {row.d_slice: row for row in conn.execute(first_q)}
        confirmed = {row.d_slice: row for row in conn.execute(rounds_q)}
    out = []
    for i in sorted(set(first) | set(confirmed)):
        f, c = first.get(i), confirmed.get(i)
        out.append(AvailabilitySlice(
            index=int(i),
            first_ok=int(f.ok) if f else 0, first_total=int(f.total) if f else 0,
            errors=int(f.errors) if f else 0,
            rounds_ok=int(c.ok) if c else 0, rounds_total=int(c.total) if c else 0,
        ))
    return out


def _on_hours(slices: Slices) -> bool:
    return (slices.width_s % 3600 == 0 and slices.since == hourly.floor_hour(slices.since)
            and slices.until == hourly.floor_hour(slices.until))


def _hourly_availability(db: Database | Any, journey: str, slices: Slices
                         ) -> list[AvailabilitySlice]:
    t = AvailabilityHourRow
    index = _slice(t.hour, slices)
    query = (
        select(index, *(func.sum(getattr(t, c)) for c in hourly.COLUMNS))
        .join(JourneyRow, t.journey_id == JourneyRow.id)
        .where(JourneyRow.key == journey, t.hour >= slices.since, t.hour < slices.until)
        .group_by(index.element)
    )
    database = _db(db)
    with database.read() as session:
        rows = sorted(session.execute(query).all(), key=lambda row: row[0])
    out = []
    for row in rows:
        c = hourly.Counts(*(int(v or 0) for v in row[1:]))
        out.append(AvailabilitySlice(int(row[0]), c.first_ok, c.first_total, c.first_errors,
                                     c.rounds_ok, c.rounds_total))
    return out


def response_times(db: Database | Any, journey: str, slices: Slices) -> list[kpi.Stats]:
    """Response-time percentiles per (transaction, slice index), kpi's nearest rank."""
    return kpi.response_times(db, ("transaction", _slice(RunRow.started_at, slices)),
                              journey=journey, since=slices.since, until=slices.until)


def load_times(db: Database | Any, journey: str, slices: Slices) -> list[kpi.Stats]:
    """Load-time percentiles per (slice index,)."""
    return kpi.load_times(db, (_slice(RunRow.started_at, slices),), journey=journey,
                          since=slices.since, until=slices.until)


def load_transactions(db: Database | Any, journey: str, slices: Slices) -> set[str]:
    """Names of the journey's transactions that measured a load time in the window."""
    query = _window(
        select(TransactionRow.name).distinct()
        .select_from(TransactionRow)
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .where(TransactionRow.is_load.is_(True)),
        RunRow, journey, slices.since, slices.until, None,
    )
    database = _db(db)
    with database.read() as session:
        return set(session.scalars(query))


def slow_threshold(db: Database | Any, journey: str) -> float | None:
    """The journey's `slow` threshold in ms as last recorded (None: not set)."""
    database = _db(db)
    with database.read() as session:
        return session.scalar(select(JourneyRow.slow_ms).where(JourneyRow.key == journey))
