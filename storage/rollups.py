"""Counters kept at write time, so `/metrics` reads totals in one small query, whatever the history.

`run_totals` counts finished runs per (journey, device, status); `response_totals` counts the
measured responses per (journey, transaction, histogram bucket) with their sum. Bucket i holds
the responses in (RESPONSE_BOUNDS_MS[i-1], RESPONSE_BOUNDS_MS[i]]; bucket len(bounds) those
above the last bound; bucket -1 carries only a sum (pruned before these tables existed, their
buckets are known, not their per-bucket sums). Both count every run ever finished: `ronde db
prune` leaves them alone. `record_run` and `close_aborted_runs` add to them in the run's own
transaction (an aborted run completed later moves from `error` to its real status);
`rebuild` recomputes them from the runs and the pruned totals (`ronde db rebuild`, migration
0004), and gives the same figures however often it runs.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import (
    DeviceRow,
    JourneyRow,
    PrunedResponsesRow,
    PrunedRunsRow,
    ResponseTotalsRow,
    RunRow,
    RunTotalsRow,
    TransactionRow,
)
from storage.totals import RESPONSE_BOUNDS_MS, PrunedResponses, _decode

SUM_ONLY = -1  # the bucket of sums whose responses' buckets are known elsewhere


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one finished run adds to the totals (subtracted again with `sign=-1`)."""

    journey: str
    device: str  # "" without a device
    status: str
    responses: tuple[tuple[str, float], ...]  # (transaction, response ms), measured ones only


def bucket_of(response_ms: float) -> int:
    return bisect.bisect_left(RESPONSE_BOUNDS_MS, response_ms)


def add(executor: Any, contributions: Iterable[Contribution], sign: int = 1) -> None:
    """Add (or with sign=-1 take away) runs from the totals, with upserts in key order (two
    robots adding to the same rows lock them in the same order: no deadlock)."""
    runs: Counter[tuple[str, str, str]] = Counter()
    counts: Counter[tuple[str, str, int]] = Counter()
    sums: Counter[tuple[str, str, int]] = Counter()
    for c in contributions:
        runs[(c.journey, c.device, c.status)] += sign
        for name, value in c.responses:
            key = (c.journey, name, bucket_of(value))
            counts[key] += sign
            sums[key] += sign * value
    _upsert(executor, RunTotalsRow, ("journey", "device", "status"),
            [{"journey": j, "device": d, "status": s, "runs": n}
             for (j, d, s), n in sorted(runs.items())])
    _upsert(executor, ResponseTotalsRow, ("journey", "transaction", "bucket"),
            [{"journey": j, "transaction": t, "bucket": b, "count": counts[(j, t, b)],
              "sum_ms": sums[(j, t, b)]} for (j, t, b) in sorted(counts)])


def _upsert(executor: Any, model: Any, keys: Sequence[str], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = model.__table__
    dialect = _dialect(executor)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    adds = [c for c in rows[0] if c not in keys]
    statement = insert.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + insert.excluded[c] for c in adds},
    )
    for row in rows:  # one statement per key: a multi-row upsert may not touch a row twice
        executor.execute(statement, row)


def _dialect(executor: Any) -> str:
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return str(bind.dialect.name)


def of_stored_run(executor: Any, run_pk: int) -> Contribution | None:
    """The contribution of a stored finished run (None while it is open)."""
    row = executor.execute(
        select(JourneyRow.key, DeviceRow.name, RunRow.status, RunRow.is_open)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.id == run_pk)
    ).one()
    if row.is_open:
        return None
    responses = executor.execute(
        select(TransactionRow.name, TransactionRow.response_ms)
        .where(TransactionRow.run_pk == run_pk, TransactionRow.response_ms.is_not(None))
    ).all()
    return Contribution(row.key, row.name or "", row.status or "",
                        tuple((n, float(v)) for n, v in responses))


def rebuild(executor: Any) -> tuple[int, int]:
    """Recompute both tables from the stored runs and the pruned totals; returns (runs,
    responses) counted. Runs inside the caller's transaction, which holds the tables: robots
    recording meanwhile wait for it (SQLite's write lock; PostgreSQL's table lock), then add to
    the rebuilt totals, so no run is counted twice or missed."""
    if _dialect(executor) == "postgresql":
        executor.execute(text("LOCK TABLE run_totals, response_totals IN EXCLUSIVE MODE"))
    executor.execute(delete(RunTotalsRow))
    executor.execute(delete(ResponseTotalsRow))
    runs: Counter[tuple[str, str, str]] = Counter()
    for r in executor.execute(select(PrunedRunsRow.__table__)):
        runs[(r.journey, r.device, r.status)] += int(r.runs)
    live = executor.execute(
        select(JourneyRow.key, DeviceRow.name, RunRow.status, func.count(RunRow.id))
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(RunRow.is_open.is_(False))
        .group_by(JourneyRow.key, DeviceRow.name, RunRow.status)
    )
    for journey, device, status, n in live:
        runs[(journey, device or "", status or "")] += int(n)
    counts: Counter[tuple[str, str, int]] = Counter()
    sums: Counter[tuple[str, str, int]] = Counter()
    for row in executor.execute(select(PrunedResponsesRow.__table__)):
        _add_pruned(counts, sums, row.journey, row.transaction, _decode(row))
    responses = executor.execute(
        select(JourneyRow.key, TransactionRow.name, TransactionRow.response_ms)
        .join(RunRow, TransactionRow.run_pk == RunRow.id)
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .where(RunRow.is_open.is_(False), TransactionRow.response_ms.is_not(None))
        .execution_options(yield_per=10_000)
    )
    for journey, name, value in responses:
        key = (journey, name, bucket_of(value))
        counts[key] += 1
        sums[key] += value
    run_rows = [{"journey": j, "device": d, "status": s, "runs": n}
                for (j, d, s), n in sorted(runs.items())]
    response_rows = [{"journey": j, "transaction": t, "bucket": b, "count": counts[(j, t, b)],
                      "sum_ms": sums[(j, t, b)]} for (j, t, b) in sorted(counts)]
    if run_rows:
        executor.execute(RunTotalsRow.__table__.insert(), run_rows)
    if response_rows:
        executor.execute(ResponseTotalsRow.__table__.insert(), response_rows)
    return sum(runs.values()), sum(n for (_, _, b), n in counts.items())


def _add_pruned(counts: Counter[tuple[str, str, int]], sums: Counter[tuple[str, str, int]],
                journey: str, name: str, pruned: PrunedResponses) -> None:
    below = 0
    for bound, cumulative in pruned.cumulative:
        index = bisect.bisect_left(RESPONSE_BOUNDS_MS, bound)
        if cumulative > below:
            counts[(journey, name, index)] += cumulative - below
        below = cumulative
    if pruned.count > below:
        counts[(journey, name, len(RESPONSE_BOUNDS_MS))] += pruned.count - below
    counts[(journey, name, SUM_ONLY)] += 0
    sums[(journey, name, SUM_ONLY)] += pruned.sum_ms


def run_counts(executor: Any, journeys: Collection[str] | None = None
               ) -> dict[tuple[str, str, str], int]:
    """(journey, device, status) -> finished runs since the store began, of every journey
    or of those named."""
    params = {} if journeys is None else {"journeys": list(journeys)}
    rows = executor.execute(_RUN_COUNTS[journeys is not None], params)
    return {(j, d, s): int(n) for j, d, s, n in rows if n}


_RUN_COUNTS = {False: select(RunTotalsRow.journey, RunTotalsRow.device, RunTotalsRow.status,
                             RunTotalsRow.runs)}
_RUN_COUNTS[True] = _RUN_COUNTS[False].where(
    RunTotalsRow.journey.in_(bindparam("journeys", expanding=True)))


def response_marks(executor: Any, journeys: Collection[str] | None = None
                   ) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(journey, transaction) -> a mark that changes whenever the series' rows do (its rows,
    responses and summed sum): what a reader keeping a series' figures compares, adding up
    in SQL the ~37 k rows it would otherwise load (#13). Of every journey, or of those
    named."""
    connection = executor.connection() if isinstance(executor, Session) else executor
    params = {} if journeys is None else {"journeys": list(journeys)}
    return {(j, name): tuple(mark) for j, name, *mark in connection.execute(
        _marks_query(journeys is not None), params)}


@lru_cache(maxsize=2)
def _marks_query(named: bool) -> Any:
    t = ResponseTotalsRow
    query = select(t.journey, t.transaction, func.count(), func.sum(t.count),
                   func.sum(t.sum_ms)).group_by(t.journey, t.transaction)
    return query.where(t.journey.in_(bindparam("journeys", expanding=True))) if named \
        else query


def response_totals(executor: Any, series: Collection[tuple[str, str]] | None = None
                    ) -> dict[tuple[str, str], tuple[dict[int, int], int, float]]:
    """(journey, transaction) -> ({bucket: count}, count, sum ms) since the store began, of
    every series or of those given. Read as plain rows, sorted per series (a /metrics scrape
    that reads them all reads ~37 k for 400 transactions; the ORM's row loading cost as much
    as the SQL)."""
    t = ResponseTotalsRow
    query = select(t.journey, t.transaction, t.bucket, t.count, t.sum_ms).order_by(
        t.journey, t.transaction)
    if series is not None:
        if not series:
            return {}
        # the journeys first: an index range per journey, where the pairs alone scanned the
        # whole index (~37 k entries) on SQLite
        query = query.where(t.journey.in_(sorted({j for j, _ in series})),
                            tuple_(t.journey, t.transaction).in_(sorted(series)))
    connection = executor.connection() if isinstance(executor, Session) else executor
    out: dict[tuple[str, str], tuple[dict[int, int], int, float]] = {}
    for series, rows in groupby(connection.execute(query).all(), key=itemgetter(0, 1)):
        buckets: dict[int, int] = {}
        total = 0
        sums = []
        for _, _, bucket, count, sum_ms in rows:
            if count:
                buckets[bucket] = buckets.get(bucket, 0) + count
                total += count
            sums.append(sum_ms)
        if total:
            out[series] = (buckets, total, math.fsum(sums))
    return out
