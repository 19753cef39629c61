"""A journey page's figures are kept while the journey's runs do not change (its generation,
storage.generations): another journey's run leaves it kept, its own run, a late result or a
fix by hand shows at once, its incidents always show at once; every read equals a fresh
reader's, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ronde.dashboard.figures import StoreFigures
from storage import Store, generations
from tests.storage.builders import result, tx

NOW = datetime(2026, 7, 1, 12, 7, 13, tzinfo=UTC)


def record(store: Store, journey: str, minutes_ago: int, login_ms: float,
           status: str = "passed") -> None:
    store.record_run(result(journey, status, at=NOW - timedelta(minutes=minutes_ago),
                            category="backend" if status == "failed" else None,
                            transactions=(tx("Launch", 800.0, load=True),
                                          tx("Login", login_ms))))


def test_a_journey_page_is_kept_until_its_own_runs_change(
        store: Store, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for minutes_ago in range(5, 600, 20):
        record(store, "a", minutes_ago, 300.0 + minutes_ago)
        record(store, "b", minutes_ago, 200.0)
    figures = StoreFigures(store)
    made: list[str] = []
    original = StoreFigures._journey

    def counted(self: StoreFigures, journey: str, window: Any) -> Any:
        if self is figures:  # not the fresh readers'
            made.append(journey)
        return original(self, journey, window)

    monkeypatch.setattr(StoreFigures, "_journey", counted)
    window = figures.window("24h", NOW)

    def fresh() -> Any:
        other = Store.open(store_url, spool_path=tmp_path / "fresh.jsonl", environ={})
        try:
            return StoreFigures(other).journey("a", window)
        finally:
            other.close()

    first = figures.journey("a", window)
    assert first is not None and first == fresh() and made == ["a"]
    assert figures.journey("a", window) == first and made == ["a"]  # kept
    record(store, "b", 1, 9_999.0)
    assert figures.journey("a", window) == first and made == ["a"]  # another journey's run

    record(store, "a", 1, 7_777.0)  # its own run: made again, and it shows
    after = figures.journey("a", window)
    assert made == ["a", "a"] and after == fresh()
    login = next(s for s in after.transactions if s.name == "Login")  # type: ignore[union-attr]
    assert login.overall.p99 == 7_777.0  # the top rank: the largest response

    # an incident, which no run makes: shown at the next read, the figures still kept
    store.clock = lambda: NOW - timedelta(minutes=10)
    store.open_incident("a:backend", kind="app", rule="consecutive_failures", journey="a",
                        category="backend", diagnosis="Login fails: backend down.",
                        confidence=0.8)
    with_incident = figures.journey("a", window)
    assert made == ["a", "a"] and with_incident == fresh()
    assert [i.journey for i in with_incident.incidents] == ["a"]  # type: ignore[union-attr]

    # a fix by hand in SQL: the trigger moves the generation
    with store.db.transaction() as session:
        session.execute(text("UPDATE runs SET status = 'failed', category = 'backend' WHERE "
                             "journey_id = (SELECT id FROM journeys WHERE key = 'a')"))
    assert figures.journey("a", window) == fresh() and made == ["a", "a", "a"]

    # the page is trusted MAX_AGE_S at most; a journey never run has none
    monkeypatch.setattr(generations, "MAX_AGE_S", 0.0)
    figures.journey("a", window)
    assert made == ["a", "a", "a", "a"]
    assert figures.journey("nobody", window) is None


def test_a_status_row_is_kept_until_its_journey_s_runs_change(
        store: Store, store_url: str, tmp_path: Path) -> None:
    for minutes_ago in range(5, 3000, 60):  # two days
        record(store, "a", minutes_ago, 300.0)
        record(store, "b", minutes_ago, 200.0, "failed" if minutes_ago % 120 == 5 else "passed")
    figures = StoreFigures(store)

    def fresh() -> Any:
        other = Store.open(store_url, spool_path=tmp_path / "fresh.jsonl", environ={})
        try:
            return StoreFigures(other).status(NOW)
        finally:
            other.close()

    first = {j.journey: j for j in figures.status(NOW)}
    assert list(first.values()) == fresh()
    record(store, "a", 2, 300.0, "failed")  # a's today changes, b's row is kept
    after = {j.journey: j for j in figures.status(NOW)}
    assert list(after.values()) == fresh()
    assert after["b"] is first["b"] and after["a"] != first["a"]
    assert after["a"].days[-1].availability.failed_first == \
        first["a"].days[-1].availability.failed_first + 1
