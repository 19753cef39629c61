"""The read side's statements do not grow with the journeys: the overview, the status page
and `/metrics` read every journey in a constant number of queries (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event
from starlette.testclient import TestClient

from ronde.dashboard.app import create_app
from ronde.dashboard.figures import StoreFigures
from ronde.metrics import exposition
from ronde.report.store_source import StoreSource
from storage import Store, cellcache
from tests.storage.builders import result, tx

NOW = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)


def statements(store: Store, read: Callable[[], object]) -> int:
    """The statements of a cold read: kept cells would hide a read that grows."""
    cellcache.forget(store.db)
    count = 0

    def seen(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(store.db.engine, "before_cursor_execute", seen)
    try:
        read()
    finally:
        event.remove(store.db.engine, "before_cursor_execute", seen)
    return count


def record(store: Store, journeys: range) -> None:
    for j in journeys:
        for k in range(6):
            store.record_run(result(f"j{j}", "failed" if k == 2 else "passed",
                                    at=NOW - timedelta(hours=30, minutes=-50 * k),
                                    category="backend" if k == 2 else None, load_ms=700.0,
                                    transactions=(tx("Launch", 700.0, load=True),
                                                  tx("Login", 300.0 + k))))


def test_overview_status_and_metrics_cost_the_same_queries_for_3_or_12_journeys(
    store_url: str, tmp_path: Path
) -> None:
    source = StoreSource.open(store_url)
    store = source.store
    figures = StoreFigures(store)
    reads = {
        "overview": lambda: source.overview(NOW),
        "transactions 24h": lambda: source.transaction_stats(NOW - timedelta(hours=24), NOW),
        "status": lambda: figures.status(NOW),
        "metrics": lambda: exposition(source, clock=lambda: NOW),
    }
    try:
        record(store, range(3))
        few = {name: statements(store, read) for name, read in reads.items()}
        assert len(source.overview(NOW)) == 3
        record(store, range(3, 12))
        many = {name: statements(store, read) for name, read in reads.items()}
        assert len(source.overview(NOW)) == 12
        assert all(len(j.history) == 6 for j in source.overview(NOW))
    finally:
        source.close()
    assert many == few


def test_each_page_reads_in_one_transaction(store_url: str, tmp_path: Path) -> None:
    """`/`, a journey page, the status page and `/metrics` each read in one read transaction:
    their ~15 reads used to pay a pooled connection and a BEGIN each (a round trip or two
    on PostgreSQL), and could each see a different moment."""
    source = StoreSource.open(store_url)
    store = source.store
    client = TestClient(create_app(source, tmp_path, clock=lambda: NOW,
                                   figures=StoreFigures(store)))
    begun = 0

    def begin(*_args: object) -> None:
        nonlocal begun
        begun += 1

    try:
        record(store, range(3))
        event.listen(store.db.engine, "begin", begin)
        for path in ("/", "/journeys/j1?range=24h", "/status", "/metrics"):
            begun = 0
            response = client.get(path)
            assert response.status_code == 200
            assert "j1" in response.text
            assert begun == 1, path
    finally:
        event.remove(store.db.engine, "begin", begin)
        source.close()
