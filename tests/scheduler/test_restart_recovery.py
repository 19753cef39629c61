"""`ronde start` as users run it: a process killed with SIGKILL mid-run, then restarted, leaves
no run open, no slot twice, and no slot missing beyond the misfire policy; SIGTERM stops it
cleanly. The robot drives a simulated phone through the shared Appium server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators import faults
from scheduler.triggers import JourneyTrigger
from storage import Store
from tests.fixtures.net import free_port
from tests.scheduler.journeys_for_tests import robot_environ, write_config, write_journeys

pytestmark = pytest.mark.appium

EVERY_S = 4


def start_robot(folder: Path, config: Path, log: Path,
                dashboard: str = "off") -> subprocess.Popen[bytes]:
    ronde = Path(sys.executable).parent / "ronde"
    return subprocess.Popen(
        [str(ronde), "start", str(folder), "--config", str(config), "--every", f"{EVERY_S}s",
         "--no-live", "--log-file", str(log), "--heartbeat", "1", "--grace", "20",
         "--dashboard", dashboard],
        env=robot_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_sigkill_mid_run_then_restart(appium_server: Any, tmp_path: Path) -> None:
    device, tag = f"sim-kill-{os.getpid()}", f"kill{os.getpid()}"
    folder = write_journeys(tmp_path / "journeys", tag, names=("home",))
    config = write_config(tmp_path, appium_server.url, device, tag)
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    first = start_robot(folder, config, tmp_path / "first.log")
    try:
        # Two finished runs, then kill the robot while the next one is open: the phone is
        # made slow first, so that run is surely still going when the SIGKILL lands.
        wait_for(lambda: len(store.runs()) >= 2, 60, "two runs from the first robot")
        faults.set_fault(device, "slow", add_ms=4000)
        slowed = datetime.now(UTC)
        open_run = wait_for(lambda: [r for r in store.runs(include_open=True)
                                     if r.is_open and r.started_at > slowed], 30,
                            "a run in progress")[0]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = datetime.now(UTC)
    finally:
        faults.clear_faults(device)
        if first.poll() is None:
            first.kill()
            first.wait(10)
    assert [r.run_id for r in store.runs(include_open=True) if r.is_open] == [open_run.run_id]
    time.sleep(EVERY_S * 2.5)  # the robot stays down for two slots or more
    restarted_at = datetime.now(UTC)
    port = free_port()
    second = start_robot(folder, config, tmp_path / "second.log", f"127.0.0.1:{port}")
    try:
        wait_for(lambda: [r for r in store.runs() if r.started_at > restarted_at
                          and r.status == "passed"], 60, "a passed run after the restart")
        # the dashboard and /metrics are served beside the robot
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "home" in page.text
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        assert 'ronde_runs_total{' in metrics and 'journey="home"' in metrics
        time.sleep(EVERY_S * 2)
        second.send_signal(signal.SIGTERM)
        assert second.wait(40) == 0
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(10)
    stopped_at = datetime.now(UTC)
    runs = store.runs(include_open=True)
    beats = store.heartbeats()
    store.close()

    assert not [r for r in runs if r.is_open]
    killed = next(r for r in runs if r.run_id == open_run.run_id)
    assert (killed.status, killed.category) == ("error", "aborted")
    slots = [r.scheduled_at for r in runs]
    assert len(slots) == len(set(slots)), "a slot ran twice"
    # Expected slots from the first run to the stop, minus the misfire policy's gap: the
    # slots that fell while the robot was down, save the latest one within one interval of
    # the restart (run at once, coalesced).
    trigger = JourneyTrigger("home", every_ms=EVERY_S * 1000)
    expected = trigger.fire_times(min(slots), stopped_at - timedelta(seconds=EVERY_S))
    # A slot that fires while the journey's previous round still runs is skipped by policy
    # (a journey never overlaps itself): those are not "missing" either.
    spans = [(r.started_at, r.ended_at or stopped_at) for r in runs]
    missing = [s for s in expected if s not in set(slots)
               and not any(start <= s <= end for start, end in spans)]
    # Two robot processes beat a heartbeat; the second stopped cleanly, the first did not.
    assert len(beats) == 2 and beats[0].stopped_at is None and beats[1].stopped_at is not None
    back = beats[1].started_at  # the second robot runs from here on
    allowed_gap = (killed_at, back)
    assert all(allowed_gap[0] - timedelta(seconds=1) < s < allowed_gap[1] for s in missing), (
        missing, allowed_gap)
    # The second robot ran the slot it owed at its start (the latest within one interval),
    # unless its next slot came within half an interval (the journey's timeout is longer):
    # then that slot ran instead, on time, rather than being skipped as an overrun.
    owed = trigger.last_fire_time(back, killed.scheduled_at)
    upcoming = trigger.get_next_fire_time(None, back)
    assert owed is not None and upcoming is not None
    caught_up = [r for r in runs if r.scheduled_at < back < r.started_at]
    assert len(caught_up) <= 1  # coalesced: never a backlog of missed slots
    lead, half = upcoming - back, timedelta(seconds=EVERY_S / 2)
    if lead > half + timedelta(seconds=0.5):
        assert owed in slots and len(caught_up) == 1
    elif lead < half - timedelta(seconds=0.5):
        assert owed not in slots and upcoming in slots
