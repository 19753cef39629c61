"""Recording runs on both backends: everything kept, nothing duplicated, aborted runs closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from journeys.model import Journey, Monitor, Platform
from journeys.results import Artifact, Status, StepResult
from storage import DuplicateRun, Recorded, StorageError, Store
from tests.storage.builders import T0, result, tx


def full_result(**overrides: object) -> object:
    return result(
        status="failed", category="authentication", error="login refused",
        transactions=(tx("Launch", 812.5, load=True),
                      tx("Login", None, "failed", category="authentication")),
        steps=(
            StepResult(index=0, command="launchApp", description="launchApp", status=Status.PASSED,
                       started_ms=0.0, duration_ms=812.5, line=3, file="shop.yaml"),
            StepResult(index=1, command="tapOn", description='tapOn "Valider"',
                       status=Status.FAILED, started_ms=900.0, duration_ms=15000.0,
                       error="welcome_banner never visible", line=9, file="shop.yaml"),
        ),
        artifacts=(Artifact("screenshot", "r1/failure.png", "ab" * 32, 1234),),
        load_ms=812.5, navigation_timing={"domContentLoaded": 300.0, "load": 650.0},
        **overrides,
    )


def test_a_run_is_stored_whole(store: Store) -> None:
    run = full_result()
    assert store.record_run(run) is Recorded.INSERTED
    detail = store.get_run(run.run_id)
    assert detail is not None
    record = detail.run
    assert (record.journey, record.device, record.status, record.category) == (
        "shop-login", "sim-1", "failed", "authentication")
    assert record.started_at == T0 and record.started_at.tzinfo is not None
    assert record.ended_at == T0 + timedelta(seconds=10)
    assert (record.app_version, record.os_version, record.robot_host, record.journey_hash) == (
        "1.0.0", "14", "robot-1", "h1")
    assert record.load_ms == 812.5 and record.round_id == run.run_id and not record.is_open
    assert [(t.name, t.status, t.response_ms, t.is_load) for t in record.transactions] == [
        ("Launch", "passed", 812.5, True), ("Login", "failed", None, False)]
    assert [(s.position, s.command, s.status, s.line) for s in detail.steps] == [
        (0, "launchApp", "passed", 3), (1, "tapOn", "failed", 9)]
    assert detail.steps[1].error == "welcome_banner never visible"
    assert detail.measurements == {"load": 812.5, "nav.domContentLoaded": 300.0, "nav.load": 650.0}
    assert [(a.kind, a.path, a.size) for a in detail.artifacts] == [
        ("screenshot", "r1/failure.png", 1234)]


def test_recording_twice_does_not_duplicate(store: Store) -> None:
    run = full_result()
    assert store.record_run(run) is Recorded.INSERTED
    assert store.record_run(run) is Recorded.DUPLICATE
    runs = store.runs()
    assert len(runs) == 1 and len(runs[0].transactions) == 2
    assert len(store.get_run(run.run_id).steps) == 2  # type: ignore[union-attr]


def test_an_open_run_is_completed_by_its_result(store: Store) -> None:
    slot = T0.replace(minute=5)
    assert store.start_run("run-a", "shop-login", "sim-1", slot, 1, None, "robot-1") is True
    assert store.start_run("run-a", "shop-login", "sim-1", slot, 1, None, "robot-1") is False
    assert store.runs() == []
    (open_run,) = store.runs(include_open=True)
    assert open_run.is_open and open_run.status is None and open_run.scheduled_at == slot
    done = result(run_id="run-a", scheduled_at=slot, transactions=(tx("Login", 700.0),))
    assert store.record_run(done) is Recorded.COMPLETED
    (run,) = store.runs(include_open=True)
    assert (run.status, run.is_open, run.transactions[0].response_ms) == ("passed", False, 700.0)


def test_a_slot_is_run_once(store: Store) -> None:
    slot = T0.replace(minute=10)
    store.start_run("run-a", "shop-login", "sim-1", slot, 1, None, "robot-1")
    with pytest.raises(DuplicateRun, match="shop-login"):
        store.start_run("run-b", "shop-login", "sim-2", slot, 1, None, "robot-2")
    # another attempt, or another journey, in the same slot is fine
    assert store.start_run("run-c", "shop-login", "sim-2", slot, 2, "run-a", "robot-1")
    assert store.start_run("run-d", "shop-search", "sim-2", slot, 1, None, "robot-1")
    with pytest.raises(DuplicateRun):
        store.record_run(result(run_id="run-e", scheduled_at=slot))
    assert store.spool.rejected_path.exists()  # the refused result is kept, not lost


def test_aborted_runs_are_closed_then_completed_by_a_late_result(store_url: str,
                                                                tmp_path: Path) -> None:
    clock = [T0]
    store = Store.open(store_url, spool_path=tmp_path / "s.jsonl", clock=lambda: clock[0])
    try:
        store.start_run("run-a", "shop-login", "sim-1", T0, 1, None, "robot-1")
        store.start_run("run-b", "shop-login", "sim-2", T0, 2, "run-a", "robot-2")
        now = clock[0] = T0 + timedelta(minutes=3)
        assert store.close_aborted_runs(host="robot-1") == 1
        assert store.close_aborted_runs() == 1
        assert store.close_aborted_runs() == 0
        runs = {r.run_id: r for r in store.runs()}
        assert {r.status for r in runs.values()} == {"error"}
        assert {r.category for r in runs.values()} == {"aborted"}
        assert runs["run-a"].ended_at == now and runs["run-a"].duration_ms == 180_000
        # the real result, replayed from a spool after the restart, wins over "aborted"
        assert store.record_run(result(run_id="run-a", scheduled_at=T0)) is Recorded.COMPLETED
        assert {r.run_id: r.status for r in store.runs()} == {"run-a": "passed", "run-b": "error"}
    finally:
        store.close()


def test_confirmations_join_the_round_of_the_first_attempt(store: Store) -> None:
    first = result(status="failed", category="display", run_id="r1")
    second = result(status="error", category="session", attempt=2, confirms="r1", run_id="r2",
                    at=T0 + timedelta(seconds=20))
    third = result(status="passed", attempt=3, confirms="r2", run_id="r3", device="sim-2",
                   at=T0 + timedelta(seconds=40))
    for run in (first, second, third):
        store.record_run(run)
    runs = store.runs()
    assert [(r.run_id, r.round_id, r.attempt, r.confirms) for r in runs] == [
        ("r1", "r1", 1, None), ("r2", "r1", 2, "r1"), ("r3", "r1", 3, "r2")]


def test_runs_are_filtered_and_latest_runs_is_per_journey(store: Store) -> None:
    for minutes, journey, device, status in [
        (0, "shop-login", "sim-1", "passed"), (5, "shop-login", "sim-2", "failed"),
        (10, "shop-login", "sim-1", "degraded"), (3, "shop-search", "sim-2", "passed"),
        (8, "shop-search", "sim-2", "error"),
    ]:
        store.record_run(result(journey, status, device=device, at=T0 + timedelta(minutes=minutes)))
    assert [r.status for r in store.runs("shop-login")] == ["passed", "failed", "degraded"]
    window = store.runs(since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=10))
    assert [(r.journey, r.status) for r in window] == [
        ("shop-search", "passed"), ("shop-login", "failed"), ("shop-search", "error")]
    assert [r.status for r in store.runs(device="sim-2")] == ["passed", "failed", "error"]
    assert [r.status for r in store.runs(limit=2)] == ["error", "degraded"]
    latest = store.latest_runs()
    assert [(r.journey, r.status) for r in latest] == [
        ("shop-login", "degraded"), ("shop-search", "error")]


def test_times_come_back_utc_whatever_the_zone_given(store: Store) -> None:
    paris = datetime(2026, 3, 2, 9, 30, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Paris"))
    store.record_run(result(at=paris))
    (run,) = store.runs()
    assert run.started_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert run.started_at.utcoffset() == timedelta(0)
    with pytest.raises(StorageError, match="naive"):
        store.record_run(result(at=datetime(2026, 3, 2, 9, 30), run_id="naive-run"))
    assert "naive-run" in store.spool.rejected_path.read_text()  # refused, yet not lost


def test_secrets_never_reach_the_database(store_url: str, tmp_path: Path) -> None:
    environ = {"SHOP_PASSWORD": "demo-secret", "SHOP_USER": "qa@example.com"}
    store = Store.open(store_url, spool_path=tmp_path / "s.jsonl", environ=environ)
    journey = Journey(
        path=Path("shop.yaml"), commands=(), name="Login",
        monitor=Monitor(id="shop-login", platform=Platform.ANDROID, secrets=("SHOP_PASSWORD",)),
        env=(("SHOP_USER", "qa@example.com"),), definition_hash="abc",
    )
    leaked = result(
        error="typed demo-secret into password", transactions=(tx("Login demo-secret", 10.0),),
        steps=(StepResult(index=0, command="inputText", description="inputText demo-secret",
                          status=Status.FAILED, started_ms=0, duration_ms=1,
                          error="field kept demo-secret"),),
    )
    try:
        store.record_run(leaked, journey)
        incident = store.open_incident("k", kind="app", rule="r", journey="shop-login",
                                       diagnosis="password demo-secret refused")
        store.record_notification(incident.id, "sre-slack", "firing", False,
                                  error="POST https://user:tok3n@hooks.example/x failed")
        detail = store.get_run(leaked.run_id)
        assert detail is not None
        texts = [detail.run.error, detail.run.transactions[0].name, detail.steps[0].description,
                 detail.steps[0].error, store.get_incident(incident.id).diagnosis,  # type: ignore[union-attr]
                 store.notifications()[0].error]
        assert all("demo-secret" not in (t or "") and "tok3n" not in (t or "") for t in texts)
        assert detail.run.error == "typed ••• into password"
        assert store.notifications()[0].error == "POST https://•••@hooks.example/x failed"
    finally:
        store.close()
    with store.db.engine.connect() as conn:  # and no table holds the env values either
        for table in store.db.engine.dialect.get_table_names(conn):
            rows = conn.exec_driver_sql(f'SELECT * FROM "{table}"').all()
            assert "demo-secret" not in repr(rows) and "qa@example.com" not in repr(rows)


def test_heartbeats(store_url: str, tmp_path: Path) -> None:
    now = [datetime(2026, 3, 2, 8, 0, tzinfo=UTC)]
    store = Store.open(store_url, spool_path=tmp_path / "s.jsonl", clock=lambda: now[0])
    try:
        first = store.heartbeat_start("robot-1", 100, "0.1.0")
        second = store.heartbeat_start("robot-2", 200, "0.1.0")
        now[0] += timedelta(minutes=5)
        store.heartbeat(first)
        store.heartbeat_stop(second)
        beats = {b.host: b for b in store.heartbeats()}
        assert beats["robot-1"].last_beat_at == now[0] and beats["robot-1"].pid == 100
        assert beats["robot-2"].stopped_at == now[0]
        now[0] += timedelta(minutes=2)
        assert [b.host for b in store.heartbeats(alive_within=timedelta(minutes=3))] == ["robot-1"]
        assert store.heartbeats(alive_within=timedelta(minutes=1)) == []
    finally:
        store.close()


def test_two_robots_writing_at_once_lose_nothing(store_url: str, tmp_path: Path) -> None:
    """Two stores (two robot processes) and two threads each, on new journeys and devices at
    the same moment: every result lands once, none goes to the spool."""
    import threading

    stores = [Store.open(store_url, spool_path=tmp_path / f"s{i}.jsonl") for i in range(2)]
    batches = [[result(f"journey-{i % 3}", device=f"sim-{i % 4}",
                       at=T0 + timedelta(seconds=i), transactions=(tx("Login", float(i)),))
                for i in range(k, 80, 4)] for k in range(4)]
    barrier = threading.Barrier(4)
    outcomes: list[Recorded] = []

    def work(store: Store, batch: list) -> None:
        barrier.wait()
        outcomes.extend(store.record_run(r) for r in batch)

    threads = [threading.Thread(target=work, args=(stores[k % 2], batches[k])) for k in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert outcomes.count(Recorded.INSERTED) == 80
        runs = stores[0].runs()
        assert sorted(r.transactions[0].response_ms for r in runs) == [float(i) for i in range(80)]
        assert not any(s.spool.has_entries() for s in stores)
    finally:
        for store in stores:
            store.close()


def test_each_definition_version_is_kept_once(store: Store) -> None:
    from dataclasses import replace

    from sqlalchemy import func, select

    from storage.models import JourneyVersionRow

    first = result(at=T0)
    store.record_run(first)
    store.record_run(result(at=T0 + timedelta(minutes=5)))
    store.record_run(replace(result(at=T0 + timedelta(minutes=10)), journey_hash="h2"))
    assert [r.journey_hash for r in store.runs()] == ["h1", "h1", "h2"]
    with store.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(JourneyVersionRow)).scalar() == 2


def test_an_in_memory_database_works_for_quick_scripts(tmp_path: Path) -> None:
    with Store.open("sqlite://", spool_path=tmp_path / "s.jsonl") as store:
        store.record_run(result())
        assert len(store.runs()) == 1


def test_recent_runs_per_journey_are_the_latest_finished_ones_oldest_first(store: Store) -> None:
    """The overview's strips: per journey its latest N finished runs (open ones left out),
    oldest first, runs sharing a start ordered by when they were stored, on both backends
    (PostgreSQL reads them through LATERAL, SQLite from per-journey cutoffs)."""
    order: dict[str, list[str]] = {}
    for k in range(9):
        for journey in ("shop-login", "shop-search"):
            at = T0 + timedelta(minutes=5 * (k - k % 2))  # pairs share their start: ties
            failed = k == 3 or (k == 8 and journey == "shop-search")
            r = result(journey, "failed" if failed else "passed", at=at,
                       category="backend" if failed else None,
                       device="sim-2" if k % 3 else "sim-1")
            store.record_run(r)
            order.setdefault(journey, []).append(r.run_id)
    store.start_run("still-open", "shop-login", "sim-1", T0 + timedelta(hours=1), host="r")
    store.record_run(result("shop-cart", at=T0))
    strips = store.recent_runs_per_journey(4)
    assert {k: [b.run_id for b in v] for k, v in strips.items()} == {
        "shop-login": order["shop-login"][-4:], "shop-search": order["shop-search"][-4:],
        "shop-cart": [strips["shop-cart"][0].run_id]}
    first = strips["shop-login"][0]
    assert (first.status, first.attempt, first.device, first.started_at) == (
        "passed", 1, "sim-2", T0 + timedelta(minutes=20))
    # a strip ends with its journey's latest finished run: the overview's "last run"
    latest = {r.journey: r for r in store.latest_runs(with_transactions=False)}
    assert {k: v[-1] for k, v in strips.items()} == {
        k: (r.run_id, r.status, r.started_at, r.attempt, r.device, r.category)
        for k, r in latest.items()}
    assert strips["shop-search"][-1].category == "backend"
    assert strips["shop-login"][-1].category is None
    assert store.recent_runs_per_journey(1) == {k: v[-1:] for k, v in strips.items()}
