"""Availability per journey and UTC hour and day, kept at write time, so windows cost their days
and hours, not runs.

One `availability_hours` row per (journey, hour, device of the first attempt) holds
storage.kpi's counters for the rounds whose first attempt started in that hour on it: first
attempts ok / judged / in error, round verdicts ok / judged / in error, and flakes; beside
them (`span` 24) one row per (journey, UTC day, device) adds up the day's hour rows, so 90
days cost 90 rows per journey and device, not 2,160. Each write recomputes the rows of the
hours it touches from their runs (a few dozen rows through the runs (journey, started_at)
index), then the day's row from its hours, so out-of-order results, confirmations and
completed aborted runs all land right; on PostgreSQL an advisory lock per (journey, day)
makes the last writer see every committed run.
`storage.kpi` adds whole days and hours from here to the raw edges of a window: the same
figures.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, literal_column, select, text
from sqlalchemy.orm import aliased

from storage.models import AvailabilityHourRow, DeviceRow, JourneyRow, RunRow
from storage.types import UTCDateTime

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OK = ("passed", "degraded")


@dataclass(slots=True)
class Counts:
    first_ok: int = 0
    first_total: int = 0
    first_errors: int = 0
    rounds_ok: int = 0
    rounds_total: int = 0
    rounds_errors: int = 0
    failed_first: int = 0
    flaky: int = 0

    def add(self, other: Counts) -> None:
        self.first_ok += other.first_ok
        self.first_total += other.first_total
        self.first_errors += other.first_errors
        self.rounds_ok += other.rounds_ok
        self.rounds_total += other.rounds_total
        self.rounds_errors += other.rounds_errors
        self.failed_first += other.failed_first
        self.flaky += other.flaky


COLUMNS = tuple(f.name for f in fields(Counts))


def floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


Range = tuple[datetime | None, datetime | None]  # [since, until); None: unbounded


def joined(ranges: Iterable[Range]) -> list[Range]:
    """Ranges in time order, those that touch made one: a window whose slices cut every hour
    reads its runs in one statement, not one per hour."""
    out: list[Range] = []
    for lo, hi in sorted(ranges, key=lambda r: (r[0] is not None, r[0] or datetime.min)):
        if out and lo is not None and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def ceil_hour(at: datetime) -> datetime:
    floor = floor_hour(at)
    return floor if floor == at else floor + HOUR


def hours_back(now: datetime, span: timedelta) -> datetime:
    """The start of the rolling window `span` ending now, on the top of an hour: the window
    holds the whole hours of the last `span` and the current one (between span - 1 h and
    span long), so it reads the rows kept at write time, not runs (#13)."""
    return ceil_hour(now) - span


def floor_day(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def lock(session: Any, name: str) -> None:
    """On PostgreSQL, wait for the other writers of these rows: the next statement then sees
    what they committed (READ COMMITTED). Held until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode()) - 2**31
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@lru_cache(maxsize=8)
def _members_query(journey: bool, since: bool, until: bool) -> Any:
    """Every finished member of the rounds whose finished first attempt started in the range,
    bound by the parameters `journey_id`, `since` and `until` where the flags say. Built once
    per shape: building an aliased ORM select costs more than running it (#13)."""
    root = aliased(RunRow, name="root")
    member = aliased(RunRow, name="member")
    query = (
        select(root.journey_id, root.device_id, root.run_id, root.started_at,
               root.status.label("first"),
               member.status, member.attempt, member.started_at.label("member_at"))
        .join(member, and_(member.round_id == root.run_id, member.is_open.is_(False)))
        .where(root.run_id == root.round_id)
    )
    return bound_runs(query, root, journey, since, until)


def bound_runs(query: Any, run: Any, journey: bool, since: bool, until: bool,
               device: bool = False) -> Any:
    """`query` on the finished `run` rows, bound by the parameters `journey_id`, `since`,
    `until` and `device_id` where the flags say: statements built once per shape and run
    with their values (building one cost more than running it on every write, #13)."""
    query = query.where(run.is_open.is_(False))
    if journey:
        query = query.where(run.journey_id == bindparam("journey_id"))
    if device:
        query = query.where(run.device_id == bindparam("device_id"))
    if since:
        query = query.where(run.started_at >= bindparam("since"))
    if until:
        query = query.where(run.started_at < bindparam("until"))
    return query


def _members(session: Any, journey_id: int | None, since: datetime | None,
             until: datetime | None, **options: Any) -> Any:
    params = {k: v for k, v in (("journey_id", journey_id), ("since", since),
                                ("until", until)) if v is not None}
    query = _members_query(journey_id is not None, since is not None, until is not None)
    return session.execute(query.execution_options(**options), params)


Key = tuple[int, datetime, int | None]  # (journey id, hour, device id of the first attempt)


def _tally(rows: Iterable[Any]) -> dict[Key, Counts]:
    """kpi's definitions over (root, member) rows: the verdict is the status of the round's
    last non-error attempt (highest attempt, then latest start)."""
    rounds: dict[str, tuple[int, int | None, datetime, str, tuple[Any, ...]]] = {}
    for r in rows:
        rank = (r.status != "error", r.attempt, r.member_at)
        found = rounds.get(r.run_id)
        if found is None or rank > found[4]:
            rounds[r.run_id] = (r.journey_id, r.device_id, r.started_at, r.first,
                                (*rank, r.status))
    out: dict[Key, Counts] = {}
    for journey_id, device_id, started_at, first, ranked in rounds.values():
        verdict = ranked[-1]
        c = out.setdefault((journey_id, floor_hour(started_at), device_id), Counts())
        c.first_ok += first in OK
        c.first_total += first != "error"
        c.first_errors += first == "error"
        c.rounds_ok += verdict in OK
        c.rounds_total += verdict != "error"
        c.rounds_errors += verdict == "error"
        c.failed_first += first == "failed"
        c.flaky += first == "failed" and verdict in OK
    return out


def refresh(session: Any, journey_id: int, at: datetime) -> None:
    """Recompute the journey's rows of the hour `at` falls in from its runs (call after
    writing them), then its rows of that day from its hours. The one lock is the day's, taken
    before the hour is read: an hour lock then a day lock deadlocked a load refreshing 10:00
    and 11:00 with a robot refreshing 11:00 alone (each held what the other waited for)."""
    hour = floor_hour(at)
    lock(session, _day_lock(journey_id, at))
    table = AvailabilityHourRow.__table__
    session.execute(delete(table).where(table.c.journey_id == journey_id, table.c.hour == hour,
                                        table.c.span == 1))
    rows = _rows(_tally(_members(session, journey_id, hour, hour + HOUR)))
    if rows:
        session.execute(table.insert(), rows)
    _refresh_day(session, journey_id, floor_day(at))


def refresh_day(session: Any, journey_id: int, at: datetime) -> None:
    """Recompute the journey's rows of the UTC day `at` falls in from its hour rows (a prune
    that deleted some of them)."""
    lock(session, _day_lock(journey_id, at))
    _refresh_day(session, journey_id, floor_day(at))


def _day_lock(journey_id: int, at: datetime) -> str:
    return f"availability-day:{journey_id}@{floor_day(at).isoformat()}"


def _refresh_day(session: Any, journey_id: int, day: datetime) -> None:
    table = AvailabilityHourRow.__table__
    session.execute(delete(table).where(table.c.journey_id == journey_id, table.c.hour == day,
                                        table.c.span == 24))
    session.execute(_day_sums(), {"journey_id": journey_id, "day": day, "next_day": day + DAY})


@lru_cache(maxsize=1)
def _day_sums() -> Any:
    """INSERT the day rows of one journey's day, summed in SQL from its hour rows (bound by
    `journey_id`, `day` and `next_day`): one statement, whatever the devices."""
    t = AvailabilityHourRow.__table__
    day = bindparam("day", type_=UTCDateTime())
    sums = (
        select(t.c.journey_id, day, literal_column("24"), t.c.device_id,
               *(func.sum(t.c[c]) for c in COLUMNS))
        .where(t.c.journey_id == bindparam("journey_id"), t.c.span == 1, t.c.hour >= day,
               t.c.hour < bindparam("next_day", type_=UTCDateTime()))
        .group_by(t.c.journey_id, t.c.device_id)
    )
    return insert(t).from_select(["journey_id", "hour", "span", "device_id", *COLUMNS], sums)


def _rows(tallied: dict[Key, Counts], span: int | None = None) -> list[dict[str, Any]]:
    """Rows to insert; hour rows (no `span`) leave it to the column's default, 1, which lets
    migration 0005 write them with this code before the column exists."""
    extra = {} if span is None else {"span": span}
    return [{"journey_id": j, "hour": h, "device_id": d, **extra,
             **{c: getattr(n, c) for c in COLUMNS}}
            for (j, h, d), n in sorted(tallied.items(),
                                       key=lambda kv: (*kv[0][:2], kv[0][2] or 0))]


def root_start(session: Any, round_id: str) -> tuple[int, datetime] | None:
    """(journey id, start) of a round's first attempt, if it is stored and finished."""
    row = session.execute(select(RunRow.journey_id, RunRow.started_at).where(
        RunRow.run_id == round_id, RunRow.is_open.is_(False))).first()
    return None if row is None else (row[0], row[1])


def rebuild(session: Any, days: bool = True) -> int:
    """Recompute every row from the runs, hours then days (not `days`: hour rows only, for
    migration 0005, which runs before the `span` column exists); returns the rows written."""
    table = AvailabilityHourRow.__table__
    session.execute(delete(table))
    tallied = _tally(_members(session, None, None, None, yield_per=10_000))
    summed: dict[Key, Counts] = {}
    for (j, h, d), counts in tallied.items() if days else ():
        summed.setdefault((j, floor_day(h), d), Counts()).add(counts)
    written = 0
    for rows in (_rows(tallied), _rows(summed, span=24)):
        for start in range(0, len(rows), 5_000):
            session.execute(table.insert(), rows[start:start + 5_000])
        written += len(rows)
    return written


def ceil_day(at: datetime) -> datetime:
    floor = floor_day(at)
    return floor if floor == at else floor + DAY


Range = tuple[datetime | None, datetime | None]


def spans(since: datetime | None, until: datetime | None) -> list[tuple[int, Range]]:
    """[since, until) (hour-aligned, None: unbounded) as the ranges of rows that cover it once:
    its whole UTC days from the day rows (`span` 24), the hours before and after them from the
    hour rows (`span` 1)."""
    first = None if since is None else ceil_day(since)
    last = None if until is None else floor_day(until)
    if first is not None and last is not None and first >= last:
        return [(1, (since, until))]
    out: list[tuple[int, Range]] = [(24, (first, last))]
    if since is not None and first is not None and since < first:
        out.append((1, (since, first)))
    if until is not None and last is not None and last < until:
        out.append((1, (last, until)))
    return out


def totals(session: Any, journey: str | None, since: datetime | None,
           until: datetime | None, device: str | None = None) -> dict[str, Counts]:
    """Per journey key, the counters of the whole hours in [since, until) (hour-aligned): its
    whole days from the day rows, the other hours from the hour rows; of the rounds whose
    first attempt ran on `device` when given."""
    return _summed(session, since, until, {"t_journey": journey, "t_device": device},
                   by_id=False)


def totals_by_id(session: Any, journey_ids: Collection[int] | None, since: datetime | None,
                 until: datetime | None, device: str | None = None) -> dict[int, Counts]:
    """`totals` per journey id, of every journey or of those named."""
    return _summed(session, since, until, {"t_ids": journey_ids, "t_device": device},
                   by_id=True)


def _summed(session: Any, since: datetime | None, until: datetime | None,
            given: dict[str, Any], by_id: bool) -> dict[Any, Counts]:
    out: dict[Any, Counts] = {}
    for span, (lo, hi) in spans(since, until):
        params = {"t_span": span, "t_since": lo, "t_until": hi, **given}
        query = _totals_query(given.get("t_journey") is not None,
                              given.get("t_device") is not None, lo is not None,
                              hi is not None, by_id, given.get("t_ids") is not None)
        for journey, *counts in session.connection().execute(
                query, {k: v for k, v in params.items() if v is not None}):
            out.setdefault(journey, Counts()).add(Counts(*(int(v or 0) for v in counts)))
    return out


@lru_cache(maxsize=32)
def _totals_query(journey: bool, device: bool, since: bool, until: bool, by_id: bool = False,
                  named: bool = False) -> Any:
    """Built once per shape (building the select cost more than running it on a day's rows)."""
    t = AvailabilityHourRow
    sums = [func.sum(getattr(t, c)) for c in COLUMNS]
    query = (select(t.journey_id, *sums).group_by(t.journey_id) if by_id else
             select(JourneyRow.key, *sums).join(JourneyRow, t.journey_id == JourneyRow.id)
             .group_by(JourneyRow.key)).where(t.span == bindparam("t_span"))
    if named:
        query = query.where(t.journey_id.in_(bindparam("t_ids", expanding=True)))
    if journey:
        query = query.where(JourneyRow.key == bindparam("t_journey"))
    if device:
        query = query.join(DeviceRow, t.device_id == DeviceRow.id).where(
            DeviceRow.name == bindparam("t_device"))
    if since:
        query = query.where(t.hour >= bindparam("t_since"))
    if until:
        query = query.where(t.hour < bindparam("t_until"))
    return query
