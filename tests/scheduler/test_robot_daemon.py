"""The loop with APScheduler and a real SQLite store, a fake robot and second-long intervals:
every slot stored exactly once, no overlap on a device, restart recovery, graceful stop."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from journeys.results import RunResult, Status
from robots.devices import DeviceSpec
from scheduler.catalog import Catalog
from scheduler.daemon import Options, Robot
from scheduler.pool import DevicePool
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner, slot_run_id
from scheduler.triggers import trigger_for
from storage import Store
from tests.scheduler.helpers import journey, result, sim


class SlowRobot:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.calls = 0

    def __call__(self, j: Any, device: DeviceSpec, **_kw: Any) -> RunResult:
        with self.lock:
            self.calls += 1
        started = datetime.now(UTC)
        time.sleep(self.seconds)
        return replace(result(j, device, Status.PASSED, at=started), ended_at=datetime.now(UTC))


def make_robot(store: Store, journeys: list[Any], devices: list[DeviceSpec], run: Any,
               every_ms: int, grace_s: float = 5.0, problems: tuple[Any, ...] = ()) -> Robot:
    pool = DevicePool(devices)
    recorder = StoreRecorder(store)
    catalog = Catalog([Path("/nonexistent")], loader=lambda _p: (list(journeys), list(problems)))
    runner = RoundRunner(journeys=catalog.get, pool=pool, recorder=recorder, run=run,
                         artifacts_dir=Path("/tmp"), environ={},
                         lease_wait_s=lambda j: every_ms / 1000)
    return Robot(catalog=catalog, runner=runner, recorder=recorder,
                 options=Options(every_override_ms=every_ms, grace_s=grace_s,
                                 heartbeat_s=0.5, reload_s=60))


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    yield s
    s.close()


def test_three_journeys_on_two_devices_every_slot_once_and_no_overlap(store: Store) -> None:
    journeys = [journey(j, every_ms=60_000) for j in ("a", "b", "c")]
    robot = make_robot(store, journeys, [sim("d1"), sim("d2")], SlowRobot(0.25), every_ms=1000)
    # Each journey has its own phase in the second: a slot that comes while its catch-up
    # round still runs is skipped (APScheduler's rule), so slots are owed from 1 s on.
    started = datetime.now(UTC)
    robot.start()
    time.sleep(5.2)
    stopped = datetime.now(UTC)
    robot.request_stop("test")
    robot.shutdown()
    runs = store.runs(include_open=True)
    assert not [r for r in runs if r.is_open]
    slots = Counter((r.journey, r.scheduled_at, r.attempt) for r in runs)
    assert max(slots.values()) == 1
    for j in journeys:
        trigger = trigger_for(j.monitor, every_override_ms=1000)
        owed = trigger.last_fire_time(started, None)
        expected = [owed, *trigger.fire_times(started, stopped)]
        got = sorted(r.scheduled_at for r in runs if r.journey == j.id)
        assert set(got) <= set(expected)
        # Every slot ran, save perhaps the very last one (it fired as the robot stopped).
        owed_from = trigger.fire_times(started + timedelta(seconds=1), stopped)
        assert set(owed_from[:-1]) <= set(got), (j.id, expected, got)
        assert all(r.status == "passed" for r in runs if r.journey == j.id)
    for device in ("d1", "d2"):
        spans = sorted((r.started_at, r.ended_at) for r in runs if r.device == device)
        assert spans, f"{device} never used: the pool should spread the journeys"
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert e1 <= s2, f"two runs overlap on {device}"
    beats = store.heartbeats()
    assert beats and beats[-1].stopped_at is not None


def test_restart_closes_the_open_run_and_runs_only_the_owed_slot(store: Store) -> None:
    j = journey("a", every_ms=60_000)
    trigger = trigger_for(j.monitor, every_override_ms=2000)
    # Begin 0.3 s after a slot (the journey's phase places it), so no slot passes between
    # the test's clock and the robot's start.
    now = datetime.now(UTC)
    nxt = trigger.next_slot(now)
    assert nxt is not None
    time.sleep((nxt - now).total_seconds() + 0.3)
    now = datetime.now(UTC)
    killed_slot = trigger.last_fire_time(now - timedelta(seconds=5), None)
    assert killed_slot is not None
    # A robot killed mid-run left this run open.
    store.start_run(slot_run_id("a", killed_slot, 1), "a", "d1", killed_slot, 1, None,
                    StoreRecorder(store).host, journey=j)
    robot = make_robot(store, [j], [sim("d1")], SlowRobot(0.05), every_ms=2000)
    started = datetime.now(UTC)
    owed = trigger.last_fire_time(started, killed_slot)
    assert owed is not None and owed >= killed_slot + timedelta(seconds=4)
    robot.start()
    time.sleep(0.8)
    robot.request_stop("test")
    robot.shutdown()
    runs = store.runs(include_open=True)
    by_slot = {r.scheduled_at: r for r in runs}
    assert by_slot[killed_slot].status == "error" and by_slot[killed_slot].category == "aborted"
    assert not [r for r in runs if r.is_open]
    # Only the latest missed slot ran (coalesced); the older missed one is past the grace.
    assert owed in by_slot, (owed, killed_slot, started, sorted(by_slot))
    assert by_slot[owed].status == "passed"
    missed = killed_slot + timedelta(seconds=2)
    assert missed < owed and missed not in by_slot
    assert all(r.scheduled_at >= started for r in runs if r.scheduled_at not in (
        killed_slot, owed))


def test_graceful_stop_aborts_runs_past_the_grace(store: Store) -> None:
    j = journey("slow", every_ms=60_000)
    j = replace(j, monitor=replace(j.monitor, timeout_ms=5_000))
    # a first-ever start runs the current slot at once, unless the next slot is sooner than
    # a round could end (its timeout): then wait for that slot to pass first
    now = datetime.now(UTC)
    upcoming = trigger_for(j.monitor, every_override_ms=60_000).next_slot(now)
    assert upcoming is not None
    if upcoming - now < timedelta(seconds=6):
        time.sleep((upcoming - now).total_seconds() + 0.2)
    robot = make_robot(store, [j], [sim("d1")], SlowRobot(3.0), every_ms=60_000, grace_s=0.5)
    robot.start()
    deadline = time.monotonic() + 3
    while not robot.runner.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert robot.runner.running()
    robot.request_stop("SIGTERM")
    started = time.monotonic()
    aborted = robot.shutdown()
    assert time.monotonic() - started < 2
    assert [r.category for r in aborted] == ["aborted"]
    [run] = store.runs(include_open=True)
    assert run.status == "error" and run.category == "aborted" and not run.is_open
    assert "SIGTERM" in (run.error or "")
    time.sleep(3)  # the robot's late answer must not overwrite the record
    [run] = store.runs(include_open=True)
    assert run.category == "aborted"


def test_once_runs_each_journey_and_reports_failure_in_the_exit_code(store: Store) -> None:
    from scheduler.daemon import exit_code

    class Flaky(SlowRobot):
        def __call__(self, j: Any, device: DeviceSpec, **kw: Any) -> RunResult:
            base = super().__call__(j, device, **kw)
            if j.id == "bad":
                return replace(base, status=Status.FAILED)
            return base

    journeys = [journey("good"), journey("bad", retries=1)]
    robot = make_robot(store, journeys, [sim("d1"), sim("d2")], Flaky(0.05), every_ms=60_000)
    results = robot.run_once()
    assert sorted((r.journey, r.attempt) for r in results) == [
        ("bad", 1), ("bad", 2), ("good", 1)]
    assert exit_code(results) == 1
    assert exit_code([r for r in results if r.journey == "good"]) == 0
    assert len(store.runs()) == 3


def test_once_exits_2_when_a_journey_file_is_bad_or_there_is_none(store: Store) -> None:
    """A cron job or CI step must not report success while a journey was not checked."""
    from journeys.errors import Problem
    from journeys.model import Position
    from scheduler.daemon import exit_code

    bad = Problem(Position("/j/bad.yaml", 3, 10), "monitor.every: '5 minutes' is not a duration")
    robot = make_robot(store, [journey("good")], [sim("d1")], SlowRobot(0.01), every_ms=60_000,
                       problems=(bad,))
    results = robot.run_once()
    assert [r.journey for r in results] == ["good"]  # the good journey still runs
    assert robot.load_failed and exit_code(results, robot.load_failed) == 2

    empty = make_robot(store, [], [sim("d1")], SlowRobot(0.01), every_ms=60_000)
    assert empty.run_once() == [] and empty.load_failed
    assert exit_code([], empty.load_failed) == 2

    fine = make_robot(store, [journey("ok")], [sim("d1")], SlowRobot(0.01), every_ms=60_000)
    assert exit_code(fine.run_once(), fine.load_failed) == 0


def test_start_closes_runs_of_dead_robots_but_not_of_live_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    old = Store.open(url, clock=lambda: long_ago)
    old.heartbeat_start("old-container", 1, "ronde")
    old.close()
    store = Store.open(url)
    store.heartbeat_start("live-robot", 2, "ronde")
    j, k = journey("a"), journey("b")
    store.start_run("dead-run", "a", "d1", long_ago, 1, None, "old-container", journey=j)
    store.start_run("live-run", "b", "d2", datetime.now(UTC), 1, None, "live-robot", journey=k)
    robot = make_robot(store, [], [sim("d1")], SlowRobot(0.01), every_ms=60_000)
    robot.start()
    robot.request_stop("test")
    robot.shutdown()
    runs = {r.run_id: r for r in store.runs(include_open=True)}
    store.close()
    assert runs["dead-run"].category == "aborted" and not runs["dead-run"].is_open
    assert runs["live-run"].is_open


def test_a_catch_up_the_next_slot_would_overrun_is_left_to_that_slot() -> None:
    from scheduler.daemon import _next_slot_stands_in

    j = replace(journey("a", every_ms=60_000), monitor=replace(
        journey("a").monitor, timeout_ms=20_000))
    trigger = trigger_for(j.monitor)
    slot = trigger.next_slot(datetime.now(UTC))
    assert slot is not None
    # the catch-up would still run (timeout 20 s) when the next slot fires: skipped
    assert _next_slot_stands_in(trigger, j, slot - timedelta(seconds=5))
    # time enough for a round before the next slot: caught up
    assert not _next_slot_stands_in(trigger, j, slot - timedelta(seconds=25))
    # never more than half an interval, whatever the timeout
    long = replace(j, monitor=replace(j.monitor, timeout_ms=600_000))
    assert _next_slot_stands_in(trigger, long, slot - timedelta(seconds=29))
    assert not _next_slot_stands_in(trigger, long, slot - timedelta(seconds=31))
