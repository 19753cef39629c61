"""One round: lease, run, confirm a failure on another device, record, alert, skip, abort."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from journeys.results import Category, RunResult, Status
from robots.devices import DeviceSpec
from ronde.config import MaintenanceWindow
from scheduler.events import Kind
from scheduler.pool import DevicePool
from scheduler.rounds import RoundRunner, slot_run_id
from tests.scheduler.helpers import T0, MemoryRecorder, journey, result, sim

SLOT = T0 + timedelta(minutes=5)


class FakeRobot:
    """Answers with a status per device name; remembers every call."""

    def __init__(self, outcomes: dict[str, tuple[Status, Category | None]],
                 delay_s: float = 0.0) -> None:
        self.outcomes = outcomes
        self.delay_s = delay_s
        self.calls: list[dict[str, Any]] = []

    def __call__(self, j: Any, device: DeviceSpec, **kw: Any) -> RunResult:
        self.calls.append({"journey": j.id, "device": device.name, **kw})
        if self.delay_s:
            time.sleep(self.delay_s)
        status, category = self.outcomes.get(device.name, (Status.PASSED, None))
        return result(j, device, status, category, at=datetime.now(UTC))


def runner(devices: list[DeviceSpec], robot: Any, journeys: list[Any], **kw: Any
           ) -> tuple[RoundRunner, MemoryRecorder]:
    recorder = MemoryRecorder()
    by_id = {j.id: j for j in journeys}
    rr = RoundRunner(journeys=by_id.get, pool=DevicePool(devices), recorder=recorder,
                     run=robot, artifacts_dir=Path("/tmp/artifacts"),
                     appium_url=lambda d: "http://127.0.0.1:4723", environ={}, **kw)
    return rr, recorder


def test_a_passed_round_is_one_stored_run_with_its_slot_identity() -> None:
    j = journey("shop-login")
    robot = FakeRobot({})
    rr, recorder = runner([sim("a")], robot, [j], lease_wait_s=lambda j: 0.1)
    results = rr.run_round("shop-login", SLOT)
    assert [r.status for r in results] == [Status.PASSED]
    run = results[0]
    assert run.run_id == slot_run_id("shop-login", SLOT, 1) != "robot-made-id"
    assert run.scheduled_at == SLOT and run.attempt == 1 and run.confirms is None
    assert recorder.results == {run.run_id: run} and recorder.opened == {}
    assert robot.calls[0]["appium_url"] == "http://127.0.0.1:4723"
    assert robot.calls[0]["scheduled_at"] == SLOT
    # The same slot again (e.g. replayed after a restart) is not run twice.
    assert rr.run_round("shop-login", SLOT) == []
    assert len(robot.calls) == 1


def test_a_failure_is_confirmed_at_once_on_the_other_device_and_linked() -> None:
    j = journey("shop-login", retries=1)
    robot = FakeRobot({"a": (Status.FAILED, Category.AUTHENTICATION),
                       "b": (Status.FAILED, Category.AUTHENTICATION)})
    rr, recorder = runner([sim("a"), sim("b")], robot, [j], lease_wait_s=lambda j: 0.1)
    alerted: list[RunResult] = []
    rr._after_run = alerted.append
    first, confirmation = rr.run_round("shop-login", SLOT)
    assert (first.device, confirmation.device) == ("a", "b")
    assert (first.attempt, confirmation.attempt) == (1, 2)
    assert confirmation.confirms == first.run_id and first.confirms is None
    assert set(recorder.results) == {first.run_id, confirmation.run_id}
    assert [r.run_id for r in alerted] == [first.run_id, confirmation.run_id]


def test_a_confirmation_that_passes_ends_the_round_and_retries_zero_means_no_retry() -> None:
    robot = FakeRobot({"a": (Status.FAILED, Category.DISPLAY)})
    j = journey("j", retries=2)
    rr, _recorder = runner([sim("a"), sim("b")], robot, [j, journey("k", retries=0)],
                          lease_wait_s=lambda j: 0.1)
    assert [r.status for r in rr.run_round("j", SLOT)] == [Status.FAILED, Status.PASSED]
    # k: no confirmation; a was used least recently, then b.
    assert [(r.status, r.device) for r in rr.run_round("k", SLOT)] == [(Status.FAILED, "a")]
    assert [r.status for r in rr.run_round("k", SLOT + timedelta(minutes=1))] == [
        Status.PASSED]


def test_no_free_device_is_an_error_run_not_a_failure() -> None:
    j, k = journey("j"), journey("k")
    robot = FakeRobot({}, delay_s=0.6)
    rr, recorder = runner([sim("a")], robot, [j, k], lease_wait_s=lambda j: 0.1)
    busy = threading.Thread(target=rr.run_round, args=("j", SLOT))
    busy.start()
    time.sleep(0.2)
    [blocked] = rr.run_round("k", SLOT)
    busy.join()
    assert blocked.status == Status.ERROR and blocked.category == Category.NO_DEVICE
    assert blocked.device == "" and "a busy with j" in (blocked.error or "")
    assert blocked.run_id in recorder.results


def test_maintenance_skips_without_storing_and_device_windows_move_the_run() -> None:
    j = journey("shop-pay", tags=("checkout",))
    whole = MaintenanceWindow("deploy", start=T0, end=T0 + timedelta(hours=1),
                              journeys=("tag:checkout",))
    robot = FakeRobot({})
    fixed_clock = lambda: T0 + timedelta(minutes=10)  # noqa: E731
    rr, recorder = runner([sim("a"), sim("b")], robot, [j], maintenance=[whole],
                          clock=fixed_clock, lease_wait_s=lambda j: 0.1)
    skipped = []
    rr.bus.subscribe(lambda e: skipped.append(e) if e.kind == Kind.SKIPPED else None)
    assert rr.run_round("shop-pay", SLOT) == []
    assert recorder.results == {} and robot.calls == []
    assert "deploy" in skipped[0].message
    rr.maintenance = [MaintenanceWindow("a-down", start=T0, end=T0 + timedelta(hours=1),
                                        devices=("a",))]
    [moved] = rr.run_round("shop-pay", SLOT)
    assert moved.device == "b"
    rr.maintenance.append(MaintenanceWindow("b-down", start=T0, end=T0 + timedelta(hours=1),
                                            devices=("b",)))
    assert rr.run_round("shop-pay", SLOT + timedelta(minutes=1)) == []
    assert len(recorder.results) == 1


def test_a_robot_bug_or_a_broken_alert_path_never_stops_the_rounds() -> None:
    def broken(*_a: Any, **_k: Any) -> RunResult:
        raise RuntimeError("boom")

    rr, _recorder = runner([sim("a")], broken, [journey("j")], lease_wait_s=lambda j: 0.1)

    def bad_alerts(_r: RunResult) -> None:
        raise ValueError("alerts down")

    rr._after_run = bad_alerts
    [run] = rr.run_round("j", SLOT)
    assert run.status == Status.ERROR and run.category == Category.ROBOT
    assert "boom" in (run.error or "")
    assert not rr.pool.quarantined("a")
    assert rr.pool.lease("x", (), "android", timeout_s=0).lease is not None  # released


def test_abort_running_records_runs_still_in_flight() -> None:
    robot = FakeRobot({}, delay_s=1.0)
    rr, recorder = runner([sim("a")], robot, [journey("j")], lease_wait_s=lambda j: 0.1)
    worker = threading.Thread(target=rr.run_round, args=("j", SLOT))
    worker.start()
    deadline = time.monotonic() + 2
    while not rr.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    [aborted] = rr.abort_running("robot stopped (SIGTERM)")
    assert aborted.status == Status.ERROR and aborted.category == Category.ABORTED
    worker.join()
    # The robot's late answer does not overwrite the aborted record.
    assert recorder.results[aborted.run_id].category == Category.ABORTED
