"""The decoded hours and day bars a long-lived reader keeps (storage.cellcache) never show a
stale figure: a late result written into a cached hour, a prune and a rebuild are all seen by
the next read, which equals a fresh reader's, on both backends; entries expire and are
bounded."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage import Store, cellcache, kpi, series, timings
from storage.histograms import Histogram, middle
from storage.models import JourneyRow
from tests.storage.builders import result, tx
from tests.storage.test_storage_rollups import DAY0, DAY_WINDOWS, H, rounds_over_days


def read(store: Store) -> list[Any]:
    """What the pages read over the windows: per-transaction lines, per device, load times,
    and a journey's slices (a cut)."""
    out: list[Any] = []
    for since, until in DAY_WINDOWS:
        out += [kpi.transactions(store, None, since, until),
                kpi.response_times(store, ("journey", "transaction", "device"), None, since,
                                   until),
                kpi.load_times(store, ("journey", "device"), "shop-login", since, until)]
    for slices in (series.Slices.of(DAY0, DAY0 + 72 * H, 12),  # on the hours
                   series.Slices.of(DAY0 + timedelta(hours=21, minutes=17),  # cutting hours
                                    DAY0 + timedelta(hours=61, minutes=3), 7)):
        timing = series.timings(store.db, "shop-login", slices)
        out += [timing.response_times(("transaction", "slice")), timing.load_times(("slice",))]
    days = series.Slices.of(DAY0, DAY0 + 72 * H, 3)  # the status page's day bars
    return [*out, series.hourly_availability(store.db, days),
            series.hourly_availability(store.db, days, "shop-login")]


def fresh(store_url: str, tmp_path: Any) -> list[Any]:
    """The same figures from a new Store: nothing cached."""
    other = Store.open(store_url, spool_path=tmp_path / "fresh.jsonl", environ={})
    try:
        return read(other)
    finally:
        other.close()


def test_cached_hours_see_late_results_prunes_and_rebuilds(store: Store, store_url: str,
                                                           tmp_path: Any) -> None:
    rounds_over_days(store)
    cache = cellcache.cache_of(store.db)
    first = read(store)
    assert first == fresh(store_url, tmp_path)
    assert cache.misses > 0
    misses, hits = cache.misses, cache.hits
    assert read(store) == first
    assert cache.misses == misses and cache.hits > hits  # served from the cache

    # a result from the spool, long after its hour went cold, with a response seen nowhere else
    store.record_run(result("shop-login", device="sim-2", at=DAY0 + timedelta(hours=23, minutes=7),
                            transactions=(tx("Launch", 640.0, load=True),
                                          tx("Login", 98_765.0))))
    late = read(store)
    assert late != first
    assert late == fresh(store_url, tmp_path)
    assert any(s.max == 98_765.0 for figures in late if isinstance(figures, list)
               for s in figures if isinstance(s, kpi.Stats))

    # late results in hours a journey page reads from their runs, kept too: the hour its
    # slices' boundary 02:58 cuts, and the ragged edge 21:17-22:00 of its window
    for at, login in ((DAY0 + timedelta(hours=26, minutes=40), 187_654.0),
                      (DAY0 + timedelta(hours=21, minutes=30), 276_543.0)):
        before = read(store)
        store.record_run(result("shop-login", device="sim-1", at=at,
                                transactions=(tx("Login", login),)))
        after = read(store)
        assert after != before
        assert after == fresh(store_url, tmp_path)
        assert any(s.max == login for s in after[len(DAY_WINDOWS) * 3 + 2])
    late = after

    store.clock = lambda: DAY0 + timedelta(days=1, hours=2)
    store.prune(timedelta(hours=1), None)  # runs before May 2, 01:00
    pruned = read(store)
    assert pruned != late
    assert pruned == fresh(store_url, tmp_path)

    store.rebuild_totals()
    assert read(store) == pruned == fresh(store_url, tmp_path)


def journey_id(store: Store, key: str) -> int:
    with store.db.read() as session:
        return int(session.scalars(select(JourneyRow.id).where(JourneyRow.key == key)).one())


def test_entries_expire_and_are_bounded(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change no fingerprint sees lasts MAX_AGE_S at most; the least recently used range
    goes first (one journey's ranges: kept by their fingerprint alone)."""
    rounds_over_days(store)
    now = [0.0]
    cache = cellcache.CellCache(clock=lambda: now[0])
    monkeypatch.setattr(cellcache, "ENTRIES", 2)
    login = journey_id(store, "shop-login")

    def range_(hours: int) -> list[Any]:
        with store.db.read() as session:
            return cache.read(session, timings.hour_cells, login,
                              [(DAY0 + 22 * H, DAY0 + (22 + hours) * H)], [], None)

    cells = range_(3)
    assert cells and (cache.misses, cache.hits) == (1, 0)
    assert range_(3) == cells and (cache.misses, cache.hits) == (1, 1)
    now[0] += cellcache.MAX_AGE_S
    range_(3)
    assert (cache.misses, cache.hits) == (2, 1)
    range_(4)
    range_(5)  # three ranges, two kept: the 3-hour one (least recently used) is dropped
    range_(5)
    range_(3)
    assert (cache.misses, cache.hits) == (5, 2)


def test_cells_kept_are_bounded(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    rounds_over_days(store)
    cache = cellcache.CellCache()
    login = journey_id(store, "shop-login")

    def range_(hours: int) -> int:
        with store.db.read() as session:
            return len(cache.read(session, timings.hour_cells, login,
                                  [(DAY0 + 22 * H, DAY0 + (22 + hours) * H)], [], None))

    monkeypatch.setattr(cellcache, "CELLS", range_(3) + 1)  # one range fits, not two
    range_(4)  # the 3-hour range goes
    range_(3)  # the 4-hour one goes
    range_(3)
    assert (cache.misses, cache.hits) == (3, 1)


def test_cached_cells_are_not_changed_by_the_reads_that_merge_them(store: Store) -> None:
    """Pages merge the cached cells into their own: reading twice gives the same figures and
    leaves the cached histograms as they were."""
    rounds_over_days(store)
    kpi.transactions(store)
    cache = cellcache.cache_of(store.db)
    slices = series.Slices.of(DAY0 + timedelta(hours=21, minutes=17),  # cutting hours
                              DAY0 + timedelta(hours=61, minutes=3), 7)
    series.timings(store.db, "shop-login", slices).response_times(("slice",))
    cells = [c for entry in cache._entries.values() for _, c in entry.value]
    assert cells and any(entry[2] == "raw" for entry in cache._entries)  # the cut hours' cells kept
    before = [(c.ok, c.total, dict(c.times.buckets), c.times.count, c.times.sum) for c in cells]

    def figures_now() -> Any:
        return (kpi.transactions(store), kpi.response_times(store, ("journey",)),
                series.timings(store.db, "shop-login", slices).response_times(("slice",)))

    figures = figures_now()
    assert figures_now() == figures
    assert [(c.ok, c.total, dict(c.times.buckets), c.times.count, c.times.sum)
            for c in cells] == before


def test_percentiles_in_one_walk_equal_each_percentile_alone() -> None:
    rng = random.Random(3)
    for size in (1, 2, 3, 17, 400):
        h = Histogram.of(rng.lognormvariate(5, 1.2) for _ in range(size))
        ps = [rng.choice((0, 1, 50, 95, 99, 99.9, 100)) for _ in range(5)]
        assert h.percentiles(*ps) == tuple(h.percentiles(p)[0] for p in ps)
        ranked = sorted(h.buckets.items())
        for p in ps:  # the walk, written out: the bucket holding rank ceil(p n / 100)
            rank = max(1, math.ceil(p * size / 100 - 1e-9))
            seen, expected = 0, h.max
            for b, n in ranked:
                seen += n
                if seen >= rank:
                    expected = min(max(middle(b), h.min), h.max)
                    break
            if rank == 1:
                expected = h.min
            elif rank == size:
                expected = h.max
            assert h.percentiles(p)[0] == expected


def test_transaction_figures_are_made_again_only_for_the_transactions_a_run_changed(
        store: Store, store_url: str, tmp_path: Any) -> None:
    """The per-transaction figures a page shows are remembered by the cells they were made
    of: a run in the current hour makes its own transactions' figures again, the others are
    the same objects, and everything equals a fresh reader's."""
    for minutes in range(0, 290, 10):
        for journey in ("a", "b"):
            store.record_run(result(journey, at=DAY0 + timedelta(minutes=minutes),
                                    transactions=(tx("Login", 300.0 + minutes),
                                                  tx("Search", 90.0 + minutes / 7))))
    window = (None, DAY0, DAY0 + 6 * H)
    first = kpi.transactions(store, *window)
    again = kpi.transactions(store, *window)
    assert again == first and all(x is y for x, y in zip(again, first, strict=True))

    # a run in the hour the robot is writing (the hot edge does not move)
    store.record_run(result("a", at=DAY0 + timedelta(minutes=291),
                            transactions=(tx("Login", 5_000.0), tx("Search", 95.0))))
    after = {(f.journey, f.transaction): f for f in kpi.transactions(store, *window)}
    before = {(f.journey, f.transaction): f for f in first}
    assert after[("a", "Login")].times.max == 5_000.0  # type: ignore[union-attr]
    assert after[("a", "Login")] != before[("a", "Login")]
    assert after[("b", "Login")] is before[("b", "Login")]
    assert after[("b", "Search")] is before[("b", "Search")]
    other = Store.open(store_url, spool_path=tmp_path / "fresh.jsonl", environ={})
    try:
        assert list(after.values()) == kpi.transactions(other, *window)
    finally:
        other.close()


def test_remembered_figures_are_bounded_by_the_cells_they_hold() -> None:
    """The figures memo keeps decoded cells alive, so it is bounded by cells, and a report's
    groups (hundreds of hour cells) are not kept at all."""
    memo = kpi._Figures()
    memo.CELLS = 5  # type: ignore[misc]
    figures = kpi.TransactionFigures("j", "t", None, 1, 1, False)
    cells = [timings.Cell(ok=1, total=1) for _ in range(2)]
    assert memo.signature("j", "t", [timings.Cell()] * (memo.GROUP + 1)) is None
    signatures = [memo.signature(f"j{k}", "t", cells) for k in range(4)]
    for s in signatures:
        memo.keep(s, cells, figures)
    assert [memo.get(s) is figures for s in signatures] == [False, False, True, True]
    other = [timings.Cell(ok=1, total=1), timings.Cell(ok=1, total=1)]
    assert memo.signature("j", "t", other) != memo.signature("j", "t", cells)  # identities
