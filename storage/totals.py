"""Totals since the store began that survive `ronde db prune`: what prune deletes is folded here.

`/metrics` exposes run counts and response-time histograms as Prometheus counters, which
must never go down. Prune adds the runs it deletes to `pruned_runs` / `pruned_responses`
(in the transaction that deletes them), and `storage.reporting` adds those totals back.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from storage.models import (
    DeviceRow,
    JourneyRow,
    PrunedResponsesRow,
    PrunedRunsRow,
    RunRow,
    TransactionRow,
)


def _response_bounds() -> tuple[float, ...]:
    """25 ms × 2^(k/8) to 60 s, at 3 significant digits: each bound is less than 10 % above
    the one before, so a quantile interpolated in a bucket is within 10 % of the truth."""
    bounds = []
    k = 0
    while (value := 25.0 * 2 ** (k / 8)) < 60_000:
        bounds.append(float(f"{value:.3g}"))
        k += 1
    return (*bounds, 60_000.0)


#: Response-time histogram bounds in milliseconds (25 ms to a minute, 91 bounds).
RESPONSE_BOUNDS_MS: tuple[float, ...] = _response_bounds()


@dataclass(frozen=True, slots=True)
class PrunedResponses:
    count: int
    sum_ms: float
    cumulative: tuple[tuple[float, int], ...]  # (bound ms, responses <= bound), ascending

    def at_or_below(self, bound_ms: float) -> int:
        """Responses known to be <= `bound_ms` (the count at the nearest folded bound below)."""
        index = bisect.bisect_right([b for b, _ in self.cumulative], bound_ms)
        return self.cumulative[index - 1][1] if index else 0


def fold(session: Session, old: ColumnElement[bool]) -> None:
    """Add the finished runs matching `old`, and their measured responses, to the totals."""
    runs = (
        select(JourneyRow.key, DeviceRow.name, RunRow.status, func.count(RunRow.id))
        .join(JourneyRow, RunRow.journey_id == JourneyRow.id)
        .outerjoin(DeviceRow, RunRow.device_id == DeviceRow.id)
        .where(old)
        .group_by(JourneyRow.key, DeviceRow.name, RunRow.status)
    )
    for journey, device, status, n in session.execute(runs).all():
        key = (journey, device or "", status or "")
        row = session.scalars(
            select(PrunedRunsRow).where(
                PrunedRunsRow.journey == key[0],
                PrunedRunsRow.device == key[1],
                PrunedRunsRow.status == key[2],
            )
        ).one_or_none()
        if row is None:
            session.add(PrunedRunsRow(journey=key[0], device=key[1], status=key[2], runs=int(n)))
        else:
            row.runs += int(n)
    for journey, transaction, count, sum_ms, cumulative in response_sums(
        session, RESPONSE_BOUNDS_MS, old
    ):
        row = session.scalars(
            select(PrunedResponsesRow).where(
                PrunedResponsesRow.journey == journey,
                PrunedResponsesRow.transaction == transaction,
            )
        ).one_or_none()
        if row is None:
            before = PrunedResponses(0, 0.0, ())
            row = PrunedResponsesRow(journey=journey, transaction=transaction, count=0,
                                     sum_ms=0.0, buckets="[]")
            session.add(row)
        else:
            before = _decode(row)
        row.count = before.count + count
        row.sum_ms = before.sum_ms + sum_ms
        row.buckets = json.dumps([
            [bound, before.at_or_below(bound) + n]
            for bound, n in zip(RESPONSE_BOUNDS_MS, cumulative, strict=True)
        ])
    session.flush()


def response_sums(
    session: Session, bounds_ms: Sequence[float], where: ColumnElement[bool]
) -> list[tuple[str, str, int, float, tuple[int, ...]]]:
    """(journey, transaction, count, sum ms, cumulative counts at `bounds_ms`) of the measured
    responses of finished runs matching `where`."""
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
        .where(and_(TransactionRow.response_ms.is_not(None), RunRow.is_open.is_(False), where))
        .group_by(JourneyRow.key, TransactionRow.name)
        .order_by(JourneyRow.key, TransactionRow.name)
    )
    return [
        (row[0], row[1], int(row[2]), float(row[3] or 0.0), tuple(int(n or 0) for n in row[4:]))
        for row in session.execute(query)
    ]


def pruned_runs(session: Session) -> dict[tuple[str, str, str], int]:
    """(journey, device, status) -> runs deleted by prune."""
    return {
        (r.journey, r.device, r.status): int(r.runs)
        for r in session.scalars(select(PrunedRunsRow))
    }


def pruned_responses(session: Session) -> dict[tuple[str, str], PrunedResponses]:
    """(journey, transaction) -> the response times of the transactions prune deleted."""
    return {(r.journey, r.transaction): _decode(r) for r in session.scalars(
        select(PrunedResponsesRow))}


def _decode(row: PrunedResponsesRow) -> PrunedResponses:
    pairs = tuple(sorted((float(b), int(n)) for b, n in json.loads(row.buckets)))
    return PrunedResponses(int(row.count), float(row.sum_ms), pairs)
