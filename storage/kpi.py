"""Key figures, the same answer on SQLite and PostgreSQL, costing the window asked for.

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
- **Percentiles** are the nearest rank (rank ceil(p·n/100) of n sorted values, PostgreSQL's
  `percentile_disc`) located in log-spaced histogram buckets 2 % wide (storage.histograms)
  and read at the bucket's geometric middle, clamped to the window's exact min and max: within
  ±1 % (`histograms.RELATIVE_ERROR`) of the exact nearest rank for values from 1 ms to
  10 min; count, mean, min and max are exact. Response times count transactions whose check
  held (`passed`|`degraded`); load times are the `load` measurement.
- Hour of day is the UTC hour of the run's start.

Where figures come from: availability and flakes add the counters kept per journey, device
and UTC hour or day (storage.hourly) to the runs of the window's ragged edges; response and load
times, transaction success and the load flag merge the rows kept per journey, device,
transaction and UTC hour or day (storage.timings) with the same tally of the edges' runs
(`transactions`, one line per transaction: those rows come added up in SQL). So
a window costs its days, hours and edges, not the runs it holds nor the history kept, and
the figures are the ones the raw runs give (`ronde db rebuild` recomputes the rows).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal_column, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from storage import cellcache, generations, hourly, timings
from storage.engine import Database
from storage.models import DeviceRow, JourneyRow, RunRow

OK = ("passed", "degraded")
PERCENTILES = (50, 95, 99)
DIMENSIONS = ("journey", "transaction", "device", "hour")


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


def database_of(source: Any) -> Database:
    """Accept a Store or its Database."""
    return getattr(source, "db", source)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def in_window(  # public: storage.series builds its per-slice queries with these
    query: Any,
    run: Any,
    journey: str | None,
    since: datetime | None,
    until: datetime | None,
    device: str | None,
    journeys: Any = JourneyRow,
    devices: Any = DeviceRow,
) -> Any:
    """`query` restricted to finished runs of the journey/device started in [since, until)."""
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


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Rows where `condition` holds, 0 when none (SQL SUM gives NULL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


Shape = tuple[bool, bool, bool, bool]  # whether a window has a journey, since, until, device


def window_params(journey: str | None, since: datetime | None, until: datetime | None,
                  device: str | None) -> tuple[Shape, dict[str, Any]]:
    """A window's shape and the values of the parameters `in_bound_window` binds. Statements
    are built once per shape (lru_cache): building an aliased ORM select each time cost more
    than running it on the few runs of a window's edge (#13)."""
    values = {"w_journey": journey, "w_since": since, "w_until": until, "w_device": device}
    shape = (journey is not None, since is not None, until is not None, device is not None)
    return shape, {k: v for k, v in values.items() if v is not None}


def in_bound_window(query: Any, run: Any, shape: Shape, journeys: Any = JourneyRow,
                    devices: Any = DeviceRow, ids: bool = False) -> Any:
    """`in_window` with bound parameters (`window_params` gives their values); `ids`: only
    the journeys whose ids `w_ids` lists."""
    journey, since, until, device = shape
    query = query.where(run.is_open.is_(False))
    if ids:
        query = query.where(run.journey_id.in_(bindparam("w_ids", expanding=True)))
    if journey:
        query = query.where(journeys.key == bindparam("w_journey"))
    if device:
        query = query.where(devices.name == bindparam("w_device"))
    if since:
        query = query.where(run.started_at >= bindparam("w_since"))
    if until:
        query = query.where(run.started_at < bindparam("w_until"))
    return query


@lru_cache(maxsize=32)
def rounds_query(shape: Shape, ids: bool = False) -> Any:
    """Each round's first-attempt status and verdict (status of its last non-error attempt),
    for a window of this shape (bind `window_params`' values, and `w_ids` with `ids`)."""
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
    query = in_bound_window(query, root, shape, ids=ids)
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


_HALF_HOUR = timedelta(minutes=30)


def _signed_split(since: datetime | None, until: datetime | None
                  ) -> tuple[list[tuple[int, datetime | None, datetime | None]],
                             tuple[Any, Any] | None]:
    """`_split` for counters, which subtract: an edge longer than half an hour is read as its
    whole hour (from storage.hourly) less the rest of that hour (from the runs, sign -1), so
    a sliding window's edge costs at most 30 minutes of runs, not 60 (the alert window on
    every scrape). Only for figures that list a journey by its counts, not by having a round
    in the window (flake rates keep `_split`)."""
    edges, whole = _split(since, until)
    if whole is None:
        return [(1, lo, hi) for lo, hi in edges], None
    start, end = whole
    pieces: list[tuple[int, datetime | None, datetime | None]] = []
    for lo, hi in edges:
        if hi - lo <= _HALF_HOUR:  # type: ignore[operator]
            pieces.append((1, lo, hi))
        elif hi == start:  # the head: [lo, start) is start's hour less [its top, lo)
            start = hourly.floor_hour(lo)  # type: ignore[arg-type]
            pieces.append((-1, start, lo))
        else:  # the tail: [end, hi) is end's hour less [hi, the next hour)
            end = end + hourly.HOUR
            pieces.append((-1, hi, end))
    return pieces, (start, end)


def _stored_end(source: Any, until: datetime | None) -> datetime | None:
    """`until`, or the end of its UTC day when no stored run starts at or after it (a window
    ending now): that day's rows then hold exactly the window's part of it, so the window
    reads the day's (or hours') rows instead of the runs of a ragged last hour (one index
    probe)."""
    if until is None or until == timings.floor_day(until):
        return until
    db = database_of(source)
    with db.read() as session:  # asked once per read transaction (a page asks ~5 times)
        asked = session.info.setdefault(_ASKED, {})
        if until not in asked:
            asked[until] = session.execute(_LATER, {"until": until}).first() is not None
        later = asked[until]
    return until if later else timings.floor_day(until) + timedelta(days=1)


_LATER = select(RunRow.id).where(RunRow.started_at >= bindparam("until")).limit(1)
_ASKED = "ronde.kpi.later"


def availability(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    journey_ids: Collection[int] | None = None,
) -> list[Availability]:
    """First-attempt and confirmed availability per journey (see the module's definitions):
    whole hours from the counters kept at write time (storage.hourly), edges from the runs.
    `journey_ids`: only those journeys (their edges' runs alone are read)."""
    edges, hours = _signed_split(since, _stored_end(source, until))
    found: dict[str, hourly.Counts] = {}
    for sign, lo, hi in edges:
        for a in _raw_availability(source, journey, lo, hi, device, journey_ids):
            found.setdefault(a.journey, hourly.Counts()).add(hourly.Counts(
                sign * a.first_ok, sign * a.first_total, sign * a.first_errors,
                sign * a.rounds_ok, sign * a.rounds_total, sign * a.rounds_errors))
    if hours is not None:
        db = database_of(source)
        with db.read() as session:
            stored = hourly.totals(session, journey, *hours, device) if journey is not None \
                else _totals_per_journey(db, session, hours, device)
            named = None
            if journey_ids is not None and journey is None:
                keys = generations.journey_keys(session)
                named = {keys[j] for j in journey_ids if j in keys}
            for key, counts in stored.items():
                if named is None or key in named:
                    found.setdefault(key, hourly.Counts()).add(counts)
    return [
        Availability(key, c.first_ok, c.first_total, c.first_errors, c.rounds_ok,
                     c.rounds_total, c.rounds_errors)
        for key, c in sorted(found.items())
        if c.first_total or c.first_errors or c.rounds_total or c.rounds_errors
    ]


def _totals_per_journey(db: Database, session: Any, hours: tuple[datetime | None,
                                                                  datetime | None],
                        device: str | None) -> dict[str, hourly.Counts]:
    """`hourly.totals` of every journey, each journey's kept while its generation stays the
    same (storage.generations): a running trial reads again the few that changed. The
    counts are shared: callers add them into their own."""
    gens = generations.current(session)

    def compute(stale: list[int], previous: dict[int, hourly.Counts]
                ) -> dict[int, hourly.Counts]:
        named = stale if generations.one_by_one(stale, gens) else None
        found = hourly.totals_by_id(session, named, *hours, device)
        return {j: found.get(j) or hourly.Counts() for j in stale}

    counts = cellcache.cache_of(db).by_journey.read(("availability", *hours, device), gens,
                                                    compute)
    keys = generations.journey_keys(session)
    return {keys[j]: c for j, c in counts.items() if j in keys}


@lru_cache(maxsize=32)
def _raw_availability_queries(shape: Shape, ids: bool) -> tuple[Any, Any]:
    first_q = in_bound_window(
        select(
            JourneyRow.key.label("journey"),
            count_if(RunRow.status.in_(OK)).label("ok"),
            count_if(RunRow.status != "error").label("total"),
            count_if(RunRow.status == "error").label("errors"),
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.run_id == RunRow.round_id),
        RunRow, shape, ids=ids,
    ).group_by(JourneyRow.key)
    rounds = rounds_query(shape, ids)
    rounds_q = select(
        rounds.c.journey,
        count_if(rounds.c.status.in_(OK)).label("ok"),
        count_if(rounds.c.status != "error").label("total"),
        count_if(rounds.c.status == "error").label("errors"),
    ).group_by(rounds.c.journey)
    return first_q, rounds_q


def _raw_availability(
    source: Any,
    journey: str | None,
    since: datetime | None,
    until: datetime | None,
    device: str | None,
    journey_ids: Collection[int] | None = None,
) -> list[Availability]:
    shape, params = window_params(journey, since, until, device)
    if journey_ids is not None:
        params["w_ids"] = list(journey_ids)
    first_q, rounds_q = _raw_availability_queries(shape, journey_ids is not None)
    db = database_of(source)
    with db.read() as session:
        conn = session.connection()
        first = {row.journey: row for row in conn.execute(first_q, params)}
        confirmed = {row.journey: row for row in conn.execute(rounds_q, params)}
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
    (whole hours from storage.hourly, edges from the runs)."""
    edges, hours = _split(since, _stored_end(source, until))
    found: dict[str, list[int]] = {}
    for lo, hi in edges:
        for f in _raw_flake_rate(source, journey, lo, hi, device):
            counts = found.setdefault(f.journey, [0, 0])
            counts[0] += f.failed_first
            counts[1] += f.flaky
    if hours is not None:
        db = database_of(source)
        with db.read() as session:
            for key, c in hourly.totals(session, journey, *hours, device).items():
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
    shape, params = window_params(journey, since, until, device)
    db = database_of(source)
    with db.read() as session:
        conn = session.connection()
        return [
            Flakes(journey=r.journey, failed_first=int(r.failed_first), flaky=int(r.flaky))
            for r in conn.execute(_raw_flake_query(shape), params)
        ]


@lru_cache(maxsize=32)
def _raw_flake_query(shape: Shape) -> Any:
    rounds = rounds_query(shape)
    failed_first = rounds.c.first_status == "failed"
    return (
        select(
            rounds.c.journey,
            count_if(failed_first).label("failed_first"),
            count_if(and_(failed_first, rounds.c.status.in_(OK))).label("flaky"),
        )
        .group_by(rounds.c.journey)
        .order_by(rounds.c.journey)
    )


@dataclass(frozen=True, slots=True)
class Cut:
    """Slices of a window for the `slice` dimension: `index` maps a start time to its slice,
    `boundaries` are where slices meet (an hour they cut is read from its runs)."""

    boundaries: tuple[datetime, ...]
    index: Callable[[datetime], int]


Range = hourly.Range


@dataclass(frozen=True, slots=True)
class _Plan:
    """Where each part of a window is read from: its raw edges (and the hours a slice boundary
    cuts) from the runs, whole UTC days from the day rows, the other whole hours from the hour
    rows (skipping `cut_hours`)."""

    raw: list[Range]
    hours: list[Range]
    days: list[Range]
    cut_hours: set[datetime]


def _plan(since: datetime | None, until: datetime | None, boundaries: Sequence[datetime] = (),
          days: bool = True) -> _Plan:
    edges, whole = _split(since, until)
    inside = [b for b in boundaries
              if (since is None or b > since) and (until is None or b < until)]
    if whole is None:
        return _Plan(edges, [], [], set())
    start, end = whole
    cut_hours = {hourly.floor_hour(b) for b in inside if b != hourly.floor_hour(b)}
    edges = hourly.joined([*edges, *((h, h + hourly.HOUR) for h in cut_hours)])
    first = None if start is None else timings.floor_day(start + timedelta(days=1) - hourly.HOUR)
    last = None if end is None else timings.floor_day(end)
    if not days or (first is not None and last is not None and first >= last) or (
            inside and (first is None or last is None)):
        return _Plan(edges, [whole], [], cut_hours)
    cut_days = {timings.floor_day(b) for b in inside if b != timings.floor_day(b)}
    days: list[Range] = []
    hours: list[Range] = [(start, first)] if start is not None and start < first else []  # type: ignore[operator]
    if cut_days:  # bounded: walk the days
        day = first
        while day < last:  # type: ignore[operator]
            after = day + timedelta(days=1)  # type: ignore[operator]
            target = hours if day in cut_days else days
            if target and target[-1][1] == day:
                target[-1] = (target[-1][0], after)
            else:
                target.append((day, after))
            day = after
    else:
        days.append((first, last))
    if end is not None and last < end:  # type: ignore[operator]
        if hours and hours[-1][1] == last:
            hours[-1] = (hours[-1][0], end)
        else:
            hours.append((last, end))
    return _Plan(edges, hours, days, cut_hours)


def _cells(source: Any, journey: str | None, since: datetime | None, until: datetime | None,
           device: str | None, cut: Cut | None = None, days: bool = True,
           per_device: bool = True
           ) -> list[tuple[tuple[str, str | None, datetime, str | None, int | None],
                           timings.Cell]]:
    """Timing cells of the window, keyed (journey, device, hour, transaction or None for the
    load time, slice or None): whole days and hours from storage.timings (a day's key holds
    its midnight: no days when the hour of day matters), the rest from the runs. Not
    `per_device` (no cut): the stored part comes added up in SQL per journey and transaction
    (timings.transaction_cells), its keys without device nor hour."""
    db = database_of(source)
    plan = _plan(since, _stored_end(source, until), () if cut is None else cut.boundaries,
                 days)
    index = None if cut is None else cut.index
    with db.read() as session:
        journeys = generations.journey_keys(session)
        devices = {i: n for i, n in session.execute(select(DeviceRow.id, DeviceRow.name))}
        journey_id = _id_of(journeys, journey)
        device_id = _id_of(devices, device)
        if (journey is not None and journey_id is None) or (
                device is not None and device_id is None):
            return []
        cache = cellcache.cache_of(db)
        edge = cache.edge(session) if plan.raw else None
        raw: dict[timings.Key, timings.Cell] = {}
        kept: list[tuple[timings.Key, timings.Cell]] = []  # shared cells: never merged into
        for lo, hi in plan.raw:
            if edge is not None and lo is not None and lo < edge:  # its cold part kept
                cold_end = edge if hi is None or hi > edge else hi
                kept += cache.raw(session, _raw_reader(index), journey_id, lo, cold_end,
                                  device_id, None if cut is None else cut.boundaries)
                lo = cold_end
            if lo != hi:
                timings.raw_cells(session, journey_id, lo, hi, device_id, index, into=raw)
        found = [*raw.items(), *kept]
        if not days and index is None:  # by hour of day: summed per hour of day in SQL
            for lo, hi in plan.hours:
                found += timings.hour_of_day_cells(session, journey_id, lo, hi, device_id)
            found = [((j, d, h if isinstance(h, int) else h.hour, name, s), cell)
                     for (j, d, h, name, s), cell in found]
        else:
            stored = timings.hour_cells if per_device or index is not None else \
                timings.transaction_cells
            for span, key, cell in cache.read(
                    session, stored, journey_id, plan.hours, plan.days, device_id,
                    None if cut is None else _by_slice(cut, plan.cut_hours)):
                if span == 1 and key[2] in plan.cut_hours:
                    continue
                found.append((key if index is None else (*key[:4], index(key[2])), cell))
    # a journey or device added after the names were read (PostgreSQL reads each statement
    # afresh) waits for the next read
    return [((journeys[j], None if d is None else devices[d], h, name, s), cell)
            for (j, d, h, name, s), cell in found
            if j in journeys and (d is None or d in devices)]


def _raw_reader(index: Callable[[datetime], int] | None) -> cellcache.RawReader:
    def read(session: Any, journey_id: int | None, since: datetime, until: datetime,
             device_id: int | None) -> list[tuple[timings.Key, timings.Cell]]:
        return list(timings.raw_cells(session, journey_id, since, until, device_id,
                                      index).items())

    read.__qualname__ = "raw_cells"  # the cache's key: the same reader for every cut
    return read


def _by_slice(cut: Cut, cut_hours: set[datetime]) -> cellcache.Grouping:
    """Stored cells merged per slice (and journey, device, transaction), the hours a
    boundary cuts left out (they are read from their runs)."""
    index = cut.index

    def of(span: int, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if span == 1 and key[2] in cut_hours:
            return None
        return key[0], key[1], index(key[2]), key[3]

    return cellcache.Grouping((cut.boundaries, frozenset(cut_hours)), of)


def _id_of(ids: dict[int, str], name: str | None) -> int | None:
    if name is None:
        return None
    return next((i for i, n in ids.items() if n == name), None)


def _dimension(name: str, cut: Cut | None) -> Callable[[tuple[Any, ...]], Any]:
    """How a cell key (journey, device, hour, transaction, slice) gives a dimension's value."""
    columns: dict[str, Callable[[tuple[Any, ...]], Any]] = {
        "journey": lambda k: k[0],
        "transaction": lambda k: k[3],
        "device": lambda k: k[1],
        "hour": lambda k: k[2] if isinstance(k[2], int) else k[2].hour,
    }
    if cut is not None:
        columns["slice"] = lambda k: k[4]
    if name not in columns:
        raise ValueError(f"unknown dimension {name!r}: use {', '.join(DIMENSIONS)}")
    return columns[name]


def _stats(cells: Sequence[tuple[tuple[Any, ...], timings.Cell]], by: Sequence[str],
           cut: Cut | None) -> list[Stats]:
    """Count, mean, min, max and percentiles of the merged histograms, grouped by `by`."""
    keys = [_dimension(name, cut) for name in by]
    return _stats_of(timings.merged((tuple(k(key) for k in keys), cell) for key, cell in cells))


def _stats_of(groups: dict[Any, timings.Cell]) -> list[Stats]:
    return [
        Stats(group, c.times.count, c.times.sum / c.times.count, c.times.min, c.times.max,
              *c.times.percentiles(50, 95, 99))
        for group, c in sorted(groups.items(), key=lambda kv: _sortable(kv[0]))
        if c.times.count
    ]


def _sortable(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is not None, v) for v in key)  # None first, on both backends


def transaction_success(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
) -> list[SuccessRate]:
    """Per journey and transaction name; transactions of `error` runs are left out."""
    return [SuccessRate(t.journey, t.transaction, t.ok, t.total)
            for t in transactions(source, journey, since, until, device) if t.total]


@dataclass(frozen=True, slots=True)
class TransactionFigures:
    """Everything a transaction's row shows over a window, read in one pass."""

    journey: str
    transaction: str
    times: Stats | None  # None: no measured response
    ok: int
    total: int  # transactions of runs not in error
    is_load: bool  # it measured the app's load time in the window

    @property
    def rate(self) -> float | None:
        return _ratio(self.ok, self.total)


@dataclass(frozen=True, slots=True)
class WindowTimings:
    """The timing cells of one window, read once, then grouped as often as a page needs."""

    cells: tuple[tuple[tuple[Any, ...], timings.Cell], ...]
    cut: Cut | None = None
    hour_of_day: bool = False  # read hour by hour, so "hour" can be grouped by

    def _check(self, by: Sequence[str]) -> None:
        for name in by:
            _dimension(name, self.cut)
        if "hour" in by and not self.hour_of_day:
            raise ValueError("read with hour_of_day=True to group by hour")

    def response_times(self, by: Sequence[str] = ("journey", "transaction"),
                       transaction: str | None = None) -> list[Stats]:
        self._check(by)
        return _stats([(k, c) for k, c in self.cells if k[3] is not None
                       and (transaction is None or k[3] == transaction)], by, self.cut)

    def load_times(self, by: Sequence[str] = ("journey",)) -> list[Stats]:
        if "transaction" in by:
            raise ValueError("load times have no transaction dimension")
        self._check(by)
        return _stats([(k, c) for k, c in self.cells if k[3] is None], by, self.cut)

    def transactions(self) -> list[TransactionFigures]:
        groups: dict[tuple[str, str], list[timings.Cell]] = {}
        for k, c in self.cells:
            if k[3] is not None:
                groups.setdefault((k[0], k[3]), []).append(c)
        return [_transaction_figures(j, t, cells) for (j, t), cells in sorted(groups.items())]


def _transaction_figures(journey: str, transaction: str, cells: list[timings.Cell]
                         ) -> TransactionFigures:
    """One transaction's figures from its cells, remembered for the same cells (`_Figures`):
    between two requests only the transactions whose current hour a run changed are merged
    again (400 merges and percentiles: ~8 ms of the overview and of every /metrics scrape,
    #13)."""
    signature = _FIGURES.signature(journey, transaction, cells)
    found = _FIGURES.get(signature)
    if found is not None:
        return found
    c = timings.merged(((journey, transaction), c) for c in cells)[(journey, transaction)]
    times = _stats_of({(journey, transaction): c})
    figures = TransactionFigures(journey, transaction, times[0] if times else None, c.ok,
                                 c.total, c.is_load)
    _FIGURES.keep(signature, cells, figures)
    return figures


class _Figures:
    """Transaction figures by the cells they were made of: the cells of stored rows by their
    content, the decoded ones the cell cache keeps by identity (held here, so an identity is
    never reused while it names them). Groups of at most GROUP cells (a window of a few
    ranges, not a report's hours); CELLS cells held at most (~4 kB each), least recently
    used dropped first."""

    GROUP = 8
    CELLS = 8_000

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...],
                                   tuple[list[timings.Cell], TransactionFigures]] = OrderedDict()
        self._cells = 0
        self._lock = threading.Lock()

    def signature(self, journey: str, transaction: str, cells: list[timings.Cell]
                  ) -> tuple[Any, ...] | None:
        if len(cells) > self.GROUP:
            return None
        return (journey, transaction, *(
            (c.encoded, c.ok, c.total, c.is_load, c.times.count, c.times.sum, c.times.min,
             c.times.max) if c.encoded is not None else id(c) for c in cells))

    def get(self, signature: tuple[Any, ...] | None) -> TransactionFigures | None:
        if signature is None:
            return None
        with self._lock:
            found = self._entries.get(signature)
            if found is None:
                return None
            self._entries.move_to_end(signature)
            return found[1]

    def keep(self, signature: tuple[Any, ...] | None, cells: list[timings.Cell],
             figures: TransactionFigures) -> None:
        if signature is None:
            return
        with self._lock:
            old = self._entries.pop(signature, None)
            self._entries[signature] = (cells, figures)
            self._cells += len(cells) - (0 if old is None else len(old[0]))
            while self._cells > self.CELLS:
                self._cells -= len(self._entries.popitem(last=False)[1][0])


_FIGURES = _Figures()


def window_timings(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    cut: Cut | None = None,
    hour_of_day: bool = False,
) -> WindowTimings:
    """Read a window's response times, load times and transaction counts once (whole days
    and hours from storage.timings, the ragged edges from the runs; `hour_of_day`: hour by
    hour, to group by the hour of day)."""
    return WindowTimings(tuple(_cells(source, journey, since, until, device, cut,
                                      days=not hour_of_day)), cut, hour_of_day)


def transactions(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
) -> list[TransactionFigures]:
    """Response times, success rate and load flag per journey and transaction (the stored
    part merged in SQL: see `_cells`). Over every journey, each journey's figures are kept
    while its generation and the window stay the same (storage.generations): a running
    trial merges again the transactions of the few journeys a run changed, not all 400."""
    if journey is not None or device is not None:
        return WindowTimings(tuple(_cells(source, journey, since, until, device,
                                          per_device=False))).transactions()
    db = database_of(source)
    end = _stored_end(source, until)
    with db.read() as session:
        gens = generations.current(session)  # before what it keys
        keys = generations.journey_keys(session)

        def compute(stale: list[int], previous: dict[int, list[TransactionFigures]]
                    ) -> dict[int, list[TransactionFigures]]:
            wanted = {keys[j] for j in stale}
            cells = _cells(source, None, since, until, None, per_device=False)
            out: dict[int, list[TransactionFigures]] = {j: [] for j in stale}
            ids = {key: j for j, key in keys.items()}
            for figures in WindowTimings(tuple(c for c in cells if c[0][0] in wanted)
                                         ).transactions():
                out[ids[figures.journey]].append(figures)
            return out

        per_journey = cellcache.cache_of(db).by_journey.read(
            ("transaction figures", since, end), gens, compute, len)
    # each journey's come sorted by transaction: the journeys in key order keep the order
    return [f for j in sorted(per_journey, key=keys.__getitem__) for f in per_journey[j]]


def response_times(
    source: Any,
    by: Sequence[str] = ("journey", "transaction"),
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    transaction: str | None = None,
    cut: Cut | None = None,
) -> list[Stats]:
    """Response-time p50/p95/p99 (and count, mean, min, max) grouped by any of journey,
    transaction, device, hour (of day, UTC), and `slice` of `cut`."""
    for name in by:
        _dimension(name, cut)
    return window_timings(source, journey, since, until, device, cut, "hour" in by
                          ).response_times(by, transaction)


def load_times(
    source: Any,
    by: Sequence[str] = ("journey",),
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    cut: Cut | None = None,
) -> list[Stats]:
    """App (or page) load time statistics, grouped by journey, device, hour and/or slice."""
    if "transaction" in by:
        raise ValueError("load times have no transaction dimension")
    for name in by:
        _dimension(name, cut)
    return window_timings(source, journey, since, until, device, cut, "hour" in by
                          ).load_times(by)


def error_breakdown(
    source: Any,
    journey: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    first_attempts_only: bool = False,
) -> list[ErrorCount]:
    """Failed and error runs per journey, status and category, most frequent first."""
    query = in_window(
        select(
            JourneyRow.key.label("journey"), RunRow.status, RunRow.category,
            func.count().label("runs"),
        )
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        # written out, not bound: a partial index (ix_runs_failures) is used only when the
        # planner sees the query's values imply its condition
        .where(RunRow.status.in_([literal_column("'failed'"), literal_column("'error'")])),
        RunRow, journey, since, until, device,
    )
    if first_attempts_only:
        query = query.where(RunRow.run_id == RunRow.round_id)
    query = query.group_by(JourneyRow.key, RunRow.status, RunRow.category).order_by(
        func.count().desc(), JourneyRow.key, RunRow.status, RunRow.category
    )
    db = database_of(source)
    with db.read() as session:
        conn = session.connection()
        return [
            ErrorCount(journey=r.journey, status=r.status, category=r.category, runs=int(r.runs))
            for r in conn.execute(query)
        ]
