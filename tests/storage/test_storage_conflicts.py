"""Concurrent writes that PostgreSQL resolves by rolling one back (a deadlock): the victim is
told it was a conflict, not that the database is unreachable, and a run write is retried."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage import Recorded, Store, runs
from storage.errors import StorageBusy, StorageConflict
from tests.storage.builders import result, tx

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(postgres_url: str, tmp_path: Path) -> Iterator[Store]:
    store = Store.open(postgres_url, spool_path=tmp_path / "s.jsonl", environ={})
    try:
        yield store
    finally:
        store.close()


def _two_journeys(store: Store) -> tuple[int, int]:
    for key in ("shop-a", "shop-b"):
        store.record_run(result(key, transactions=(tx("Login", 100.0),)))
    with store.db.engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM journeys WHERE key IN ('shop-a', 'shop-b') "
                                "ORDER BY key")).scalars().all()
    return ids[0], ids[1]


def _lock(session_or_conn: Any, journey_id: int) -> None:
    session_or_conn.execute(text("UPDATE journeys SET name = name WHERE id = :id"),
                            {"id": journey_id})


class _Other(threading.Thread):
    """Another writer: locks `first`, waits for `go`, then wants `second`. It checks for a
    deadlock only after 10 s, so the test's own transaction (1 s) is the one rolled back."""

    def __init__(self, store: Store, first: int, second: int) -> None:
        super().__init__(daemon=True)
        self.store, self.first, self.second = store, first, second
        self.locked, self.go = threading.Event(), threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            with self.store.db.engine.begin() as conn:
                conn.execute(text("SET LOCAL deadlock_timeout = '10s'"))
                _lock(conn, self.first)
                self.locked.set()
                self.go.wait(10)
                _lock(conn, self.second)
        except BaseException as exc:  # reported by the test's assert
            self.failure = exc

    def wait_blocked(self) -> None:
        """Until this writer waits for a row lock (then a lock on `first` makes a cycle)."""
        with self.store.db.engine.connect() as conn:
            for _ in range(200):
                if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                    return
                conn.rollback()
                threading.Event().wait(0.05)
        raise AssertionError("the other writer never waited for its second lock")


def test_a_deadlock_victim_is_told_of_a_conflict_not_an_unreachable_database(
        pg_store: Store) -> None:
    a, b = _two_journeys(pg_store)
    other = _Other(pg_store, b, a)
    other.start()
    assert other.locked.wait(10)
    with pytest.raises(StorageConflict) as caught, pg_store.db.transaction() as session:
        _lock(session, a)
        other.go.set()
        other.wait_blocked()
        _lock(session, b)  # a cycle: PostgreSQL rolls this transaction back
    other.join(15)
    assert other.failure is None and not other.is_alive()
    assert isinstance(caught.value, StorageBusy)  # writers spool it like a busy database
    message = str(caught.value)
    assert "conflict" in message and "deadlock" in message and "unreachable" not in message


def test_a_run_rolled_back_by_a_deadlock_is_written_again(
        pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _two_journeys(pg_store)
    other = _Other(pg_store, b, a)
    calls = []
    record_run = runs.record_run

    def deadlocking_once(session: Any, *args: Any, **kwargs: Any) -> Recorded:
        calls.append(1)
        if len(calls) == 1:  # the first write meets a concurrent one in a deadlock
            _lock(session, a)
            other.start()
            assert other.locked.wait(10)
            other.go.set()
            other.wait_blocked()
            _lock(session, b)
        return record_run(session, *args, **kwargs)

    monkeypatch.setattr(runs, "record_run", deadlocking_once)
    written = pg_store.record_run(result("shop-a", run_id="again",
                                         transactions=(tx("Login", 120.0),)))
    other.join(15)
    assert other.failure is None
    assert written is Recorded.INSERTED and len(calls) == 2
    assert not pg_store.spool.has_entries()
    assert pg_store.get_run("again") is not None
