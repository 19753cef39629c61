"""Figures over time for one journey: the same definitions as `storage.kpi`, per time slice.

A window [since, until) is cut into `Slices` of whole seconds; every query is bounded by the
window (the `runs (journey_id, started_at)` index), so its cost grows with the window shown,
never with the history kept. Slice i covers [since + i·width, since + (i+1)·width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import Label
from sqlalchemy.sql.functions import FunctionElement

from storage import cellcache, generations, hourly, kpi
from storage.engine import Database
from storage.kpi import count_if, database_of, in_bound_window, rounds_query, window_params
from storage.models import AvailabilityHourRow, DeviceRow, JourneyRow, RunRow
from storage.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class Slices:
    """`count` equal slices of whole seconds from `since` (to the second); the last one may
    end after `until`."""

    since: datetime
    until: datetime
    count: int
    # computed once: a 90-day status page asks every journey's bars for their bounds (#13)
    width_s: int = field(init=False, repr=False, compare=False)
    width: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        span = max((self.until - self.since).total_seconds(), 1.0)
        width_s = max(math.ceil(span / self.count), 1)
        object.__setattr__(self, "width_s", width_s)
        object.__setattr__(self, "width", timedelta(seconds=width_s))

    @classmethod
    def of(cls, since: datetime, until: datetime, count: int) -> Slices:
        since = since.replace(microsecond=0)
        span = max((until - since).total_seconds(), 1.0)
        width = max(math.ceil(span / max(count, 1)), 1)
        return cls(since, until, max(math.ceil(span / width), 1))

    @classmethod
    def on_grid(cls, now: datetime, width: timedelta, count: int) -> Slices:
        """`count` slices of `width` on the UTC grid of that width, the last one holding
        `now` (it ends after it): slices of whole hours read the hour rows kept at write
        time, not the runs, wherever the clock stands (#13)."""
        w = max(int(width.total_seconds()), 1)
        last = int(now.timestamp()) // w * w
        since = datetime.fromtimestamp(last - (count - 1) * w, UTC)
        return cls(since, since + timedelta(seconds=count * w), count)

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
    shape, params = window_params(journey, slices.since, slices.until, None)
    params.update(slice_origin=slices.since, slice_width=slices.width_s)
    first_q, rounds_q = _slice_queries(shape)
    database = database_of(db)
    with database.read() as session:
        conn = session.connection()
        first = {row.d_slice: row for row in conn.execute(first_q, params)}
        confirmed = {row.d_slice: row for row in conn.execute(rounds_q, params)}
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


@lru_cache(maxsize=8)
def _slice_queries(shape: kpi.Shape) -> tuple[Any, Any]:
    """Per slice: first attempts, and rounds (bind `window_params`' values, `slice_origin`
    and `slice_width`)."""
    first_slice = slice_of(RunRow.started_at, bindparam("slice_origin", type_=UTCDateTime()),
                           bindparam("slice_width", type_=Integer())).label("d_slice")
    first_q = in_bound_window(
        select(
            first_slice,
            count_if(RunRow.status.in_(kpi.OK)).label("ok"),
            count_if(RunRow.status != "error").label("total"),
            count_if(RunRow.status == "error").label("errors"),
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.run_id == RunRow.round_id),
        RunRow, shape,
    ).group_by(first_slice.element)
    rounds = rounds_query(shape)
    round_slice = slice_of(rounds.c.started_at, bindparam("slice_origin", type_=UTCDateTime()),
                           bindparam("slice_width", type_=Integer())).label("d_slice")
    rounds_q = select(
        round_slice,
        count_if(rounds.c.status.in_(kpi.OK)).label("ok"),
        count_if(rounds.c.status != "error").label("total"),
    ).group_by(round_slice.element)
    return first_q, rounds_q


def _on_hours(slices: Slices) -> bool:
    return (slices.width_s % 3600 == 0 and slices.since == hourly.floor_hour(slices.since)
            and slices.until == hourly.floor_hour(slices.until))


def _hourly_availability(db: Database | Any, journey: str, slices: Slices
                         ) -> list[AvailabilitySlice]:
    return hourly_availability(db, slices, journey).get(journey, [])


def hourly_availability(db: Database | Any, slices: Slices, journey: str | None = None
                        ) -> dict[str, list[AvailabilitySlice]]:
    """Per journey (every one when None), availability per slice of whole UTC hours, from
    the counters kept at write time in one query (the status page: every journey's days at
    once); slices of whole UTC days read the day rows, 90 days costing 90 rows per journey
    and device."""
    if not _on_hours(slices):
        raise ValueError("slices of whole UTC hours only")
    on_days = slices.width_s % 86_400 == 0 and all(
        at == hourly.floor_day(at) for at in (slices.since, slices.until))
    database = database_of(db)
    with database.read() as session:
        if not (on_days and slices.width_s == 86_400):
            rows = _availability_rows(session, slices, journey, slices.since, slices.until,
                                      24 if on_days else 1)
        else:  # one slice a day: the days before the one in progress are kept between reads
            cache = cellcache.cache_of(database)
            hot = cache.hot_day(session) or slices.until
            cold_end = min(max(hot, slices.since), slices.until)
            rows = []
            if cold_end > slices.since and journey is None:
                rows += _past_days(session, cache, slices, cold_end)
            elif cold_end > slices.since:
                fingerprint = _day_fingerprint(session, slices.since, cold_end)
                rows += cache.kept(
                    ("status days", journey, slices.since, cold_end), fingerprint,
                    lambda: _availability_rows(session, slices, journey, slices.since,
                                               cold_end, 24), len)
            if cold_end < slices.until:
                rows += _availability_rows(session, slices, journey, cold_end, slices.until,
                                           24)
    out: dict[str, list[AvailabilitySlice]] = {}
    for key, slice_ in rows:
        out.setdefault(key, []).append(slice_)
    return {key: sorted(found, key=lambda a: a.index) for key, found in sorted(out.items())}


def _past_days(session: Any, cache: cellcache.CellCache, slices: Slices, cold_end: datetime
               ) -> list[tuple[str, AvailabilitySlice]]:
    """Every journey's day slices before `cold_end`, each journey's kept while its generation
    stays the same (storage.generations): 90 days of every journey were fingerprinted on each
    request (18 k day rows on a 100-journey trial), now only the journeys a run changed are
    read again."""
    gens = generations.current(session)  # first: every journey it names has a key
    keys = generations.journey_keys(session)

    def compute(stale: list[int], previous: dict[int, Any]) -> dict[int, Any]:
        if generations.one_by_one(stale, gens):
            return {j: _availability_rows(session, slices, keys[j], slices.since, cold_end, 24)
                    for j in stale}
        ids = {key: j for j, key in keys.items()}
        out: dict[int, list[tuple[str, AvailabilitySlice]]] = {j: [] for j in stale}
        for row in _availability_rows(session, slices, None, slices.since, cold_end, 24):
            found = out.get(ids.get(row[0], -1))
            if found is not None:
                found.append(row)
        return out

    per_journey = cache.by_journey.read(("status days", slices.since, cold_end), gens,
                                        compute, len)
    return [row for j in sorted(per_journey) for row in per_journey[j]]


def _availability_rows(session: Any, slices: Slices, journey: str | None, since: datetime,
                       until: datetime, span: int) -> list[tuple[str, AvailabilitySlice]]:
    """(journey, slice) sums of the rows of `span` in [since, until); one slice a day: grouped
    by the day row's own midnight, its slice counted in Python."""
    t = AvailabilityHourRow
    group = t.hour if slices.width_s == 86_400 and span == 24 else \
        _slice(t.hour, slices).element
    query = (
        select(JourneyRow.key, group, *(func.sum(c) for c in (
            t.first_ok, t.first_total, t.first_errors, t.rounds_ok, t.rounds_total)))
        .join(JourneyRow, t.journey_id == JourneyRow.id)
        .where(t.span == span, t.hour >= since, t.hour < until)
        .group_by(JourneyRow.key, group)
    )
    if journey is not None:
        query = query.where(JourneyRow.key == journey)
    return [(key, AvailabilitySlice(
                slices.index(i) if isinstance(i, datetime) else int(i), int(first_ok),
                int(first_total), int(errors), int(rounds_ok), int(rounds_total)))
            for key, i, first_ok, first_total, errors, rounds_ok, rounds_total
            in session.connection().execute(query)]


def _day_fingerprint(session: Any, since: datetime, until: datetime) -> tuple[Any, ...]:
    """Changes with any write to the day rows of [since, until) (every run updates its day's
    row): their number and summed counters."""
    t = AvailabilityHourRow
    return tuple(session.execute(
        select(func.count(), *(func.sum(getattr(t, c)) for c in hourly.COLUMNS))
        .where(t.span == 24, t.hour >= since, t.hour < until)).one())


def cut(slices: Slices) -> kpi.Cut:
    """The slices as storage.kpi's `slice` dimension."""
    return kpi.Cut(tuple(slices.start(i) for i in range(1, slices.count)), slices.index)


def timings(db: Database | Any, journey: str, slices: Slices) -> kpi.WindowTimings:
    """The journey's response and load times over the slices' window, read once: group them
    by ("transaction", "slice") for the charts, by ("transaction",) for the whole window."""
    return kpi.window_timings(db, journey, slices.since, slices.until, cut=cut(slices))


def slow_threshold(db: Database | Any, journey: str) -> float | None:
    """The journey's `slow` threshold in ms as last recorded (None: not set)."""
    database = database_of(db)
    with database.read() as session:
        return session.scalar(select(JourneyRow.slow_ms).where(JourneyRow.key == journey))
