"""Totals kept at write time (storage.rollups) equal a recount of the raw runs, on both backends:
as runs are recorded, aborted and completed, after a prune, after `ronde db rebuild` (twice)
and after migration 0004 backfills them on an existing database."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

from journeys.results import RunResult
from ronde.cli import main
from storage import Store, hourly, kpi, reporting, runs, series, timings
from storage.migrate import downgrade, head_revision, upgrade
from storage.models import AvailabilityHourRow, ResponseTotalsRow, RunTotalsRow
from storage.serialize import JourneyInfo
from storage.totals import RESPONSE_BOUNDS_MS
from tests.storage.builders import result, tx

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def fill(store: Store) -> None:
    """Every way a run reaches the totals: recorded, confirmed, in error without a device,
    aborted, aborted then completed; responses on a bound, between bounds, above the last."""
    at = NOW - timedelta(hours=3)
    store.record_run(result("shop-login", at=at, transactions=(
        tx("Launch", 25.0, load=True), tx("Login", 120.0), tx("Search", 70_000.0))))
    first = result("shop-login", "failed", at=at + timedelta(minutes=5), category="backend",
                   transactions=(tx("Launch", 900.0, load=True),
                                 tx("Login", None, "failed", category="backend")))
    store.record_run(first)
    store.record_run(result("shop-login", device="sim-2", at=at + timedelta(minutes=6),
                            attempt=2, confirms=first.run_id,
                            transactions=(tx("Launch", 1_000.0, load=True), tx("Login", 130.0))))
    store.record_run(result("shop-login", "error", device="", at=at + timedelta(minutes=10),
                            category="no_device"))
    store.record_run(result("shop-search", device="sim-2", at=at, transactions=(
        tx("Search", 310.5), tx("Search", 310.5))))
    for k, run_id in enumerate(("late", "lost")):
        store.start_run(run_id, "shop-search", "sim-1", at + timedelta(minutes=20 + k), host="r")
    store.close_aborted_runs()  # both count as error/aborted
    store.record_run(result("shop-search", run_id="late", at=at + timedelta(minutes=20),
                            transactions=(tx("Search", 450.0),)))  # error -> passed
    store.start_run("open", "shop-search", "sim-1", at + timedelta(minutes=30), host="r")
    store.record_run(result("shop-login", at=NOW - timedelta(days=100), run_id="old",
                            transactions=(tx("Launch", 800.0, load=True), tx("Login", 99.0))))


def recount(store: Store) -> tuple[Counter[tuple[str, str, str]], dict[tuple[str, str], Any]]:
    """The figures straight from the stored runs (no totals table involved)."""
    runs: Counter[tuple[str, str, str]] = Counter()
    responses: dict[tuple[str, str], list[float]] = {}
    for r in store.runs():
        runs[(r.journey, r.device or "", r.status or "")] += 1
        for t in r.transactions:
            if t.response_ms is not None:
                responses.setdefault((r.journey, t.name), []).append(t.response_ms)
    histograms = {
        key: (tuple(sum(v <= b for v in values) for b in RESPONSE_BOUNDS_MS), len(values),
              sum(values))
        for key, values in responses.items()
    }
    return runs, histograms


def figures(store: Store) -> tuple[Counter[tuple[str, str, str]], dict[tuple[str, str], Any]]:
    runs = Counter({(c.journey, c.device, c.status): c.count
                    for c in reporting.run_counts(store.db)})
    histograms = {(h.journey, h.transaction): (h.buckets, h.count, pytest.approx(h.sum_ms))
                  for h in reporting.response_buckets(store.db, RESPONSE_BOUNDS_MS)}
    return runs, histograms


def rows(store: Store) -> list[tuple[Any, ...]]:
    with store.db.read() as session:
        return [
            *sorted(session.execute(select(RunTotalsRow.journey, RunTotalsRow.device,
                                           RunTotalsRow.status, RunTotalsRow.runs)).all()),
            *sorted(session.execute(select(
                ResponseTotalsRow.journey, ResponseTotalsRow.transaction,
                ResponseTotalsRow.bucket, ResponseTotalsRow.count,
                ResponseTotalsRow.sum_ms)).all()),
        ]


def test_totals_kept_at_write_time_equal_a_recount_of_the_runs(store: Store) -> None:
    fill(store)
    runs, histograms = recount(store)
    assert runs[("shop-search", "sim-1", "passed")] == 1  # the completed aborted run
    assert runs[("shop-search", "sim-1", "error")] == 1  # the one that never came back
    assert runs[("shop-login", "", "error")] == 1
    assert histograms[("shop-login", "Launch")][0][0] == 1  # 25.0 ms is <= the 25 ms bound
    assert histograms[("shop-login", "Search")][0][-1] == 0  # 70 s is above the last bound
    assert figures(store) == (runs, histograms)

    store.clock = lambda: NOW
    assert store.prune(timedelta(days=90), None).runs == 1
    assert figures(store) == (runs, histograms)  # counters never go down
    assert recount(store) != (runs, histograms)  # ... though the old run is gone


def test_rebuild_recounts_the_same_totals_however_often_it_runs(
    store: Store, store_url: str
) -> None:
    fill(store)
    store.clock = lambda: NOW
    store.prune(timedelta(days=90), None)
    kept, kept_rows = figures(store), rows(store)
    with store.db.transaction() as session:  # a drifted table: rebuild must not trust it
        session.execute(RunTotalsRow.__table__.update().values(runs=RunTotalsRow.runs + 7))
    # (readers keep each journey's counts under its generation: a hand edit of a derived
    # row moves none, so it shows in the table; the rebuild moves every journey)
    assert rows(store) != kept_rows
    assert store.rebuild_totals()[:2] == (8, 11)  # 7 stored + 1 pruned finished runs; 9 + 2
    assert figures(store) == kept
    once = rows(store)
    out = CliRunner().invoke(main, ["db", "rebuild", "--url", store_url])
    assert out.exit_code == 0, out.output
    assert "rebuilt the totals: 8 runs, 11 measured responses, " in out.output
    assert rows(store) == once
    assert figures(store) == kept


def test_migration_backfills_the_totals_on_an_existing_database(store: Store) -> None:
    fill(store)
    store.clock = lambda: NOW
    store.prune(timedelta(days=90), None)
    rounds_over_hours(store)
    kept = figures(store), rows_of_hours(store), kpi.availability(store)
    assert downgrade(store.db.engine, "0003") == "0003"  # a database from before the totals
    assert upgrade(store.db.engine) == head_revision()
    assert (figures(store), rows_of_hours(store), kpi.availability(store)) == kept
    assert len(kept[1]) > 10


def rounds_over_hours(store: Store, seed: int = 7,
                      record: Callable[[RunResult], object] | None = None,
                      start: datetime = datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
                      aborted: str = "aborted", rounds: int = 72) -> datetime:
    """Six hours of rounds (`rounds` every five minutes) from `start`: flakes, confirmed
    failures, error-only rounds, confirmations stored before their first attempt (spool
    replays), an aborted run (id `aborted`) completed later; each result goes to `record`
    (default: the store's)."""
    record = record or store.record_run
    rng = random.Random(seed)
    late: list[Any] = []
    for k in range(rounds):
        at = start + timedelta(minutes=5 * k, seconds=rng.randrange(240))
        journey = rng.choice(("shop-login", "shop-search"))
        first = result(journey, rng.choice(("passed", "passed", "failed", "degraded", "error")),
                       at=at, device=rng.choice(("sim-1", "sim-2")), load_ms=rng.uniform(300, 900),
                       transactions=(tx("Launch", rng.uniform(300, 900), load=True),
                                     tx("Login", round(rng.lognormvariate(6, 1), 1))))
        confirmation = result(journey, rng.choice(("passed", "failed", "error")),
                              at=at + timedelta(seconds=50), attempt=2, confirms=first.run_id,
                              transactions=(tx("Login", rng.uniform(100, 5000)),))
        pair = [first, confirmation] if first.status != "passed" else [first]
        if k % 9 == 4 and len(pair) == 2:
            late.extend(reversed(pair))  # the confirmation arrives first
            continue
        for r in pair:
            record(r)
    for r in late:
        record(r)
    store.start_run(aborted, "shop-login", "sim-1", start + timedelta(hours=2, minutes=2))
    store.close_aborted_runs()
    return start


def test_a_bulk_load_refreshing_each_hour_once_keeps_the_rows_a_rebuild_finds(
    store: Store,
) -> None:
    """Many runs in one transaction (benchmarks' trial loads) refresh each touched hour once
    at the end: the same derived rows as recounting every run."""
    pending: list[RunResult] = []
    rounds_over_hours(store, record=pending.append)
    hours, timing_hours = bulk_load(store, pending)
    assert hours > 6 and timing_hours > 6
    bulk = rows_of_hours(store), read_figures(store)
    assert len(bulk[0]) > 60
    store.rebuild_totals()
    assert (rows_of_hours(store), read_figures(store)) == bulk


def test_hourly_availability_equals_the_raw_runs(store: Store) -> None:
    start = rounds_over_hours(store)
    store.clock = lambda: start + timedelta(hours=2, minutes=30)
    windows = [(None, None),
               (start + timedelta(minutes=17), start + timedelta(hours=5, minutes=3)),
               (start + timedelta(hours=1), start + timedelta(hours=4)),
               (start + timedelta(minutes=10), start + timedelta(minutes=50)),
               # edges longer than half an hour read as their hour less the rest of it
               (start + timedelta(minutes=29), start + timedelta(hours=3, minutes=31)),
               (start + timedelta(minutes=30), start + timedelta(hours=2, minutes=30)),
               (start + timedelta(minutes=31, seconds=7), start + timedelta(hours=1, minutes=44)),
               # after every run, mid-hour: its hour is read from the counters
               (start + timedelta(minutes=17), start + timedelta(hours=5, minutes=59,
                                                                 seconds=55))]

    def same() -> None:
        for since, until in windows:
            for journey in (None, "shop-login"):
                assert kpi.availability(store, journey, since, until) == \
                    kpi._raw_availability(store, journey, since, until, None)
                assert kpi.flake_rate(store, journey, since, until) == \
                    kpi._raw_flake_rate(store, journey, since, until, None)

    same()
    assert sum(a.rounds_total for a in kpi.availability(store)) > 50
    assert sum(f.flaky for f in kpi.flake_rate(store)) > 0
    slices = series.Slices.of(start, start + timedelta(hours=6), 3)
    for s in series.availability(store.db, "shop-login", slices):  # whole hours: the counters
        raw = kpi._raw_availability(store, "shop-login", slices.start(s.index),
                                    slices.start(s.index + 1), None)[0]
        assert (s.first_ok, s.first_total, s.rounds_ok, s.rounds_total) == (
            raw.first_ok, raw.first_total, raw.rounds_ok, raw.rounds_total)

    store.record_run(result("shop-login", "passed", run_id="aborted",
                            at=start + timedelta(hours=2, minutes=2)))  # error -> passed
    same()
    store.prune(timedelta(0), None)  # cuts the hour 11:00-12:00 in two
    same()
    kept = rows_of_hours(store)
    store.rebuild_totals()
    assert rows_of_hours(store) == kept
    store.rebuild_totals()
    assert rows_of_hours(store) == kept


def rows_of_hours(store: Store) -> list[tuple[Any, ...]]:
    """Availability rows, then timing rows, without their ids."""
    with store.db.read() as session:
        table = AvailabilityHourRow.__table__
        return [*sorted((tuple(r)[1:] for r in session.execute(select(table))),
                        key=lambda r: tuple("" if v is None else str(v) for v in r)),
                *timings.stored_rows(session)]


def read_figures(store: Store) -> tuple[Any, ...]:
    """Every figure read from the hourly tables, over windows with and without ragged edges."""
    start = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    out: list[Any] = []
    for since, until in ((None, None), (start + timedelta(minutes=17), start + timedelta(hours=5))):
        out += [kpi.availability(store, since=since, until=until),
                kpi.availability(store, since=since, until=until, device="sim-2"),
                kpi.flake_rate(store, since=since, until=until),
                kpi.transactions(store, since=since, until=until),
                kpi.response_times(store, ("journey", "device", "hour"), since=since, until=until),
                kpi.load_times(store, ("journey", "device"), since=since, until=until)]
    return tuple(out)


def test_migration_0005_backfills_the_hourly_tables(store: Store) -> None:
    """A database at the previous head (0004, no timing rows, availability without devices)
    upgraded to 0005 gets the rows writing would have kept, so the same figures."""
    fill(store)
    rounds_over_hours(store)
    kept = rows_of_hours(store), read_figures(store)
    assert len(kept[0]) > 60 and any(t.times for t in kept[1][3])
    assert downgrade(store.db.engine, "0004") == "0004"
    with store.db.engine.connect() as conn:
        assert "timing_hours" not in inspect(conn).get_table_names()
    assert upgrade(store.db.engine) == head_revision()
    assert (rows_of_hours(store), read_figures(store)) == kept


def test_per_device_availability_from_the_hours_equals_the_raw_runs(store: Store) -> None:
    start = rounds_over_hours(store)
    for since, until in ((None, None), (start + timedelta(minutes=17),
                                        start + timedelta(hours=5, minutes=3))):
        for device in ("sim-1", "sim-2", "nowhere"):
            assert kpi.availability(store, None, since, until, device) == \
                kpi._raw_availability(store, None, since, until, device)
            assert kpi.flake_rate(store, None, since, until, device) == \
                kpi._raw_flake_rate(store, None, since, until, device)
    assert sum(a.rounds_total for a in kpi.availability(store, device="sim-1")) > 10


def test_transactions_merged_in_sql_equal_the_per_device_merge(store: Store) -> None:
    """The overview's and /metrics' per-transaction figures add the stored rows up in SQL
    (timings.transaction_cells, #13): the same figures as merging every device's hour and day
    rows in Python, the mean within float rounding of the sums' grouping."""
    start = rounds_over_hours(store)
    for since, until in ((None, None), (start + timedelta(minutes=17), start + timedelta(hours=5)),
                         (start + timedelta(hours=1), start + timedelta(hours=4)),
                         (start - timedelta(days=2), start + timedelta(days=1, minutes=7))):
        for journey in (None, "shop-login"):
            fast = kpi.transactions(store, journey, since, until)
            slow = kpi.window_timings(store, journey, since, until).transactions()
            assert [t.transaction for t in fast] == [t.transaction for t in slow]
            assert any(t.times for t in fast)
            for f, s in zip(fast, slow, strict=True):
                assert (f.journey, f.ok, f.total, f.is_load) == (s.journey, s.ok, s.total,
                                                                 s.is_load)
                if s.times is None:
                    assert f.times is None
                    continue
                assert f.times is not None
                assert (f.times.count, f.times.min, f.times.max, f.times.p50, f.times.p95,
                        f.times.p99) == (s.times.count, s.times.min, s.times.max, s.times.p50,
                                         s.times.p95, s.times.p99)
                assert f.times.mean == pytest.approx(s.times.mean, rel=1e-12)


DAY0 = datetime(2026, 5, 1, tzinfo=UTC)
H = timedelta(hours=1)
# Windows over rounds_over_days: whole days only, days with hours around them, ragged edges,
# hours inside one day, unbounded ends.
DAY_WINDOWS = ((None, None), (DAY0, DAY0 + 72 * H), (DAY0 + 22 * H, DAY0 + 58 * H),
               (DAY0 + timedelta(hours=21, minutes=17), DAY0 + timedelta(hours=61, minutes=3)),
               (DAY0 + 24 * H, DAY0 + 26 * H), (None, DAY0 + timedelta(hours=25, minutes=30)),
               (DAY0 + timedelta(hours=26, minutes=20), None))


def rounds_over_days(store: Store, record: Callable[[RunResult], object] | None = None) -> None:
    """Rounds on three UTC days: four hours across the midnight of May 2, two more on May 3
    from 09:00, and shop-cart's one round on May 2 at 02:40 (a day row, no run at 01:xx)."""
    rounds_over_hours(store, record=record, start=DAY0 + 22 * H, rounds=48)
    rounds_over_hours(store, seed=8, record=record, start=DAY0 + 57 * H, aborted="aborted-8",
                      rounds=24)
    (record or store.record_run)(result("shop-cart", device="sim-3",
                                        at=DAY0 + timedelta(hours=26, minutes=40)))


def figures_over_days(store: Store, raw: bool = False,
                      windows: tuple[tuple[Any, Any], ...] = DAY_WINDOWS) -> list[Any]:
    """Availability and flakes over `windows` (every journey, one journey on one device), then
    each journey's day bars: from the stored rows, or (`raw`) straight from the runs."""
    availability = kpi._raw_availability if raw else kpi.availability
    flakes = kpi._raw_flake_rate if raw else kpi.flake_rate
    out: list[Any] = []
    for since, until in windows:
        for journey, device in ((None, None), ("shop-login", "sim-2")):
            out += [availability(store, journey, since, until, device),
                    flakes(store, journey, since, until, device)]
    slices = series.Slices.of(DAY0, DAY0 + 72 * H, 3)
    if not raw:
        return [*out, series.hourly_availability(store.db, slices)]
    days: dict[str, list[series.AvailabilitySlice]] = {}
    for i in range(slices.count):
        for a in kpi._raw_availability(store, None, slices.start(i), slices.start(i + 1), None):
            days.setdefault(a.journey, []).append(series.AvailabilitySlice(
                i, a.first_ok, a.first_total, a.first_errors, a.rounds_ok, a.rounds_total))
    return [*out, days]


def day_rows(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The stored availability day rows, and the sums of the hour rows per journey, UTC day
    and device: what they should be."""
    t = AvailabilityHourRow
    with store.db.read() as session:
        stored = session.execute(select(t.journey_id, t.hour, t.span, t.device_id,
                                        *(getattr(t, c) for c in hourly.COLUMNS))).all()
    sums: dict[tuple[Any, ...], list[int]] = {}
    for j, at, span, device, *counts in stored:
        if span == 1:
            found = sums.setdefault((j, hourly.floor_day(at), device), [0] * len(counts))
            found[:] = [a + b for a, b in zip(found, counts, strict=True)]
    days = [(j, at, device, *counts) for j, at, span, device, *counts in stored if span == 24]
    assert {span for _, _, span, *_ in stored} <= {1, 24}
    return sorted(days, key=str), sorted(((*key, *c) for key, c in sums.items()), key=str)


def test_availability_day_rows_add_up_their_hours_and_windows_read_them_right(
    store: Store,
) -> None:
    bulk_over_days(store)
    days, recount = day_rows(store)
    assert days == recount
    in_may = {(j, at) for j, at, *_ in days if at < DAY0 + 72 * H}
    assert len(in_may) == 7  # two journeys on three days, shop-cart on one
    assert figures_over_days(store) == figures_over_days(store, raw=True)
    assert sum(a.rounds_total for a in kpi.availability(store, since=DAY0,
                                                         until=DAY0 + 72 * H)) > 50
    # one run at a time: an aborted run completed (error -> passed), a new round on May 3
    store.record_run(result("shop-login", "passed", run_id="aborted",
                            at=DAY0 + timedelta(hours=24, minutes=2)))
    store.record_run(result("shop-cart", "failed", device="sim-3", at=DAY0 + 50 * H))
    assert figures_over_days(store) == figures_over_days(store, raw=True)
    assert day_rows(store)[0] == day_rows(store)[1]
    kept = rows_of_hours(store)
    assert store.rebuild_totals()[2] == len(kept) - len(timings_rows(store))
    assert rows_of_hours(store) == kept


def timings_rows(store: Store) -> list[tuple[Any, ...]]:
    with store.db.read() as session:
        return timings.stored_rows(session)


def bulk_over_days(store: Store) -> None:
    """rounds_over_days loaded in one transaction (each touched hour refreshed once, as a
    trial load does): quicker to fill, the rows writing keeps all the same."""
    pending: list[RunResult] = []
    rounds_over_days(store, record=pending.append)
    bulk_load(store, pending)


def bulk_load(store: Store, results: list[RunResult]) -> tuple[int, int]:
    """Record `results` in one transaction, each touched hour refreshed once at the end;
    returns how many (journey, hour) availability and timing rows were touched."""
    touched = runs.TouchedHours()
    with store.db.transaction() as session:
        for r in results:
            runs.record_run(session, r, JourneyInfo(key=r.journey), NOW, touched)
        counts = len(touched.availability), len(touched.timings)
        touched.refresh(session)
    return counts


def test_a_prune_cutting_a_day_in_two_keeps_the_day_rows_right(store: Store) -> None:
    bulk_over_days(store)
    bulk = rows_of_hours(store)
    store.rebuild_totals()
    assert rows_of_hours(store) == bulk
    # in an hour with rounds, before shop-cart's only one (its day row alone is recounted);
    # then past May 2's last round (every row of May 2 goes)
    for cutoff in (DAY0 + timedelta(hours=25, minutes=30), DAY0 + timedelta(hours=29, minutes=30)):
        store.clock = lambda cutoff=cutoff: cutoff
        assert store.prune(timedelta(0), None).runs > 0
        days, recount = day_rows(store)
        assert days == recount
        windows = DAY_WINDOWS[:3]  # everything; whole days; days and hours
        assert figures_over_days(store, windows=windows) == \
            figures_over_days(store, raw=True, windows=windows)
        kept = rows_of_hours(store)
        store.rebuild_totals()
        assert rows_of_hours(store) == kept
    assert {at for _, at, *_ in days if at < DAY0 + 72 * H} == {DAY0 + 48 * H}  # May 3's only


def test_migration_0007_backfills_the_availability_day_rows(store: Store) -> None:
    """A database at 0006 (availability without day rows) upgraded to 0007 gets the day rows
    writing would have kept, so the same rows and figures."""
    fill(store)
    bulk_over_days(store)
    kept = rows_of_hours(store), figures_over_days(store)
    assert downgrade(store.db.engine, "0006") == "0006"
    with store.db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("availability_hours")}
        assert "span" not in columns and "first_ok" in columns
        hours = conn.execute(select(func.count()).select_from(AvailabilityHourRow)).scalar()
    assert 0 < hours < len(kept[0]) - len(timings_rows(store))  # the day rows went
    assert upgrade(store.db.engine) == head_revision()
    assert (rows_of_hours(store), figures_over_days(store)) == kept


@pytest.mark.postgres
@pytest.mark.parametrize("refresh", [hourly.refresh, timings.refresh], ids=["hourly", "timings"])
def test_refreshes_of_one_day_wait_for_each_other_without_deadlock(
    postgres_url: str, tmp_path: Path, refresh: Callable[[Any, int, datetime], None],
) -> None:
    """On PostgreSQL, a bulk load refreshing 10:00 then 11:00 and a robot refreshing 11:00
    alone, the robot starting between the load's two hours: it waits for the load's commit,
    neither deadlocks (an hour lock then a day lock would: the robot holding 11:00, waiting for
    the day the load holds), and the rows are a recount."""
    store = Store.open(postgres_url, spool_path=tmp_path / "s.jsonl", environ={})
    try:
        for minute in (5, 65):
            store.record_run(result("shop-login", at=DAY0 + timedelta(hours=10, minutes=minute),
                                    transactions=(tx("Login", 100.0 + minute),)))
        with store.db.engine.connect() as conn:
            journey_id = conn.execute(text(
                "SELECT id FROM journeys WHERE key = 'shop-login'")).scalar_one()
        failures: list[BaseException] = []

        def robot() -> None:
            try:
                with store.db.transaction() as session:
                    refresh(session, journey_id, DAY0 + 11 * H)
            except BaseException as e:  # reported by the assert below
                failures.append(e)

        with store.db.transaction() as load:
            refresh(load, journey_id, DAY0 + 10 * H)
            waiting = threading.Thread(target=robot)
            waiting.start()
            deadline = time.monotonic() + 15
            with store.db.engine.connect() as conn:
                while not conn.execute(text("SELECT count(*) FROM pg_locks WHERE "
                                            "locktype = 'advisory' AND NOT granted")).scalar():
                    assert time.monotonic() < deadline and waiting.is_alive(), failures
                    time.sleep(0.05)
                    conn.rollback()
            refresh(load, journey_id, DAY0 + 11 * H)
        waiting.join(timeout=30)
        assert failures == [] and not waiting.is_alive()
        kept = rows_of_hours(store)
        store.rebuild_totals()
        assert rows_of_hours(store) == kept and len(kept) == 6  # two hours and their day, twice
    finally:
        store.close()


def test_counts_add_every_counter() -> None:
    total = hourly.Counts()
    total.add(hourly.Counts(*range(1, len(hourly.COLUMNS) + 1)))
    total.add(hourly.Counts(*range(1, len(hourly.COLUMNS) + 1)))
    assert [getattr(total, c) for c in hourly.COLUMNS] == [
        2 * k for k in range(1, len(hourly.COLUMNS) + 1)]
