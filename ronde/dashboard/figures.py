"""The dashboard's own reads beyond `ReadSource`: a journey over time, filtered runs, one
incident, the status page. `StoreFigures` fills them from storage's domain functions, each
bounded by the window shown (storage.series), so a page costs what its window holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from ronde.report.facts import Availability, IncidentView, Percentiles, RunView
from ronde.report.mapping import incident_view, run_view, view_availability
from storage import catalog, generations, incidents, kpi, queries, reporting, series
from storage.hourly import HOUR, floor_hour
from storage.records import RunRecord
from storage.series import Slices
from storage.store import Store

STATUS_DAYS = 90
EVIDENCE_LAG = timedelta(hours=6)  # an incident opens after confirmations and thresholds


@dataclass(frozen=True, slots=True)
class Window:
    """A range of the journey page: its key (24h, 7d, 30d, trial), label and slices."""

    key: str
    label: str
    slices: Slices


class Beat(NamedTuple):
    """One slice of the heartbeat bar: confirmed availability of the rounds that started in it
    (a named tuple: the status page makes 9 000, and a frozen dataclass cost 1 µs each)."""

    index: int
    start: datetime
    end: datetime
    availability: Availability


@dataclass(frozen=True, slots=True)
class Series:
    """p50/p95 per slice (None: nothing measured in it) of one transaction or the load time."""

    name: str
    points: tuple[Percentiles | None, ...]
    overall: Percentiles
    is_load: bool = False


@dataclass(frozen=True, slots=True)
class CategoryRuns:
    category: str
    failed: int  # runs that failed (the app's fault)
    errors: int  # runs in error (the robot's fault)


@dataclass(frozen=True, slots=True)
class JourneyFigures:
    journey: str
    name: str | None
    window: Window
    availability: Availability
    beats: tuple[Beat, ...]
    transactions: tuple[Series, ...]
    load: Series
    slow_ms: float | None
    incidents: tuple[IncidentView, ...]
    categories: tuple[CategoryRuns, ...]


@dataclass(frozen=True, slots=True)
class RunFilter:
    journey: str | None = None
    device: str | None = None
    status: str | None = None
    category: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunPage:
    runs: tuple[RunView, ...]  # newest first
    next_before: str | None  # the cursor of the next page (None: this is the last one)


@dataclass(frozen=True, slots=True)
class StatusJourney:
    journey: str
    name: str | None
    up: bool | None  # latest run that judged the app: passed|degraded (None: never judged)
    days: tuple[Beat, ...]  # STATUS_DAYS daily slices, oldest first
    availability: Availability  # over those days


@dataclass(frozen=True, slots=True)
class Menus:
    journeys: tuple[str, ...]
    devices: tuple[str, ...]


class Figures(Protocol):
    def window(self, key: str, now: datetime) -> Window: ...

    def journey(self, journey: str, window: Window) -> JourneyFigures | None: ...

    def runs(self, where: RunFilter, limit: int, before: str | None) -> RunPage: ...

    def incident(self, incident_id: int) -> IncidentView | None: ...

    def incidents_of_run(self, run: RunView) -> list[IncidentView]: ...

    def status(self, now: datetime) -> list[StatusJourney]: ...

    def menus(self) -> Menus: ...


RANGES: dict[str, tuple[str, timedelta | None, int]] = {
    # key: (label, span, slices); None: from the first stored run. Slices sit on the UTC grid
    # of their width (30 min, 2 h, 8 h; whole hours for the trial), the last one holding now
    "24h": ("24 h", timedelta(hours=24), 48),
    "7d": ("7 days", timedelta(days=7), 84),
    "30d": ("30 days", timedelta(days=30), 90),
    "trial": ("the trial", None, 90),
}


class StoreFigures:
    """`Figures` over a `Store`; `clock`-free: every window comes from the caller's `now`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # a journey page's figures per window, and each journey's status row, kept while the
        # journey's generation stays the same (storage.generations): all of them come from
        # its runs (a page's incidents, which change without a run, are read each time), and
        # a window's slices stay put for their width (30 min for 24 h, a day for the status)
        self._kept: generations.PerJourney[Any] = generations.PerJourney()

    def window(self, key: str, now: datetime) -> Window:
        label, span, count = RANGES[key]
        if span is not None:
            return Window(key, label, Slices.on_grid(now, span / count, count))
        first = catalog.first_run_at(self.store.db) or now - timedelta(hours=24)
        hours = max(math.ceil((now - floor_hour(min(first, now))) / HOUR), 1)
        width = HOUR * math.ceil(hours / count)  # whole hours: the hour rows, not the runs
        grid = width.total_seconds()
        slices = math.ceil((now.timestamp() // grid * grid - first.timestamp()) / grid) + 1
        return Window(key, label, Slices.on_grid(now, width, max(slices, 1)))

    def journey(self, journey: str, window: Window) -> JourneyFigures | None:
        with self.store.db.read() as session:  # its ~12 reads in one transaction
            found = generations.of_journey(session, journey)  # before what it keys
            if found is None:
                return None
            journey_id, generation = found
            figures = self._kept.read(
                ("journey page", journey, window), {journey_id: generation},
                lambda stale, previous: {journey_id: self._journey(journey, window)},
            )[journey_id]
            sl = window.slices
            incidents = self.store.incidents(journey=journey, active_between=(sl.since,
                                                                              sl.until))
        return replace(figures, incidents=tuple(incident_view(i) for i in reversed(incidents)))

    def _journey(self, journey: str, window: Window) -> JourneyFigures:
        """The page's figures from the journey's runs (its incidents left out)."""
        db, sl = self.store.db, window.slices
        names = reporting.journey_names(db)
        total = kpi.availability(db, journey, since=sl.since, until=sl.until)
        by_slice = {a.index: a for a in series.availability(db, journey, sl)}
        beats = tuple(
            Beat(i, sl.start(i), min(sl.start(i + 1), sl.until), _availability(by_slice.get(i)))
            for i in range(sl.count)
        )
        times = series.timings(db, journey, sl)
        points: dict[str, list[Percentiles | None]] = {}
        for s in times.response_times(("transaction", "slice")):
            name, index = s.key
            points.setdefault(name, [None] * sl.count)[int(index)] = _percentiles(s)
        overall = {s.key[0]: _percentiles(s) for s in times.response_times(("transaction",))}
        loads = {t.transaction for t in times.transactions() if t.is_load}
        transactions = tuple(sorted(
            (Series(name, tuple(p), overall.get(name, Percentiles(0)), name in loads)
             for name, p in points.items()),
            key=lambda s: (not s.is_load, s.name),
        ))
        load_points: list[Percentiles | None] = [None] * sl.count
        for s in times.load_times(("slice",)):
            load_points[int(s.key[0])] = _percentiles(s)
        load_all = times.load_times(())
        categories: dict[str, list[int]] = {}
        for e in kpi.error_breakdown(db, journey, since=sl.since, until=sl.until):
            counts = categories.setdefault(e.category or "uncategorised", [0, 0])
            counts[0 if e.status == "failed" else 1] += e.runs
        return JourneyFigures(
            journey=journey,
            name=names.get(journey),
            window=window,
            availability=view_availability(total[0] if total else None),
            beats=beats,
            transactions=transactions,
            load=Series("load", tuple(load_points),
                        _percentiles(load_all[0]) if load_all else Percentiles(0)),
            slow_ms=series.slow_threshold(db, journey),
            incidents=(),
            categories=tuple(CategoryRuns(c, f, e) for c, (f, e) in
                             sorted(categories.items(), key=lambda kv: -sum(kv[1]))),
        )

    def runs(self, where: RunFilter, limit: int, before: str | None) -> RunPage:
        records = _runs(self.store, where, limit + 1, before)
        newest_first = list(reversed(records))
        more = len(newest_first) > limit
        shown = newest_first[:limit]
        return RunPage(tuple(run_view(r) for r in shown),
                       shown[-1].run_id if more and shown else None)

    def incident(self, incident_id: int) -> IncidentView | None:
        found = incidents.get_incident(self.store.db, incident_id)
        return None if found is None else incident_view(found)

    def incidents_of_run(self, run: RunView) -> list[IncidentView]:
        """Incidents of the run's journey open when it started, or that it is the evidence
        of (opened within EVIDENCE_LAG after it)."""
        at = run.started_at
        found = self.store.incidents(journey=run.journey,
                                     active_between=(at, at + EVIDENCE_LAG))
        return [incident_view(i) for i in reversed(found)
                if i.evidence_run_id == run.run_id or i.opened_at <= at]

    def status(self, now: datetime) -> list[StatusJourney]:
        """Each journey's row is kept while its generation and the days shown stay the same
        (its days, verdict and name all come from its runs): the 90 day bars of 100 journeys
        were 9 000 objects made again on each request."""
        today = datetime(now.year, now.month, now.day, tzinfo=UTC)
        since = today - timedelta(days=STATUS_DAYS - 1)
        sl = Slices.of(since, today + timedelta(days=1), STATUS_DAYS)
        with self.store.db.read() as session:
            generation = generations.current(session)  # before what it keys
            keys = generations.journey_keys(session)
            names = reporting.journey_names(self.store.db)  # in the database's key order
            rows = self._kept.read(("status", sl), generation,
                                   lambda stale, previous: self._status(sl, keys, names, stale))
        ids = {key: j for j, key in keys.items()}
        return [rows[ids[key]] for key in names if ids.get(key) in rows]

    def _status(self, sl: Slices, keys: dict[int, str], names: dict[str, str | None],
                journey_ids: list[int]) -> dict[int, StatusJourney]:
        verdicts = reporting.latest_verdicts(self.store.db)
        days = series.hourly_availability(self.store.db, sl)  # every journey in one query
        starts = [sl.start(i) for i in range(sl.count + 1)]
        empty = _availability(None)
        out = {}
        for j in journey_ids:
            key = keys[j]
            by_day = {a.index: _availability(a) for a in days.get(key, ())}
            verdict = verdicts.get(key)
            out[j] = StatusJourney(
                journey=key, name=names.get(key),
                up=None if verdict is None else verdict in kpi.OK,
                days=tuple(Beat(i, starts[i], starts[i + 1], by_day.get(i, empty))
                           for i in range(sl.count)),
                availability=view_availability(_sum_days(key, days.get(key, ()))),
            )
        return out

    def menus(self) -> Menus:
        return Menus(tuple(reporting.journey_names(self.store.db)),
                     tuple(catalog.device_names(self.store.db)))


def _runs(store: Store, where: RunFilter, limit: int, before: str | None) -> list[RunRecord]:
    with store.db.read() as session:
        return queries.runs(
            session, journey=where.journey, device=where.device, status=where.status,
            category=where.category, since=where.since, until=where.until, limit=limit,
            before=before, with_transactions=False,
        )


def _sum_days(journey: str, days: Sequence[series.AvailabilitySlice]) -> kpi.Availability | None:
    """The window's availability as the sum of the day bars shown (one read of the 90 days'
    hour counters, not two, #13): the runs up to the end of today, which are those up to now."""
    if not days:
        return None
    return kpi.Availability(
        journey, sum(d.first_ok for d in days), sum(d.first_total for d in days),
        sum(d.errors for d in days), sum(d.rounds_ok for d in days),
        sum(d.rounds_total for d in days), 0)


def _availability(a: series.AvailabilitySlice | None) -> Availability:
    if a is None:
        return Availability(None, None, 0)
    return Availability(a.first_attempt, a.confirmed, a.first_total,
                        a.first_total - a.first_ok, a.rounds_total - a.rounds_ok, a.errors)


def _percentiles(s: kpi.Stats) -> Percentiles:
    return Percentiles(s.count, s.p50, s.p95, s.p99)
