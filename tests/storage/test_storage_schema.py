"""Migrations: the models and the Alembic history agree, on both backends, from scratch."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage import StorageError, Store
from storage.engine import BUSY_TIMEOUT_MS, READ_TIMEOUT_MS
from storage.migrate import downgrade, head_revision, upgrade
from storage.models import Base

TABLES = {
    "journeys", "journey_versions", "devices", "runs", "transactions", "steps", "measurements",
    "artifacts", "incidents", "notifications", "robot_heartbeats", "alembic_version",
    "pruned_runs", "pruned_responses", "run_totals", "response_totals",
    "availability_hours", "slot_claims", "timing_hours",
}


def test_migrations_build_exactly_the_models(store: Store) -> None:
    assert store.current_revision() == head_revision()
    with store.db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}", spool_path=tmp_path / "s.jsonl")
    try:
        assert store.current_revision() == head_revision()  # migrated on open, from nothing
        with store.db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            # a read gives up on another process's lock sooner than a write
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == READ_TIMEOUT_MS
        with store.db.transaction() as session:
            timeout = session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert timeout == BUSY_TIMEOUT_MS
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_reads_give_up_on_a_lock_sooner_than_writes(postgres_url: str,
                                                            tmp_path: Path) -> None:
    """Lock timeouts per transaction kind, whether Ronde sets the session's options (the
    connection's default is a read's) or the URL brings its own (set per transaction)."""
    own = f"{postgres_url}?options={quote('-c application_name=mine')}"
    for url in (postgres_url, own):
        store = Store.open(url, spool_path=tmp_path / "s.jsonl")
        try:
            with store.db.read() as session:
                read = session.connection().exec_driver_sql("SHOW lock_timeout").scalar()
            with store.db.transaction() as session:
                write = session.connection().exec_driver_sql("SHOW lock_timeout").scalar()
            assert (read, write) == (f"{READ_TIMEOUT_MS // 1000}s",
                                     f"{BUSY_TIMEOUT_MS // 1000}s"), url
        finally:
            store.close()


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}", spool_path=tmp_path / "s.jsonl")
    try:
        assert downgrade(store.db.engine, "base") is None
        with store.db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        assert upgrade(store.db.engine) == head_revision()
    finally:
        store.close()


def test_a_database_from_a_newer_ronde_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    Store.open(url, spool_path=tmp_path / "s.jsonl").close()
    with Store.open(url, spool_path=tmp_path / "s.jsonl") as store, store.db.engine.begin() as c:
        c.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match=r"revision 9999.*newer Ronde"):
        Store.open(url, spool_path=tmp_path / "s.jsonl")


def open_together(url: str, spool: Path, robots: int = 3) -> list[object]:
    """Open `robots` stores on one fresh database at the same instant; their revisions."""
    import threading

    barrier = threading.Barrier(robots)
    outcomes: list[object] = []

    def open_store() -> None:
        barrier.wait()
        try:
            with Store.open(url, spool_path=spool) as store:
                outcomes.append(store.current_revision())
        except Exception as exc:  # collected: the caller's assertion shows it
            outcomes.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(robots)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_robots_starting_together_migrate_once(request: pytest.FixtureRequest,
                                               tmp_path: Path) -> None:
    cluster = request.getfixturevalue("postgres_cluster")
    for url in (f"sqlite:///{tmp_path / 'together.db'}", cluster.url(cluster.create_database())):
        assert open_together(url, tmp_path / "s.jsonl") == [head_revision()] * 3, url


def test_the_head_read_from_the_scripts_is_alembics_and_an_up_to_date_open_skips_alembic(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [head_revision()]
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    Store.open(url, spool_path=tmp_path / "s.jsonl").close()  # migrated once
    probe = (
        "import sys; from storage import Store; "
        f"s = Store.open({url!r}, spool_path={str(tmp_path / 's.jsonl')!r}); "
        "print(s.current_revision(), 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parents[2], check=True)
    assert out.stdout.split() == [head_revision(), "False"], out.stderr
