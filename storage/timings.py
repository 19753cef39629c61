"""Response and load times per journey, device, transaction and UTC hour, kept at write time.

One `timing_hours` row per (journey, hour, device, transaction) holds the histogram of the
measured response times (transactions passed|degraded with a response, storage.histograms)
and the success counts storage.kpi defines (transactions passed|degraded / transactions,
leaving out `error` runs), plus whether the transaction measured a load time; the row with
no transaction holds the runs' `load` measurements. Rows are per hour of the *run's own*
start. Each write recomputes the rows of the hours it touches from their runs (a few dozen
transactions through the runs (journey, started_at) index), so replays, completed aborted
runs and prunes land right; on PostgreSQL an advisory lock per (journey, UTC day) makes the
last writer see every committed run. `storage.kpi` merges whole hours from here with the raw
`Cell`s of a window's ragged edges (`raw_cells`, the same tally).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Text, bindparam, case, delete, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage.histograms import Histogram
from storage.hourly import bound_runs, floor_day, floor_hour, lock
from storage.models import MeasurementRow, RunRow, TimingHourRow, TransactionRow

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OK = ("passed", "degraded")

# (journey id, device id, hour, transaction or None for the load time, slice or None)
Key = tuple[int, int | None, datetime, str | None, int | None]


@dataclass(slots=True)
class Cell:
    """Success counts and times of one key; a stored row keeps its buckets encoded until
    merged (`encoded`, with `times` holding only its count, sum, min and max)."""

    is_load: bool = False
    ok: int = 0
    total: int = 0
    times: Histogram = field(default_factory=Histogram)
    encoded: str | None = None

    def merge(self, other: Cell) -> None:
        self.is_load |= other.is_load
        self.ok += other.ok
        self.total += other.total
        t = other.times
        if other.encoded is None:
            self.times.merge(t)
        elif t.count:
            self.times.merge_encoded(other.encoded, t.count, t.sum, t.min, t.max)


@lru_cache(maxsize=32)
def _transactions(journey: bool, since: bool, until: bool, device: bool) -> Any:
    query = (
        select(RunRow.journey_id, RunRow.device_id, RunRow.started_at, RunRow.status,
               TransactionRow.name, TransactionRow.status.label("t_status"),
               TransactionRow.response_ms, TransactionRow.is_load)
        .select_from(TransactionRow)
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
    )
    return bound_runs(query, RunRow, journey, since, until, device)


@lru_cache(maxsize=32)
def _loads(journey: bool, since: bool, until: bool, device: bool) -> Any:
    query = (
        select(RunRow.journey_id, RunRow.device_id, RunRow.started_at, MeasurementRow.value_ms)
        .select_from(MeasurementRow)
        .join(RunRow, MeasurementRow.run_pk == RunRow.id)
        .where(MeasurementRow.name == "load")
    )
    return bound_runs(query, RunRow, journey, since, until, device)


def _run_rows(session: Any, build: Callable[..., Any], options: dict[str, Any],
              **params: Any) -> Any:
    """`build`'s statement for the given parameters (None: unbounded), executed."""
    given = {k: v for k, v in params.items() if v is not None}
    query = build(*(params[k] is not None for k in ("journey_id", "since", "until",
                                                     "device_id")))
    return session.execute(query.execution_options(**options), given)


def _hours_bounded(query: Any, since: bool, until: bool, journey: bool, device: bool) -> Any:
    """The hour (or day) rows of [since, until), of one journey and/or device: the bounds
    given, as parameters (`_bounds`), so each shape of a query is built once."""
    t = TimingHourRow
    query = query.where(t.span == bindparam("h_span"))
    if since:
        query = query.where(t.hour >= bindparam("h_since"))
    if until:
        query = query.where(t.hour < bindparam("h_until"))
    if journey:
        query = query.where(t.journey_id == bindparam("h_journey"))
    if device:
        query = query.where(t.device_id == bindparam("h_device"))
    return query


def _bounds(journey_id: int | None, since: datetime | None, until: datetime | None,
            device_id: int | None, span: int) -> tuple[tuple[bool, ...], dict[str, Any]]:
    """A bounded query's shape (`_hours_bounded`'s flags) and its parameters."""
    given = {"h_since": since, "h_until": until, "h_journey": journey_id,
             "h_device": device_id}
    return (tuple(v is not None for v in given.values()),
            {"h_span": span, **{k: v for k, v in given.items() if v is not None}})


def raw_cells(session: Any, journey_id: int | None, since: datetime | None,
              until: datetime | None, device_id: int | None = None,
              cut: Callable[[datetime], int] | None = None, *, stream: bool = False,
              into: dict[Key, Cell] | None = None) -> dict[Key, Cell]:
    """The cells of the finished runs started in [since, until), tallied from their rows;
    `cut` adds the slice of each run's start to the key."""
    out: dict[Key, Cell] = {} if into is None else into
    values: dict[Key, list[float]] = {}  # added sorted: the same float sum in any row order
    options = {"yield_per": 10_000} if stream else {}
    bounds = {"journey_id": journey_id, "since": since, "until": until, "device_id": device_id}
    for r in _run_rows(session, _transactions, options, **bounds):
        key = (r.journey_id, r.device_id, floor_hour(r.started_at), r.name,
               None if cut is None else cut(r.started_at))
        cell = out.get(key)
        if cell is None:
            cell = out[key] = Cell()
        cell.is_load |= bool(r.is_load)
        if r.status != "error":
            cell.total += 1
            cell.ok += r.t_status in OK
        if r.t_status in OK and r.response_ms is not None:
            values.setdefault(key, []).append(float(r.response_ms))
    for r in _run_rows(session, _loads, options, **bounds):
        key = (r.journey_id, r.device_id, floor_hour(r.started_at), None,
               None if cut is None else cut(r.started_at))
        cell = out.get(key)
        if cell is None:
            cell = out[key] = Cell()
        values.setdefault(key, []).append(float(r.value_ms))
    for key, found in values.items():
        for value in sorted(found):
            out[key].times.add(value)
    return out


def _rows(cells: dict[Key, Cell], span: int = 1) -> list[dict[str, Any]]:
    return [
        {"journey_id": j, "hour": h, "span": span, "device_id": d, "transaction": name,
         "is_load": c.is_load, "ok": c.ok, "total": c.total, "count": c.times.count,
         "sum_ms": c.times.sum, "min_ms": c.times.min if c.times.count else None,
         "max_ms": c.times.max if c.times.count else None, "buckets": c.times.encode()}
        for (j, d, h, name, _), c in sorted(cells.items(), key=lambda kv: _order(kv[0]))
    ]


def _order(key: Key) -> tuple[Any, ...]:
    j, d, h, name, _ = key
    return (j, h, -1 if d is None else d, "" if name is None else "\x01" + name)


def refresh(session: Any, journey_id: int, at: datetime) -> None:
    """Recompute the journey's rows of the hour `at` falls in from its runs (after writing
    them), then its row of that day from its hours. The one lock is the day's, taken before
    the hour is read (as storage.hourly does): an hour lock then a day lock deadlocked a load
    refreshing 10:00 and 11:00 with a robot refreshing 11:00 alone."""
    hour = floor_hour(at)
    lock(session, _day_lock(journey_id, at))
    table = TimingHourRow.__table__
    session.execute(delete(table).where(table.c.journey_id == journey_id, table.c.hour == hour,
                                        table.c.span == 1))
    rows = _rows(raw_cells(session, journey_id, hour, hour + HOUR))
    if rows:
        session.execute(table.insert(), rows)
    _refresh_day(session, journey_id, floor_day(at))


def refresh_day(session: Any, journey_id: int, at: datetime) -> None:
    """Recompute the journey's rows of the UTC day `at` falls in from its hour rows."""
    lock(session, _day_lock(journey_id, at))
    _refresh_day(session, journey_id, floor_day(at))


def _day_lock(journey_id: int, at: datetime) -> str:
    return f"timings-day:{journey_id}@{floor_day(at).isoformat()}"


def _refresh_day(session: Any, journey_id: int, day: datetime) -> None:
    table = TimingHourRow.__table__
    session.execute(delete(table).where(table.c.journey_id == journey_id, table.c.hour == day,
                                        table.c.span == 24))
    rows = _rows(_days(hour_cells(session, journey_id, day, day + DAY)), span=24)
    if rows:
        session.execute(table.insert(), rows)


def _days(cells: Iterable[tuple[Key, Cell]]) -> dict[Key, Cell]:
    """Hour cells added up per UTC day (bucket counts exact, sums with math.fsum)."""
    days = merged(((j, d, floor_day(h), name, None), cell) for (j, d, h, name, _), cell in cells)
    for cell in days.values():
        if not cell.times.count:
            cell.times.min, cell.times.max = math.inf, -math.inf
    return days


def rebuild(session: Any) -> int:
    """Recompute every row from the runs; returns the rows written."""
    table = TimingHourRow.__table__
    session.execute(delete(table))
    cells = raw_cells(session, None, None, None, stream=True)
    hours = _rows(cells)
    days = _rows(_days((key, Cell(c.is_load, c.ok, c.total, c.times)) for key, c in
                       cells.items()), span=24)
    for rows in (hours, days):
        for start in range(0, len(rows), 5_000):
            session.execute(table.insert(), rows[start:start + 5_000])
    return len(hours) + len(days)


def hour_cells(session: Any, journey_id: int | None, since: datetime | None,
               until: datetime | None, device_id: int | None = None, span: int = 1
               ) -> Iterator[tuple[Key, Cell]]:
    """The stored cells of the whole hours (`span` 1) or days (24) in [since, until), aligned
    on them; keys carry no slice."""
    shape, params = _bounds(journey_id, since, until, device_id, span)
    for j, d, h, name, is_load, ok, total, count, sum_ms, low, high, buckets in \
            session.execute(_hour_cells_query(*shape), params):
        times = Histogram({}, count, sum_ms)
        if count:
            times.min, times.max = low, high
        yield (j, d, h, name, None), Cell(is_load, ok, total, times, buckets)


@lru_cache(maxsize=16)
def _hour_cells_query(*shape: bool) -> Any:
    t = TimingHourRow
    return _hours_bounded(select(
        t.journey_id, t.device_id, t.hour, t.transaction, t.is_load, t.ok, t.total, t.count,
        t.sum_ms, t.min_ms, t.max_ms, t.buckets), *shape)


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


class joined(FunctionElement[str]):
    """The texts of a group joined with commas (group_concat / string_agg)."""

    type = Text()
    inherit_cache = True


@compiles(joined, "sqlite")
def _joined_sqlite(element: joined, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(joined, "postgresql")
def _joined_pg(element: joined, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


def hour_of_day_cells(session: Any, journey_id: int | None, since: datetime | None,
                      until: datetime | None, device_id: int | None = None
                      ) -> Iterator[tuple[Key, Cell]]:
    """The hour rows of [since, until) added up in SQL per (journey, device, transaction,
    UTC hour of day): as many cells for 90 days as for one (the report's hour-of-day chart).
    The key's hour is the hour of day (0-23); sums are SQL's."""
    shape, params = _bounds(journey_id, since, until, device_id, 1)
    for j, d, h, name, is_load, ok, total, count, sum_ms, low, high, buckets in \
            session.execute(_hour_of_day_query(*shape), params):
        times = Histogram({}, int(count), float(sum_ms))
        if count:
            times.min, times.max = float(low), float(high)
        yield (j, d, int(h), name, None), Cell(bool(is_load), int(ok), int(total), times,
                                                buckets or "")


@lru_cache(maxsize=16)
def _hour_of_day_query(*shape: bool) -> Any:
    t = TimingHourRow
    hod = utc_hour(t.hour)
    return _hours_bounded(
        select(t.journey_id, t.device_id, hod, t.transaction, func.max(case((t.is_load, 1),
                                                                          else_=0)),
               func.sum(t.ok), func.sum(t.total), func.sum(t.count), func.sum(t.sum_ms),
               func.min(t.min_ms), func.max(t.max_ms), joined(t.buckets))
        .group_by(t.journey_id, t.device_id, hod, t.transaction), *shape)


class exact_text(FunctionElement[str]):
    """A float column as text that reads back to the same float (SQLite's CAST keeps 15
    digits; PostgreSQL 12+ writes the shortest exact form)."""

    type = Text()
    inherit_cache = True


@compiles(exact_text, "sqlite")
def _exact_text_sqlite(element: exact_text, compiler: Any, **kw: Any) -> str:
    return f"printf('%!.17g', {compiler.process(element.clauses, **kw)})"


@compiles(exact_text, "postgresql")
def _exact_text_pg(element: exact_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


def transaction_cells(session: Any, journey_id: int | None, since: datetime | None,
                      until: datetime | None, device_id: int | None = None, span: int = 1
                      ) -> Iterator[tuple[Key, Cell]]:
    """The rows of the whole hours (`span` 1) or days (24) in [since, until) added up in SQL
    per (journey, transaction), every device together: a page showing one line per
    transaction (the overview, `/metrics`) decodes one bucket list per line instead of a
    Python merge of every hour row of the window (#13). Keys carry no device and the range's
    start as their hour; sums come as the rows' exact values, added with math.fsum (SQL's
    SUM depends on the rows' order: not the same figure on both backends)."""
    shape, params = _bounds(journey_id, since, until, device_id, span)
    for j, name, is_load, ok, total, count, sum_ms, low, high, buckets in \
            session.execute(_transaction_cells_query(*shape), params):
        times = Histogram({}, int(count), math.fsum(map(float, sum_ms.split(","))))
        if count:
            times.min, times.max = float(low), float(high)
        yield (j, None, since, name, None), Cell(bool(is_load), int(ok), int(total), times,
                                                  buckets or "")


@lru_cache(maxsize=16)
def _transaction_cells_query(*shape: bool) -> Any:
    t = TimingHourRow
    return _hours_bounded(
        select(t.journey_id, t.transaction, func.max(case((t.is_load, 1), else_=0)),
               func.sum(t.ok), func.sum(t.total), func.sum(t.count), joined(exact_text(t.sum_ms)),
               func.min(t.min_ms), func.max(t.max_ms), joined(t.buckets))
        .group_by(t.journey_id, t.transaction), *shape)


def stored_rows(session: Any) -> list[tuple[Any, ...]]:
    """Every row without its id, sorted: what tests compare across rebuilds and migrations."""
    table = TimingHourRow.__table__
    return sorted((tuple(r)[1:] for r in session.execute(select(table))),
                  key=lambda r: tuple("" if v is None else str(v) for v in r))


def merged(cells: Iterable[tuple[Any, Cell]]) -> dict[Any, Cell]:
    """Cells added up per key; sums added exactly (math.fsum), so the figures do not depend
    on the order rows come in (the same on both backends)."""
    out: dict[Any, Cell] = {}
    sums: dict[Any, list[float]] = {}
    for key, cell in cells:
        found = out.get(key)
        if found is None:
            out[key] = found = Cell()
            sums[key] = []
        found.merge(cell)
        sums[key].append(cell.times.sum)
    for key, found in out.items():
        found.times.sum = math.fsum(sums[key])
    return out
