"""`StoreSource`: the `ReadSource` over a `storage.Store`, using only storage's public functions
(`storage.kpi`, `storage.heartbeats`, `storage.reporting`, and the store's own methods)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ronde.report.facts import (
    Availability,
    CategoryCount,
    DayAvailability,
    IncidentView,
    JourneyOverview,
    ResponseHistogram,
    RobotView,
    RunCount,
    RunMark,
    RunView,
    TransactionStats,
    Trial,
)
from ronde.report.mapping import (
    incident_view,
    mark,
    percentiles,
    run_view,
    sum_availability,
    view_availability,
)
from storage import heartbeats, kpi, reporting, sliding
from storage.hourly import hours_back
from storage.records import RunBrief
from storage.store import Store

HISTORY = 24  # runs in a journey's status strip on the overview
DAY, WEEK = timedelta(days=1), timedelta(days=7)  # the overview's windows (storage.hourly)
ROBOT_ALIVE = timedelta(minutes=10)  # a robot that beat within this is shown as running
ROWS_KEPT = 20_000  # transaction rows kept (cleared when full: a long run of new names)


class StoreSource:
    """Every figure the read side shows, read through storage's public functions."""

    def __init__(self, store: Store, *, owns_store: bool = True) -> None:
        self.store = store
        self._owns_store = owns_store
        self._marks: dict[str, tuple[Sequence[RunBrief], tuple[RunMark, ...]]] = {}
        self._transaction_rows: dict[tuple[str, str], tuple[kpi.TransactionFigures,
                                                            TransactionStats]] = {}

    @classmethod
    def open(cls, url: str) -> StoreSource:
        """Open the store for reading. The spool path is a private, never-written file: the
        read side must not replay the robot's spool (that is the robot's job)."""
        private = Path(tempfile.gettempdir()) / f"ronde-read-{os.getpid()}-{id(url)}.spool.jsonl"
        return cls(Store.open(url, spool_path=private))

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.store.db.read():
            yield

    # ---- dashboard ----------------------------------------------------------------------

    def overview(self, now: datetime, *, history: bool = True) -> list[JourneyOverview]:
        day = {a.journey: a for a in kpi.availability(self.store, since=hours_back(now, DAY),
                                                       until=now)}
        week = {a.journey: a for a in kpi.availability(self.store, since=hours_back(now, WEEK),
                                                        until=now)}
        # each journey's latest finished run ends its strip (one statement for both)
        limit = HISTORY if history else 1
        strips = self.store.recent_runs_per_journey(limit)
        verdicts = reporting.latest_verdicts(self.store.db, strips, limit)
        names = reporting.journey_names(self.store.db)
        open_counts: dict[str, int] = {}
        for i in self.store.open_incidents(kind="app"):
            if i.journey:
                open_counts[i.journey] = open_counts.get(i.journey, 0) + 1
        out = []
        for key in sorted(names):
            strip = strips.get(key, ())
            last = strip[-1] if strip else None
            verdict = verdicts.get(key)
            out.append(
                JourneyOverview(
                    journey=key,
                    name=names[key],
                    last_status=last.status if last else None,
                    last_category=last.category if last else None,
                    last_run_at=last.started_at if last else None,
                    last_device=last.device if last else None,
                    availability_24h=view_availability(day.get(key)),
                    availability_7d=view_availability(week.get(key)),
                    open_incidents=open_counts.get(key, 0),
                    up=None if verdict is None else verdict in kpi.OK,
                    history=self._history(key, strip) if history else (),
                )
            )
        return out

    def _history(self, journey: str, strip: Sequence[RunBrief]) -> tuple[RunMark, ...]:
        """The strip's marks, made again only for a strip the store read again: it hands
        back the same list while the journey's runs stay the same (storage.generations),
        and this holds that list, so its identity is not reused meanwhile."""
        found = self._marks.get(journey)
        if found is not None and found[0] is strip:
            return found[1]
        marks = tuple(mark(r) for r in strip)
        self._marks[journey] = (strip, marks)
        return marks

    def transaction_stats(self, since: datetime, until: datetime) -> list[TransactionStats]:
        return sorted((self._stats(t) for t in kpi.transactions(self.store, since=since,
                                                                 until=until)), key=_in_order)

    def _stats(self, figures: kpi.TransactionFigures) -> TransactionStats:
        """A transaction's row, made again only for figures storage made again: it hands back
        the same object while the journey's runs stay the same (storage.generations), and
        this holds it, so its identity is not reused meanwhile."""
        key = (figures.journey, figures.transaction)
        found = self._transaction_rows.get(key)
        if found is not None and found[0] is figures:
            return found[1]
        row = _transaction_row(figures)
        if len(self._transaction_rows) >= ROWS_KEPT:
            self._transaction_rows.clear()
        self._transaction_rows[key] = (figures, row)
        return row

    def recent_runs(self, limit: int, journey: str | None = None) -> list[RunView]:
        records = self.store.runs(journey, limit=limit, with_transactions=False)
        return [run_view(r) for r in reversed(records)]

    def run(self, run_id: str) -> RunView | None:
        detail = self.store.get_run(run_id)
        if detail is None:
            return None
        round_ = tuple(
            RunMark(a.run_id, a.status or "running", a.started_at, a.attempt, a.device)
            for a in reporting.round_of_run(self.store.db, run_id)
        )
        return run_view(detail.run, detail, round_)

    def artifact_recorded(self, path: str) -> bool:
        return reporting.artifact_recorded(self.store.db, path)

    def incidents(self, *, open_only: bool, since: datetime | None = None) -> list[IncidentView]:
        states = ("firing", "acknowledged") if open_only else None
        records = self.store.incidents(states=states, since=since)
        return [incident_view(i) for i in reversed(records)]  # newest first

    def robots(self, now: datetime) -> list[RobotView]:
        """Robot processes that beat within ROBOT_ALIVE of `now`, most recent first."""
        beats = heartbeats.heartbeats(self.store.db, alive_since=now - ROBOT_ALIVE)
        return sorted(
            (RobotView(b.host, b.pid, b.version, b.started_at, b.last_beat_at,
                       b.robot_name or b.host, b.location, b.devices, b.running)
             for b in beats),
            key=lambda r: r.last_beat_at,
            reverse=True,
        )

    # ---- metrics ------------------------------------------------------------------------

    def availability(self, since: datetime, until: datetime) -> dict[str, Availability]:
        """The alert window: a window ending now, which storage.sliding keeps per journey
        while its runs in it stay the same."""
        return {
            a.journey: view_availability(a)
            for a in sliding.availability(self.store, until - since, until)
        }

    def alert_windows(self) -> dict[str, timedelta]:
        return reporting.alert_windows(self.store.db)

    def run_counts(self) -> list[RunCount]:
        return [
            RunCount(c.journey, c.device, c.status, c.count)
            for c in reporting.run_counts(self.store.db)
        ]

    def response_marks(self) -> dict[tuple[str, str], tuple[Any, ...]]:
        return reporting.response_marks(self.store.db)

    def response_histograms(self, bounds_ms: Sequence[float],
                            series: Collection[tuple[str, str]] | None = None
                            ) -> list[ResponseHistogram]:
        return [
            ResponseHistogram(b.journey, b.transaction, b.buckets, b.count, b.sum_ms)
            for b in reporting.response_buckets(self.store.db, bounds_ms, series)
        ]

    # ---- the trial report ----------------------------------------------------------------

    def trial(self, since: datetime, until: datetime) -> Trial:
        per_journey_kpi = kpi.availability(self.store, since=since, until=until)
        journeys = tuple(a.journey for a in per_journey_kpi)
        per_day: list[DayAvailability] = []
        day = datetime.combine(since.date(), time(), tzinfo=UTC)
        while day < until:
            start, end = max(day, since), min(day + timedelta(days=1), until)
            for a in kpi.availability(self.store, since=start, until=end):
                per_day.append(DayAvailability(day.date(), a.journey, view_availability(a)))
            day += timedelta(days=1)
        failed: dict[str, int] = {}
        for e in kpi.error_breakdown(self.store, since=since, until=until):
            if e.status == "failed":
                name = e.category or "uncategorised"
                failed[name] = failed.get(name, 0) + e.runs
        flakes = kpi.flake_rate(self.store, since=since, until=until)
        failed_first = sum(f.failed_first for f in flakes)
        incidents = [
            i for i in self.incidents(open_only=False, since=since) if i.opened_at < until
        ]
        incidents.sort(key=lambda i: i.opened_at)
        names = reporting.journey_names(self.store.db)
        devices = tuple(reporting.devices_seen(self.store.db, since, until))
        per_device = {
            d: view_availability(
                sum_availability(kpi.availability(self.store, since=since, until=until,
                                                   device=d))
            )
            for d in devices
        }
        times = kpi.window_timings(self.store, since=since, until=until)
        hourly: dict[str, list[float | None]] = {j: [None] * 24 for j in journeys}
        for s in kpi.response_times(self.store, ("journey", "hour"), since=since, until=until):
            if s.key[0] in hourly:
                hourly[s.key[0]][int(s.key[1])] = s.p95
        span = reporting.run_span(self.store.db, since, until)
        return Trial(
            since=since,
            until=until,
            first_run_at=span[0] if span else None,
            last_run_at=span[1] if span else None,
            journeys=journeys,
            devices=devices,
            overall=view_availability(sum_availability(per_journey_kpi)),
            per_journey={a.journey: view_availability(a) for a in per_journey_kpi},
            per_day=tuple(per_day),
            transactions=tuple(_transaction_stats(times.transactions())),
            load_times={s.key[0]: percentiles(s) for s in times.load_times(("journey",))},
            errors=tuple(
                CategoryCount(c, n) for c, n in sorted(failed.items(), key=lambda kv: -kv[1])
            ),
            incidents=tuple(incidents),
            flake_rate=(sum(f.flaky for f in flakes) / failed_first) if failed_first else None,
            journey_names={k: v for k, v in names.items() if v},
            per_device=per_device,
            hourly_p95={j: tuple(v) for j, v in hourly.items()},
        )


def _transaction_stats(figures: list[kpi.TransactionFigures]) -> list[TransactionStats]:
    return sorted(map(_transaction_row, figures), key=_in_order)


def _transaction_row(t: kpi.TransactionFigures) -> TransactionStats:
    return TransactionStats(journey=t.journey, name=t.transaction, times=percentiles(t.times),
                            success_rate=t.rate, attempts=t.total, is_load=t.is_load)


def _in_order(t: TransactionStats) -> tuple[str, bool, str]:
    """The load transaction first, then by name: the order a journey runs in is unknown
    here."""
    return t.journey, not t.is_load, t.name
