"""Availability per journey and UTC hour, kept at write time, so windows cost their hours, not runs.

One `availability_hours` row per (journey, hour, device of the first attempt) holds
storage.kpi's counters for the rounds whose first attempt started in that hour on it: first
attempts ok / judged / in error, round verdicts ok / judged / in error, and flakes. Each
write recomputes the rows of the hours it touches from their runs (a few dozen rows through
the runs (journey, started_at) index), so out-of-order results, confirmations and completed
aborted runs all land right; on PostgreSQL an advisory lock per (journey, hour) makes the
last writer see every committed run.
`storage.kpi` adds whole hours from here to the raw edges of a window: the same figures.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, text
from sqlalchemy.orm import aliased

from storage.models import AvailabilityHourRow, DeviceRow, JourneyRow, RunRow

HOUR = timedelta(hours=1)
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
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


COLUMNS = tuple(f.name for f in fields(Counts))


def floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def ceil_hour(at: datetime) -> datetime:
    floor = floor_hour(at)
    return floor if floor == at else floor + HOUR


def hours_back(now: datetime, span: timedelta) -> datetime:
    """The start of the rolling window `span` ending now, on the top of an hour: the window
    holds the whole hours of the last `span` and the current one (between span - 1 h and
    span long), so it reads the rows kept at write time, not runs (#13)."""
    return ceil_hour(now) - span


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
        .where(root.run_id == root.round_id, root.is_open.is_(False))
    )
    if journey:
        query = query.where(root.journey_id == bindparam("journey_id"))
    if since:
        query = query.where(root.started_at >= bindparam("since"))
    if until:
        query = query.where(root.started_at < bindparam("until"))
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
    """Recompute the rows of the hour `at` falls in from its runs (call after writing them)."""
    hour = floor_hour(at)
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"{journey_id}@{hour.isoformat()}".encode()) - 2**31
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    table = AvailabilityHourRow.__table__
    session.execute(delete(table).where(table.c.journey_id == journey_id, table.c.hour == hour))
    rows = _rows(_tally(_members(session, journey_id, hour, hour + HOUR)))
    if rows:
        session.execute(table.insert(), rows)


def _rows(tallied: dict[Key, Counts]) -> list[dict[str, Any]]:
    return [{"journey_id": j, "hour": h, "device_id": d, **{c: getattr(n, c) for c in COLUMNS}}
            for (j, h, d), n in sorted(tallied.items(),
                                       key=lambda kv: (*kv[0][:2], kv[0][2] or 0))]


def root_start(session: Any, round_id: str) -> tuple[int, datetime] | None:
    """(journey id, start) of a round's first attempt, if it is stored and finished."""
    row = session.execute(select(RunRow.journey_id, RunRow.started_at).where(
        RunRow.run_id == round_id, RunRow.is_open.is_(False))).first()
    return None if row is None else (row[0], row[1])


def rebuild(session: Any) -> int:
    """Recompute every row from the runs; returns the rows written."""
    table = AvailabilityHourRow.__table__
    session.execute(delete(table))
    rows = _rows(_tally(_members(session, None, None, None, yield_per=10_000)))
    if rows:
        session.execute(table.insert(), rows)
    return len(rows)


def totals(session: Any, journey: str | None, since: datetime | None,
           until: datetime | None, device: str | None = None) -> dict[str, Counts]:
    """Per journey key, the counters of the whole hours in [since, until) (hour-aligned), of
    the rounds whose first attempt ran on `device` when given."""
    t = AvailabilityHourRow
    query = (select(JourneyRow.key, *(func.sum(getattr(t, c)) for c in COLUMNS))
             .join(JourneyRow, t.journey_id == JourneyRow.id).group_by(JourneyRow.key))
    if journey is not None:
        query = query.where(JourneyRow.key == journey)
    if device is not None:
        query = query.join(DeviceRow, t.device_id == DeviceRow.id).where(
            DeviceRow.name == device)
    if since is not None:
        query = query.where(t.hour >= since)
    if until is not None:
        query = query.where(t.hour < until)
    return {row[0]: Counts(*(int(v or 0) for v in row[1:])) for row in session.execute(query)}
