"""Availability over a window that slides with the clock (the alert window `/metrics` shows
on every scrape), each journey's figures kept while the same runs are in its window (#13).

A journey's window [now - span, now) holds the same runs until one of its runs is written or
changed (its generation, storage.generations), one leaves the window (its start + span) or
one stamped later than `now` enters it (another host's clock ahead). A scrape every 15 s of
a trial that runs each journey every few minutes reads again the few journeys a write or
the clock changed, instead of every journey's ragged edge.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from storage import generations, kpi
from storage.cellcache import cache_of
from storage.models import RunRow

#: (figures or None, the clock they were read at, the clock they hold until, exclusive)
_Kept = tuple[kpi.Availability | None, datetime, datetime]


def availability(source: Any, span: timedelta, now: datetime) -> list[kpi.Availability]:
    """`kpi.availability` of every journey over [now - span, now), the same figures."""
    db = kpi.database_of(source)
    since = now - span
    with db.read() as session:
        gens = generations.current(session)  # first: what is kept is never older
        keys = generations.journey_keys(session)

        def compute(stale: list[int], previous: dict[int, _Kept]) -> dict[int, _Kept]:
            named = stale if generations.one_by_one(stale, gens) else None
            found = {a.journey: a for a in kpi.availability(source, since=since, until=now,
                                                            journey_ids=named)}
            ends = _ends(session, named, since, now, span)
            return {j: (found.get(keys[j]), now, ends.get(j, now + span)) for j in stale}

        kept = cache_of(db).by_journey.read(("sliding availability", span), gens, compute,
                                            still=lambda v: v[1] <= now < v[2])
        return sorted((v[0] for v in kept.values() if v[0] is not None),
                      key=lambda a: a.journey)


def _ends(session: Any, ids: list[int] | None, since: datetime, now: datetime,
          span: timedelta) -> dict[int, datetime]:
    """Per journey, when its window's runs change with the clock alone: its earliest run in
    the window leaves it, or its earliest run stamped at or after `now` enters it (journeys
    with neither hold for a span; their generation tells the rest)."""
    params: dict[str, Any] = {"since": since, "now": now}
    if ids is not None:
        params["ids"] = ids
    ends: dict[int, datetime] = {}
    for journey_id, first in session.execute(_FIRST_IN[ids is not None], params):
        ends[journey_id] = first + span
    for journey_id, first in session.execute(_FIRST_AFTER[ids is not None], params):
        ends[journey_id] = min(first, ends.get(journey_id, first))
    return ends


def _first(lower: str, upper: str | None, ids: bool) -> Any:
    query = select(RunRow.journey_id, func.min(RunRow.started_at)).where(
        RunRow.started_at >= bindparam(lower))
    if upper is not None:
        query = query.where(RunRow.started_at < bindparam(upper))
    if ids:
        query = query.where(RunRow.journey_id.in_(bindparam("ids", expanding=True)))
    return query.group_by(RunRow.journey_id)


_FIRST_IN = {ids: _first("since", "now", ids) for ids in (False, True)}
_FIRST_AFTER = {ids: _first("now", None, ids) for ids in (False, True)}
