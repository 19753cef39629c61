"""Appium's death under a real `ronde start`, and Ronde's death around a real Appium: the robot
restarts a killed Appium with one robot incident and no app incident; a killed `ronde start` or
a stopped `ronde run` leaves no node process and no private folder behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Store
from tests.reliability.processes import (
    alive,
    descendants,
    leftovers,
    log_events,
    node_processes,
    ronde,
    wait_for,
    write_sim_config,
)
from tests.scheduler.journeys_for_tests import write_journeys

pytestmark = pytest.mark.appium

EVERY_S = 3

SLOW = """appId: com.ronde.demo.shop
monitor:
  id: slow
---
- launchApp
- extendedWaitUntil:
    visible: "Never on screen"
    timeout: 30000
"""


def start_robot(tmp_path: Path, devices: tuple[str, ...]) -> tuple[subprocess.Popen[bytes], Path]:
    folder = write_journeys(tmp_path / "journeys", "rel", names=("home", "catalogue"))
    config = write_sim_config(tmp_path, devices, "rel")
    robot = ronde(["start", str(folder), "--config", str(config), "--every", f"{EVERY_S}s",
                   "--no-live", "--log-file", str(tmp_path / "ronde.log"), "--dashboard", "off",
                   "--heartbeat", "1", "--grace", "10"], tmp_path / "tmp", tmp_path)
    return robot, tmp_path / "tmp"


def appium_of(pid: int) -> list[int]:
    return node_processes(descendants(pid))


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_a_killed_appium_is_restarted_with_one_robot_incident(tmp_path: Path) -> None:
    robot, tmp = start_robot(tmp_path, ("sim-rel-a", "sim-rel-b"))
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    try:
        wait_for(lambda: {r.journey for r in store.runs() if r.status == "passed"}
                 >= {"home", "catalogue"}, 60, "both journeys passing")
        # Appium stays down over two rounds: every Appium the robot restarts is killed too.
        killed_at = datetime.now(UTC)
        kills = 0
        while datetime.now(UTC) < killed_at + timedelta(seconds=2.5 * EVERY_S):
            for pid in appium_of(robot.pid):
                os.kill(pid, signal.SIGKILL)
                kills += 1
            time.sleep(0.05)
        back = wait_for(lambda: log_events(tmp_path / "ronde.log", "appium_restarted"), 60,
                        "Appium restarted")
        back_at = datetime.fromisoformat(back[-1]["ts"])
        # journeys pass again within two rounds of Appium being back
        deadline = back_at + timedelta(seconds=2 * EVERY_S + 2)
        wait_for(lambda: {r.journey for r in store.runs()
                          if r.status == "passed" and r.started_at > back_at}
                 >= {"home", "catalogue"}, 30, "both journeys passing again")
        runs = store.runs()
        incidents = store.incidents()
        robot.send_signal(signal.SIGTERM)
        assert robot.wait(30) == 0
    finally:
        stop(robot)
    store.close()
    assert kills >= 2, "the restarted Appium was killed as well"
    again = {j: min(r.started_at for r in runs
                    if r.journey == j and r.status == "passed" and r.started_at > back_at)
             for j in ("home", "catalogue")}
    assert all(at <= deadline for at in again.values()), (again, deadline)
    errors = [r for r in runs if r.status != "passed"]
    assert errors and all((r.status, r.category) == ("error", "appium_down") for r in errors), [
        (r.journey, r.status, r.category, r.error) for r in errors]
    assert all(r.ended_at >= killed_at for r in errors)  # a run in flight at the kill too
    # one robot incident for the outage: not one per device and journey, none for the app
    assert [(i.kind, i.dedup_key, i.category) for i in incidents] == [
        ("robot", "robot:appium", "appium_down")]
    assert log_events(tmp_path / "ronde.log", "appium_restart_failed"), "restarts reported"
    assert not leftovers(tmp)


def test_kill_9_of_ronde_start_takes_appium_and_its_folder_along(tmp_path: Path) -> None:
    robot, tmp = start_robot(tmp_path, ("sim-rel-k",))
    tree: list[int] = []
    try:
        wait_for(lambda: appium_of(robot.pid), 60, "Appium under the robot")
        assert leftovers(tmp), "Appium's private folder"
        tree = descendants(robot.pid)
        robot.send_signal(signal.SIGKILL)
        robot.wait(10)
        wait_for(lambda: not any(alive(pid) for pid in tree), 15,
                 "Appium and its watchdog to die with the robot")
        wait_for(lambda: not leftovers(tmp), 5, "the private folder to go")
    finally:
        stop(robot)
        for pid in tree:  # a failed test leaves nothing behind either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_sigterm_of_ronde_run_closes_its_run_and_stops_appium(tmp_path: Path) -> None:
    journey = tmp_path / "slow.yaml"
    journey.write_text(SLOW)
    config = write_sim_config(tmp_path, ("sim-rel-run",), "rel")
    run = ronde(["run", str(journey), "--config", str(config)], tmp_path / "tmp", tmp_path)
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    try:
        wait_for(lambda: [r for r in store.runs(include_open=True) if r.is_open], 60,
                 "the run open in the database", every=0.2)
        nodes = wait_for(lambda: appium_of(run.pid), 10, "Appium under ronde run")
        tree = descendants(run.pid)
        time.sleep(1.5)  # well inside the 30 s wait
        run.send_signal(signal.SIGTERM)
        code = run.wait(30)
    finally:
        stop(run)
    runs = store.runs(include_open=True)
    store.close()
    assert code == 128 + signal.SIGTERM
    assert [(r.journey, r.is_open, r.status, r.category) for r in runs] == [
        ("slow", False, "error", "aborted")]
    assert "SIGTERM" in (runs[0].error or "")
    assert nodes and not any(alive(pid) for pid in tree), "Appium outlived ronde run"
    assert not leftovers(tmp_path / "tmp")
