"""Journey generations (storage.generations): the database moves a journey's generation on
every change to its runs, whoever writes them, and the read side's per-journey caches read
again only the journeys that changed, never showing a figure a fresh reader would not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from storage import Store, cellcache, generations, hourly, kpi, reporting, series, sliding
from tests.storage.builders import T0, result, tx

H = timedelta(hours=1)
DAY = timedelta(days=1)
NOW = T0 + 6 * H + timedelta(minutes=7)


def by_key(store: Store) -> dict[str, int]:
    with store.db.read() as session:
        keys = {j: key for j, key in session.execute(text("SELECT id, key FROM journeys"))}
        return {keys[j]: g for j, g in generations.current(session).items()}


def moved(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {key for key, g in after.items() if before.get(key) != g}


def execute(store: Store, sql: str, **params: Any) -> None:
    with store.db.transaction() as session:
        session.execute(text(sql), params)


def trial(store: Store) -> None:
    """Three journeys, a run every 20 minutes for six hours."""
    for minutes in range(0, 360, 20):
        for journey in ("a", "b", "c"):
            store.record_run(result(
                journey, "failed" if journey == "c" and minutes % 60 == 0 else "passed",
                at=T0 + timedelta(minutes=minutes),
                transactions=(tx("Login", 300.0 + minutes), tx("Search", 90.0 + minutes))))


def test_every_change_to_a_journey_s_runs_moves_its_generation_alone(store: Store) -> None:
    trial(store)
    seen = by_key(store)

    def step(expected: set[str]) -> None:
        nonlocal seen
        now = by_key(store)
        assert moved(seen, now) == expected
        seen = now

    store.start_run("open-a", "a", "sim-1", T0 + 6 * H, host="robot-1")
    step({"a"})
    store.record_run(result("a", at=T0 + 6 * H, run_id="open-a"))
    step({"a"})
    store.start_run("open-b", "b", "sim-1", T0 + 6 * H, host="robot-1")
    step({"b"})
    assert store.close_aborted_runs("robot-1") == 1
    step({"b"})
    # writers that are not this code: fixes by hand
    execute(store, "UPDATE runs SET status = 'failed' WHERE run_id = 'open-a'")
    step({"a"})
    execute(store, "DELETE FROM runs WHERE run_id = 'open-b'")
    step({"b"})
    store.rebuild_totals()
    step({"a", "b", "c"})
    store.clock = lambda: T0 + 2 * H
    store.prune(timedelta(hours=1), None)
    step({"a", "b", "c"})


def read_all(store: Store) -> list[Any]:
    """What the overview and /metrics read over every journey."""
    window = (None, T0 + 6 * H - timedelta(hours=24), NOW)
    day = hourly.floor_day(T0)
    days = series.Slices.of(day - 2 * DAY, day + DAY, 3)  # the status page's day bars
    return [kpi.transactions(store, *window), kpi.availability(store, *window),
            store.recent_runs_per_journey(24), reporting.response_marks(store.db),
            series.hourly_availability(store.db, days), reporting.run_counts(store.db),
            sliding.availability(store, H, NOW)]


def fresh(store_url: str, tmp_path: Any) -> list[Any]:
    other = Store.open(store_url, spool_path=tmp_path / "fresh.jsonl", environ={})
    try:
        return read_all(other)
    finally:
        other.close()


def test_pages_over_every_journey_read_again_only_the_journeys_that_changed(
        store: Store, store_url: str, tmp_path: Any) -> None:
    trial(store)
    memo = cellcache.cache_of(store.db).by_journey
    first = read_all(store)
    assert first == fresh(store_url, tmp_path)
    computed = memo.computed
    assert read_all(store) == first and memo.computed == computed  # nothing changed

    # a run of `a` in the hour being written: `a` alone is read again, once per figure kept
    # per journey (strips, availability, marks, the window's cold and hot cells and its
    # figures, past days, run counts, the alert window and its whole hours)
    store.record_run(result("a", "failed", at=T0 + 6 * H, transactions=(
        tx("Login", 9_876.0), tx("Search", 95.0, "failed"))))
    after = read_all(store)
    assert memo.computed - computed == 10
    assert after != first and after == fresh(store_url, tmp_path)
    login = {(f.journey, f.transaction): f for f in after[0]}
    assert login[("a", "Login")].times.max == 9_876.0  # type: ignore[union-attr]
    assert after[2]["a"][-1].status == "failed"
    assert after[2]["b"] == first[2]["b"]

    # a late result from the spool into a cold hour of `b`: seen too
    store.record_run(result("b", at=T0 + timedelta(minutes=5), transactions=(
        tx("Login", 54_321.0), tx("Search", 91.0))))
    late = read_all(store)
    assert late == fresh(store_url, tmp_path)
    figures = {(f.journey, f.transaction): f for f in late[0]}
    assert figures[("b", "Login")].times.max == 54_321.0  # type: ignore[union-attr]

    # a writer that is not this code: the trigger moves the generation, the strip shows it
    execute(store, "UPDATE runs SET status = 'failed', category = 'backend' WHERE id = "
                   "(SELECT max(id) FROM runs WHERE journey_id = "
                   "(SELECT id FROM journeys WHERE key = 'c'))")
    edited = read_all(store)
    assert edited[2]["c"][-1].status == "failed" and edited == fresh(store_url, tmp_path)


def test_a_change_no_trigger_sees_lasts_max_age_at_most(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A derived row edited by hand (no run changed) shows after MAX_AGE_S, not before."""
    trial(store)
    now = [0.0]
    memo: generations.PerJourney[Any] = generations.PerJourney(clock=lambda: now[0])
    cache = cellcache.cache_of(store.db)
    monkeypatch.setattr(cache, "by_journey", memo)
    window = (None, T0, T0 + 6 * H)
    before = kpi.availability(store, *window)
    execute(store, "UPDATE availability_hours SET first_ok = 0 WHERE journey_id = "
                   "(SELECT id FROM journeys WHERE key = 'a')")
    assert kpi.availability(store, *window) == before
    now[0] += generations.MAX_AGE_S
    after = {a.journey: a for a in kpi.availability(store, *window)}
    assert after["a"].first_ok == 0 and after["b"] == {a.journey: a for a in before}["b"]


def test_per_journey_values_are_kept_by_generation_and_bounded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    memo: generations.PerJourney[str] = generations.PerJourney(clock=lambda: now[0])
    calls: list[tuple[list[int], dict[int, str]]] = []

    def compute(stale: list[int], previous: dict[int, str]) -> dict[int, str]:
        calls.append((sorted(stale), dict(previous)))
        return {j: f"{j}@{len(calls)}" for j in stale if j != 3}  # 3: no value

    assert memo.read("k", {1: 0, 2: 0, 3: 0}, compute) == {1: "1@1", 2: "2@1"}
    assert memo.read("k", {1: 0, 2: 0, 3: 0}, compute) == {1: "1@1", 2: "2@1"}
    assert calls[-1] == ([3], {})  # a journey without a value is asked again
    assert memo.read("k", {1: 0, 2: 5, 3: 0, 4: 0}, compute) == {1: "1@1", 2: "2@3",
                                                                   4: "4@3"}
    assert calls[-1] == ([2, 3, 4], {2: "2@1"})  # the previous value of a moved journey
    now[0] += generations.MAX_AGE_S
    memo.read("k", {1: 0}, compute)
    assert calls[-1] == ([1], {})  # too old: computed afresh, no previous value offered

    monkeypatch.setattr(generations, "ENTRIES", 2)
    for key in ("x", "y", "k"):
        memo.read(key, {1: 0}, compute)
    assert len(memo._entries) == 2 and "x" not in memo._entries
    monkeypatch.setattr(generations, "SIZE", 3)
    memo.read("big", {1: 0, 2: 0, 3: 0, 4: 0}, compute, size=lambda value: 1)
    assert list(memo._entries) == ["big"]  # over the size bound: only the newest stays


def test_generations_are_read_once_per_read_transaction_and_again_after_a_bump(
        store: Store) -> None:
    """A page's per-journey reads share one read of the generations (they run in one read
    transaction); a transaction that moves every journey sees its own move."""
    trial(store)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(store.db.engine, "before_cursor_execute", seen)
    try:
        with store.db.read() as session:
            first = generations.current(session)
            keys = generations.journey_keys(session)
            assert generations.current(session) is first
            assert generations.journey_keys(session) is keys
            assert set(keys) == set(first)
        assert sum("generation" in s and "journeys" in s for s in statements) == 1
        with store.db.read() as session:
            assert generations.current(session) == first  # a new transaction reads again
        assert sum("generation" in s and "journeys" in s for s in statements) == 2
    finally:
        event.remove(store.db.engine, "before_cursor_execute", seen)
    with store.db.transaction() as session:
        before = generations.current(session)
        generations.bump_all(session)
        after = generations.current(session)
    assert after == {j: g + 1 for j, g in before.items()}
