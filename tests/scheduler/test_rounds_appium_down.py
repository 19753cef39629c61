"""Rounds while Ronde's own Appium server is down: the robot's `error`, never the app's failure,
and no quarantine of devices that did nothing wrong."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from journeys.results import Category, Status
from tests.scheduler.helpers import T0, journey, sim
from tests.scheduler.test_round_runner import FakeRobot, runner

SLOT = T0 + timedelta(minutes=5)


class FakeServer:
    """A ServerHealth whose outage the test sets; `die_during_run` kills it mid-run."""

    def __init__(self) -> None:
        self.down: str | None = None
        self.epochs = 0
        self.probes = 0

    def outage(self, *, probe: bool = False) -> str | None:
        self.probes += probe
        return self.down

    def epoch(self) -> int:
        return self.epochs


class DyingRobot(FakeRobot):
    def __init__(self, server: FakeServer, status: Status, category: Category | None) -> None:
        super().__init__({"a": (status, category)})
        self.server = server

    def __call__(self, j: Any, device: Any, **kw: Any) -> Any:
        self.server.epochs += 1  # went down and came back while the journey ran
        return super().__call__(j, device, **kw)


def test_while_down_no_session_is_tried_and_the_device_is_not_quarantined() -> None:
    server, robot = FakeServer(), FakeRobot({})
    server.down = "Ronde's Appium server is down (the Appium server exited); restarting it"
    rr, recorder = runner([sim("a")], robot, [journey("home", retries=1)],
                          lease_wait_s=lambda j: 0.1, server_health=lambda d: server)
    results = [r for k in range(3) for r in rr.run_round("home", SLOT + timedelta(minutes=k))]
    assert [(r.status, r.category) for r in results] == [(Status.ERROR, Category.APPIUM_DOWN)] * 3
    assert results[0].error == server.down and results[0].device == "a"
    assert robot.calls == [] and len(recorder.results) == 3
    assert rr.pool.states()[0].quarantined_for_s is None  # a session error would quarantine it
    server.down = None
    assert [r.status for r in rr.run_round("home", SLOT + timedelta(minutes=9))] == [
        Status.PASSED]


def test_a_failure_while_the_server_died_is_the_robots_error() -> None:
    server = FakeServer()
    robot = DyingRobot(server, Status.FAILED, Category.NETWORK)
    rr, _ = runner([sim("a")], robot, [journey("home", retries=0)],
                   lease_wait_s=lambda j: 0.1, server_health=lambda d: server)
    (run,) = rr.run_round("home", SLOT)
    assert (run.status, run.category) == (Status.ERROR, Category.APPIUM_DOWN)
    assert "came back during the run" in (run.error or "")


def test_failures_on_a_healthy_server_stay_the_apps_after_a_probe() -> None:
    server = FakeServer()
    robot = FakeRobot({"a": (Status.FAILED, Category.DISPLAY)})
    rr, _ = runner([sim("a")], robot, [journey("home", retries=0)],
                   lease_wait_s=lambda j: 0.1, server_health=lambda d: server)
    (run,) = rr.run_round("home", SLOT)
    assert (run.status, run.category) == (Status.FAILED, Category.DISPLAY)
    assert server.probes == 1  # a failed run makes the server be looked at closely
    # devices Ronde does not run the server of are not asked about
    rr2, _ = runner([sim("a")], robot, [journey("home", retries=0)],
                    lease_wait_s=lambda j: 0.1, server_health=lambda d: None)
    assert rr2.run_round("home", SLOT)[0].status is Status.FAILED
