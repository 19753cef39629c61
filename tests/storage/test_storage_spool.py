"""Nothing lost: results spooled while PostgreSQL is down, replayed once and in order."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from storage import Recorded, StorageUnavailable, Store
from storage.serialize import JourneyInfo, entry_from_dict, entry_to_dict
from storage.spool import Spool
from tests.fixtures.postgres import PostgresCluster
from tests.storage.builders import T0, result, tx


def test_spool_entries_round_trip_losslessly() -> None:
    original = result(status="degraded", category="performance", confirms="x", attempt=2,
                      scheduled_at=T0, transactions=(tx("Launch", 800.0, load=True),),
                      load_ms=805.0, navigation_timing={"load": 650.0}, error="slow")
    info = JourneyInfo(key="shop-login", name="Login", platform="android", definition_hash="h")
    line = json.dumps(entry_to_dict(original, info))
    back, back_info = entry_from_dict(json.loads(line))
    assert back == original and back_info == info


def test_replay_is_in_order_and_keeps_the_rest_when_the_database_fails(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    for i in range(5):
        spool.append({"result": {"n": i}})
    seen: list[int] = []
    down = [True]

    def flaky(entry: dict) -> None:
        if entry["result"]["n"] == 3 and down[0]:
            down[0] = False
            raise StorageUnavailable("down again")
        seen.append(entry["result"]["n"])

    with pytest.raises(StorageUnavailable):
        spool.replay(flaky)
    assert seen == [0, 1, 2]
    assert [json.loads(line)["result"]["n"] for line in spool.entries()] == [3, 4]
    report = spool.replay(flaky)
    assert (seen, report.replayed, spool.has_entries()) == ([0, 1, 2, 3, 4], 2, False)


def test_a_torn_line_is_set_aside_not_lost_and_does_not_corrupt_the_next(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.jsonl")
    spool.append({"result": {"n": 1}})
    with open(spool.path, "ab") as handle:
        handle.write(b'{"result": {"n": 2')  # a crash in the middle of a write
    spool.append({"result": {"n": 3}})
    seen: list[int] = []
    report = spool.replay(lambda entry: seen.append(entry["result"]["n"]))
    assert seen == [1, 3] and (report.replayed, report.rejected) == (2, 1)
    assert spool.rejected_path.read_bytes() == b'{"result": {"n": 2\n'


def test_a_crash_between_insert_and_truncation_does_not_duplicate(store: Store) -> None:
    runs = [result(at=T0 + timedelta(minutes=i), transactions=(tx("Login", 100.0 + i),))
            for i in range(3)]
    store.record_run(runs[0])
    # the spool still holds run 0 (already inserted) and run 1: as after a crash mid-replay
    for run in runs[:2]:
        store.spool.append(entry_to_dict(run, JourneyInfo(key=run.journey)))
    assert store.record_run(runs[2]) is Recorded.INSERTED
    stored = store.runs()
    assert [r.run_id for r in stored] == [r.run_id for r in runs]
    assert [len(r.transactions) for r in stored] == [1, 1, 1]
    assert not store.spool.has_entries()


@pytest.mark.postgres
def test_postgres_stopped_mid_stream_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    cluster = PostgresCluster()
    try:
        cluster.start()
        url = cluster.url(cluster.create_database())
        spool_path = tmp_path / "spool.jsonl"
        store = Store.open(url, spool_path=spool_path)
        stream = [result(at=T0 + timedelta(minutes=i), device=f"sim-{i % 2}",
                         transactions=(tx("Login", 100.0 + i),)) for i in range(30)]
        store.start_run(stream[12].run_id, "shop-login", "sim-0", None, 1, None, "robot-1")
        outcomes = [store.record_run(r) for r in stream[:10]]
        cluster.stop("immediate")  # the server dies, like a crash
        outcomes += [store.record_run(r) for r in stream[10:20]]
        assert outcomes[:10] == [Recorded.INSERTED] * 10
        assert outcomes[10:] == [Recorded.SPOOLED] * 10
        assert len(store.spool.entries()) == 10
        with pytest.raises(StorageUnavailable):
            store.runs()
        cluster.start()
        # the next result first replays the spool, in order, then goes in itself
        outcomes += [store.record_run(r) for r in stream[20:]]
        assert outcomes[20:] == [Recorded.INSERTED] * 10
        assert not store.spool.has_entries()
        stored = store.runs()
        assert [r.run_id for r in stored] == [r.run_id for r in stream]
        assert [r.transactions[0].response_ms for r in stored] == [100.0 + i for i in range(30)]
        # insertion order (primary keys) follows the stream order too
        with store.db.engine.connect() as conn:
            ids = [row[0] for row in conn.exec_driver_sql("SELECT run_id FROM runs ORDER BY id")]
        assert ids == [stream[12].run_id] + [r.run_id for i, r in enumerate(stream) if i != 12]
        store.close()

        # opening while the server is down is a clear error, not a hang
        cluster.stop("immediate")
        with pytest.raises(StorageUnavailable, match="unreachable"):
            Store.open(url, spool_path=spool_path)
        cluster.start()
        reopened = Store.open(url, spool_path=spool_path)
        reopened.start_run("killed", "shop-login", "sim-1", T0 + timedelta(hours=1), 1, None, "r")
        assert reopened.close_aborted_runs() == 1
        assert {r.run_id: (r.status, r.category) for r in reopened.runs()}["killed"] == (
            "error", "aborted")
        assert len(reopened.runs()) == 31
        reopened.close()
    finally:
        cluster.destroy()


@pytest.mark.postgres
def test_results_spooled_by_a_dead_robot_are_replayed_at_its_next_start(tmp_path: Path) -> None:
    cluster = PostgresCluster()
    try:
        cluster.start()
        url = cluster.url(cluster.create_database())
        spool_path = tmp_path / "spool.jsonl"
        store = Store.open(url, spool_path=spool_path)
        store.start_run("r1", "shop-login", "sim-1", T0, 1, None, "robot-1")
        cluster.stop("immediate")
        assert store.record_run(result(run_id="r1", scheduled_at=T0)) is Recorded.SPOOLED
        store.close()  # the robot dies here, its result only in the spool
        cluster.start()
        restarted = Store.open(url, spool_path=spool_path)  # replays the spool on open
        assert restarted.close_aborted_runs() == 0  # r1 got its real result first
        (run,) = restarted.runs()
        assert (run.run_id, run.status, run.is_open) == ("r1", "passed", False)
        restarted.close()
    finally:
        cluster.destroy()


def test_a_heartbeat_replays_the_spool_without_waiting_for_a_run(store: Store) -> None:
    beat = store.heartbeat_start("robot-1", 1, "0.1.0")
    waiting = result(transactions=(tx("Login", 123.0),))
    store.spool.append(entry_to_dict(waiting, JourneyInfo(key=waiting.journey)))
    assert store.runs() == []
    store.heartbeat(beat)
    assert [r.run_id for r in store.runs()] == [waiting.run_id]
    assert not store.spool.has_entries()
