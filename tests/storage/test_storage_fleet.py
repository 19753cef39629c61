"""A fleet on one database: slot claims land once, the alert lock has one holder and moves
when its connection dies, runs carry robot and location, and 0006 backfills old databases."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import DuplicateRun, Store
from storage.migrate import downgrade, head_revision, upgrade
from tests.storage.builders import T0, result, tx


def test_a_slot_is_claimed_by_exactly_one_of_many_robots(store: Store) -> None:
    wins: list[str] = []
    start = threading.Barrier(8)

    def robot(name: str) -> None:
        start.wait()
        for minute in range(10):
            slot = T0 + timedelta(minutes=minute)
            if store.claim_slot("shop-login", slot, "", name):
                wins.append(f"{minute}:{name}")

    threads = [threading.Thread(target=robot, args=(f"r{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(w.split(":")[0]) for w in wins) == list(range(10))
    claims = store.slot_claims("shop-login")
    assert [f"{c[1].minute}:{c[3]}" for c in claims] == sorted(wins, key=lambda w: int(w[:1]))
    # per location: one claim per scope for the same slot
    assert store.claim_slot("checkout", T0, "paris", "p1")
    assert store.claim_slot("checkout", T0, "lyon", "l1")
    assert not store.claim_slot("checkout", T0, "lyon", "l2")


def test_an_orphaned_claim_is_taken_over_once_and_never_when_its_run_opened(
    store: Store,
) -> None:
    store.clock = lambda: T0
    for minute, journey, scope, robot in (
        (0, "shop-login", "", "dead"),  # orphan: taken
        (1, "shop-login", "", "dead"),  # its run opened before the robot died: kept
        (2, "shop-login", "", "alive"),  # a live robot's: kept
        (3, "checkout", "", "dead"),  # a journey the survivors do not run: kept
        (4, "shop-login", "lyon", "dead"),  # another location's: kept
    ):
        assert store.claim_slot(journey, T0 + timedelta(minutes=minute), scope, robot)
    assert store.start_run("r1", "shop-login", "sim-1", T0 + timedelta(minutes=1), 1, None,
                           "host-d", robot_name="dead")
    store.clock = lambda: T0 + timedelta(hours=2)  # too old to be worth running late
    assert store.take_over_claims({"dead"}, "s0", [("shop-login", "")],
                                  within=timedelta(minutes=10)) == []
    store.clock = lambda: T0 + timedelta(minutes=5)
    won: dict[str, list[tuple[str, datetime, str]]] = {}
    start = threading.Barrier(6)

    def survivor(name: str) -> None:
        start.wait()
        won[name] = store.take_over_claims({"dead"}, name, [("shop-login", "")],
                                           within=timedelta(minutes=10))

    threads = [threading.Thread(target=survivor, args=(f"s{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    taken = [(name, slots) for name, slots in won.items() if slots]
    assert len(taken) == 1, won
    winner, slots = taken[0]
    assert slots == [("shop-login", T0, "")]
    owners = {(c[0], c[1], c[2]): c[3] for c in store.slot_claims()}
    assert owners[("shop-login", T0, "")] == winner
    assert owners[("shop-login", T0 + timedelta(minutes=1), "")] == "dead"
    assert owners[("checkout", T0 + timedelta(minutes=3), "")] == "dead"
    assert owners[("shop-login", T0 + timedelta(minutes=4), "lyon")] == "dead"
    # once its run is stored, nobody takes it again
    store.record_run(replace(result(scheduled_at=T0), robot_name=winner))
    assert store.take_over_claims({winner}, "s9", [("shop-login", "")],
                                  within=timedelta(minutes=10)) == []


def test_old_claims_are_pruned(store: Store) -> None:
    store.clock = lambda: T0
    assert store.claim_slot("j", T0, "", "r1")
    store.clock = lambda: T0 + timedelta(days=2)
    assert store.claim_slot("j", T0 + timedelta(days=2), "", "r1")
    assert store.prune_claims(timedelta(days=1)) == 1
    assert [c[1] for c in store.slot_claims()] == [T0 + timedelta(days=2)]


def test_one_slot_runs_once_per_location_and_runs_say_who_ran_them(store: Store) -> None:
    paris = replace(result(scheduled_at=T0, transactions=(tx("Login", 300.0),)),
                    robot_name="paris-1", location="paris", scope="paris")
    lyon = replace(result(scheduled_at=T0), robot_name="lyon-1", location="lyon", scope="lyon")
    store.record_run(paris)
    store.record_run(lyon)
    again = replace(result(scheduled_at=T0), robot_name="lyon-2", location="lyon", scope="lyon")
    with pytest.raises(DuplicateRun, match="from lyon"):
        store.record_run(again)
    runs = {r.run_id: r for r in store.runs("shop-login")}
    assert {(r.robot_name, r.location) for r in runs.values()} == {
        ("paris-1", "paris"), ("lyon-1", "lyon")}


def test_an_open_run_carries_its_scope_robot_and_location(store: Store) -> None:
    assert store.start_run("a1", "shop-login", "sim-1", T0, 1, None, "host-a", scope="paris",
                           robot_name="paris-1", location="paris")
    assert store.start_run("b1", "shop-login", "sim-1", T0, 1, None, "host-b", scope="lyon",
                           robot_name="lyon-1", location="lyon")
    with pytest.raises(DuplicateRun):
        store.start_run("c1", "shop-login", "sim-1", T0, 1, None, "host-c", scope="lyon")
    open_runs = store.runs("shop-login", include_open=True)
    assert sorted((r.robot_name, r.location) for r in open_runs) == [
        ("lyon-1", "lyon"), ("paris-1", "paris")]


def test_migration_0006_backfills_robot_names_and_keeps_every_child_row(store: Store) -> None:
    """0006 rebuilds `runs` on SQLite: not one transaction, step or heartbeat may go."""
    for minute in range(5):
        store.record_run(result(scheduled_at=T0 + timedelta(minutes=minute),
                                at=T0 + timedelta(minutes=minute),
                                transactions=(tx("Login", 100.0 + minute),)))
    beat = store.heartbeat_start("host-x", 42, "ronde test")

    def counts() -> list[int]:
        with store.db.engine.connect() as conn:
            return [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("runs", "transactions", "robot_heartbeats")]

    before = counts()
    assert before == [5, 5, 1]
    assert downgrade(store.db.engine, "0005") == "0005"
    assert counts() == before
    assert upgrade(store.db.engine) == head_revision()
    assert counts() == before
    assert {(r.robot_name, r.location) for r in store.runs("shop-login")} == {
        ("robot-1", "default")}
    [hb] = [h for h in store.heartbeats() if h.id == beat]
    assert (hb.robot_name, hb.location) == ("host-x", "default")


@pytest.mark.postgres
def test_the_alert_lock_has_one_holder_and_moves_when_its_connection_dies(
    postgres_url: str, tmp_path: Path,
) -> None:
    a = Store.open(postgres_url, spool_path=tmp_path / "a.spool", environ={})
    b = Store.open(postgres_url, spool_path=tmp_path / "b.spool", environ={})
    try:
        lock_a, lock_b = a.advisory_lock(), b.advisory_lock()
        assert lock_a.held()
        assert not lock_b.held()
        assert lock_a.held()  # still ours, checked on its own connection
        # the holder's connection dies (robot killed, network cut): PostgreSQL frees the lock
        with b.db.engine.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid <> pg_backend_pid() AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"))
        deadline = time.monotonic() + 15  # the backend takes a moment to go
        while not lock_b.held() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lock_b.held()
        assert not lock_a.held()
        lock_b.release()
        assert lock_a.held()
    finally:
        a.close()
        b.close()


def test_sqlite_has_no_advisory_lock(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}", spool_path=tmp_path / "s", environ={})
    try:
        assert not store.shared
        with pytest.raises(ValueError, match="PostgreSQL"):
            store.advisory_lock()
    finally:
        store.close()


def test_a_restarted_robot_closes_only_its_own_open_runs_on_a_shared_host(store: Store) -> None:
    store.start_run("mine", "shop-login", "sim-1", T0, 1, None, "host-a", robot_name="paris-1")
    store.start_run("other", "shop-search", "sim-2", T0, 1, None, "host-a", robot_name="paris-2")
    store.start_run("old", "checkout", "sim-3", T0, 1, None, "host-a")  # before names: the host
    assert store.close_aborted_runs(host="host-a", robot_name="paris-1") == 2
    still_open = [r.run_id for r in store.runs(include_open=True) if r.is_open]
    assert still_open == ["other"]
