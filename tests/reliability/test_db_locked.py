"""A database locked by another process for 30 s under a real `ronde start`: no slot is
skipped, every result is stored exactly once after the lock is released, and the read
commands say "database busy" cleanly instead of hanging or printing a traceback.
SQLite (`BEGIN EXCLUSIVE` in another process) and PostgreSQL (`LOCK TABLE ... IN ACCESS
EXCLUSIVE MODE` held by another session)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ronde.commands.reading import EXIT_BUSY
from ronde.dashboard import serve_in_thread
from scheduler.writer import DbState, ResultWriter
from storage import StorageError, Store
from storage.errors import StorageBusy
from storage.spool import Spool
from tests.reliability.robot_process import (
    assert_every_slot_once,
    events,
    robot_files,
    ronde,
    start_robot,
    stop_robot,
    wait_for,
)
from tests.storage.builders import T0, result

EVERY_S = 4
BUSY = "database busy (locked by another process): try again"

SQLITE_LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def hold_sqlite_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    locker = subprocess.Popen([sys.executable, "-c", SQLITE_LOCKER, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
    return locker


def passed_runs(url: str, n: int) -> Any:
    store = Store.open(url, migrate=False, replay=False)
    try:
        runs = store.runs()
    except StorageError:  # the robot has not created the tables yet
        return None
    finally:
        store.close()
    return runs if len([r for r in runs if r.status == "passed"]) >= n else None


def check_stored_once(url: str, log: Path, locked: tuple[datetime, datetime],
                      stopped_at: datetime) -> None:
    store = Store.open(url, migrate=False, replay=False)
    try:
        runs = store.runs(include_open=True)
        spooled = store.spool.has_entries()
    finally:
        store.close()
    assert not spooled, "results left in the spool"
    since = locked[0] - timedelta(seconds=EVERY_S)  # the start-up catch-up may overlap, by policy
    assert_every_slot_once(runs, EVERY_S, since, stopped_at)
    assert all(r.status == "passed" for r in runs), [(r.status, r.error) for r in runs]
    during = [r for r in runs if locked[0] <= r.scheduled_at <= locked[1]]
    assert len(during) >= (locked[1] - locked[0]).total_seconds() // EVERY_S - 1
    # each of them started on time: no database call held its slot
    late = [r.started_at - r.scheduled_at for r in during]
    assert max(late) < timedelta(seconds=2), late
    said = [e["event"] for e in events(log) if "event" in e]
    skipped = [e for e in events(log) if e.get("event") in ("slot_skipped_overrun", "slot_missed")
               and datetime.fromisoformat(e["scheduled_at"]) >= since]
    assert not skipped, skipped
    assert said.count("storage_unavailable") == 1, said  # said once, not once per result
    assert said.count("storage_recovered") == 1


@pytest.mark.appium
def test_sqlite_locked_30s_under_ronde_start(appium_server: Any, tmp_path: Path) -> None:
    folder, config = robot_files(tmp_path, appium_server.url, "locked")
    db = tmp_path / "ronde.db"
    url = f"sqlite:///{db}"
    log = tmp_path / "ronde.log"
    robot = start_robot(folder, config, log, EVERY_S)
    try:
        wait_for(lambda: passed_runs(url, 2), 60, "two runs before the lock")
        locked_at = datetime.now(UTC)
        locker = hold_sqlite_lock(db, 30)
        try:
            time.sleep(EVERY_S * 1.5)  # results are waiting in the spool by now
            code, out, err, took = ronde("status", "--config", str(config))
            assert code == 0 and BUSY in out, (code, out, err)
            assert "Traceback" not in out + err and took < 10
            code, out, err, _took = ronde("status", "--config", str(config), "--json")
            assert code == 0 and json.loads(out)["database_busy"] is True, (out, err)
            for command in (("alerts",), ("db", "current")):
                code, out, err, took = ronde(*command, "--config", str(config))
                assert code == 0 and "Traceback" not in err and took < 10, (command, out, err)
            assert robot.poll() is None
        finally:
            assert locker.wait(40) == 0
        released_at = datetime.now(UTC)
        code, out, _err, _took = ronde("status", "--config", str(config), "--json")
        assert code == 0 and json.loads(out)["database_busy"] is False
        time.sleep(EVERY_S * 1.5)
    finally:
        code, err = stop_robot(robot)
    stopped_at = datetime.now(UTC)
    assert code == 0 and "Traceback" not in err, err
    check_stored_once(url, log, (locked_at, released_at), stopped_at)


@pytest.mark.appium
@pytest.mark.postgres
def test_postgres_table_locked_under_ronde_start(
    appium_server: Any, postgres_url: str, tmp_path: Path
) -> None:
    folder, config = robot_files(tmp_path, appium_server.url, "pglocked", storage=postgres_url)
    log = tmp_path / "ronde.log"
    robot = start_robot(folder, config, log, EVERY_S, cwd=tmp_path)  # its spool in tmp_path
    try:
        wait_for(lambda: passed_runs(postgres_url, 2), 60, "two runs before the lock")
        locked_at = datetime.now(UTC)
        with psycopg.connect(postgres_url.replace("+psycopg", "")) as locker:
            locker.execute("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
            time.sleep(EVERY_S * 1.5)
            # every read of runs waits on this lock: the commands give up quickly and say so
            for command in (("status",), ("report", "--out", str(tmp_path / "r.html"))):
                code, out, err, took = ronde(*command, "--config", str(config), cwd=tmp_path)
                assert code == EXIT_BUSY and BUSY in err, (command, code, out, err)
                assert "Traceback" not in out + err and took < 10, (command, took)
            code, out, err, took = ronde("alerts", "--config", str(config), cwd=tmp_path)
            assert code == 0 and took < 10, (out, err)  # incidents are not locked
            with serve_in_thread(postgres_url, tmp_path / "artifacts") as dashboard:
                page = httpx.get(dashboard.url + "/", timeout=20)
            assert page.status_code == 503 and BUSY in page.text
            time.sleep(3)
            assert robot.poll() is None
            released_at = datetime.now(UTC)
        time.sleep(EVERY_S * 1.5)
    finally:
        code, err = stop_robot(robot)
    stopped_at = datetime.now(UTC)
    assert code == 0 and "Traceback" not in err, err
    check_stored_once(postgres_url, log, (locked_at, released_at), stopped_at)


# ---- fast: the parts, with a real SQLite lock held in this process -------------------------


def test_an_append_never_waits_for_a_replay(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.append({"result": {"run_id": "a"}})
    took: list[float] = []

    def slow_database(entry: dict[str, Any]) -> None:  # a replay blocked on a locked database
        def append() -> None:
            began = time.monotonic()
            spool.append({"result": {"run_id": "b"}})
            took.append(time.monotonic() - began)

        writer = threading.Thread(target=append)
        writer.start()
        writer.join(5)
        time.sleep(0.2)

    report = spool.replay(slow_database)
    assert report.stored == ("a",) and took and took[0] < 0.1
    assert [json.loads(e)["result"]["run_id"] for e in spool.entries()] == ["b"]  # kept


def test_results_are_accepted_at_once_and_stored_after_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "ronde.db"
    store = Store.open(f"sqlite:///{db}", spool_path=tmp_path / "spool.jsonl", environ={})
    writer = ResultWriter(store, retry_s=0.2)
    locker = sqlite3.connect(db, isolation_level=None)
    then: list[str] = []
    try:
        locker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageBusy, match="database busy"):  # a read command's probe
            store.start_run("x", "j", "sim-1", None, lock_timeout_ms=100)
        assert store.write_locked()
        results = [result(at=T0 + timedelta(minutes=i)) for i in range(3)]
        for r in results:
            began = time.monotonic()
            writer.submit(r, None, lambda stored: then.append(stored.run_id))
            assert time.monotonic() - began < 0.2  # durable in the spool, no database call
        time.sleep(0.5)  # the writer waits on the lock (its busy timeout is 10 s)
        assert then == [] and writer.pending() == 3
        assert store.runs() == []  # readers still read while SQLite is write-locked
        locker.execute("COMMIT")
        wait_for(lambda: writer.pending() == 0, 15, "the results to be stored")
        assert then == [r.run_id for r in results] and writer.state is DbState.OK
        assert sorted(r.run_id for r in store.runs()) == sorted(then)
    finally:
        locker.close()
        writer.close(1)
        store.close()


def test_results_stored_together_reach_a_batch_then_once_in_order(tmp_path: Path) -> None:
    """The alert rules read every journey: the writer hands them what it stored in one go."""
    db = tmp_path / "ronde.db"
    store = Store.open(f"sqlite:///{db}", spool_path=tmp_path / "spool.jsonl", environ={})
    writer = ResultWriter(store, retry_s=0.2)
    locker = sqlite3.connect(db, isolation_level=None)
    calls: list[list[str]] = []

    class Alerts:
        def __call__(self, stored: Any) -> None:
            calls.append([stored.run_id])

        def many(self, stored: list[Any]) -> None:
            calls.append([r.run_id for r in stored])

    then = Alerts()
    try:
        locker.execute("BEGIN EXCLUSIVE")
        results = [result(at=T0 + timedelta(minutes=i)) for i in range(4)]
        for r in results:
            writer.submit(r, None, then)
        time.sleep(0.3)
        locker.execute("COMMIT")
        wait_for(lambda: writer.pending() == 0, 15, "the results to be stored")
        # the first may have been read alone (the writer woke at once and waited on the
        # lock); those that came meanwhile are stored, then handed over, together
        assert [run_id for call in calls for run_id in call] == [r.run_id for r in results]
        assert len(calls) < len(results) and max(map(len, calls)) >= 2
    finally:
        locker.close()
        writer.close(1)
        store.close()
