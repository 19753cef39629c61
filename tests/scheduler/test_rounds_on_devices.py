"""The rounds on the real stack: Appium 3 with two simulated phones, the robot, SQLite.

Three journeys every 6 s on two devices: each slot stored exactly once, no two runs at once
on a device; a fault switched on mid-test gives a failed run confirmed on the other device,
linked; an `offline` device is quarantined and the journeys move to the other one.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emulators import faults
from emulators.capabilities import DEMO_SHOP
from robots.devices import DeviceSpec
from ronde.config import Config
from ronde.service import Settings, _build
from scheduler.daemon import Options
from scheduler.logs import SecretMask
from scheduler.triggers import trigger_for
from storage import Store
from tests.scheduler.journeys_for_tests import robot_environ, write_journeys

pytestmark = pytest.mark.appium

EVERY_MS = 6000


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_three_journeys_two_devices_fault_confirmation_and_quarantine(
    appium_server: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ronde")
    tag = f"sched{os.getpid()}"
    a, b = f"sim-sched-a-{os.getpid()}", f"sim-sched-b-{os.getpid()}"
    devices = tuple(DeviceSpec(n, (tag, "android"), simulated_app=str(DEMO_SHOP)) for n in (a, b))
    config = Config(storage_url=f"sqlite:///{tmp_path / 'ronde.db'}",
                    artifacts_dir=tmp_path / "artifacts", devices=devices)
    folder = write_journeys(tmp_path / "journeys", tag)
    store = Store.open(config.storage_url)
    settings = Settings(paths=[folder], config=config, log_file=None, live=False,
                        options=Options(every_override_ms=EVERY_MS, grace_s=20,
                                        heartbeat_s=1, reload_s=30),
                        quarantine_after=2, quarantine_backoff_s=300,
                        environ=robot_environ())
    robot = _build(settings, store, appium_server, robot_environ(), SecretMask())
    pool = robot.runner.pool
    try:
        # -- phase 1: on schedule ------------------------------------------------------
        time.sleep(EVERY_MS / 1000 - (time.time() % (EVERY_MS / 1000)) + 0.1)
        started = datetime.now(UTC)
        robot.start()
        time.sleep(20)
        phase1_end = datetime.now(UTC)
        runs = store.runs(include_open=True)
        for journey in robot.catalog.all():
            trigger = trigger_for(journey.monitor, every_override_ms=EVERY_MS)
            owed = trigger.last_fire_time(started, None)
            expected = {owed, *trigger.fire_times(started, phase1_end)}
            got = [r.scheduled_at for r in runs if r.journey == journey.id and r.attempt == 1]
            # Every slot whose round had time to finish is there, and only once -- or was
            # reported skipped because the journey's previous round still ran (a loaded
            # machine), or not caught up at start because the next slot came first: every
            # slot is accounted for.
            overrun = {r.__dict__.get("scheduled_at") for r in caplog.records
                       if r.__dict__.get("event") in ("slot_skipped_overrun", "catch_up_skipped")
                       and r.__dict__.get("journey") == journey.id}
            done = {s for s in expected if (phase1_end - s).total_seconds() > 8
                    and s.isoformat() not in overrun}
            assert done <= set(got), (journey.id, sorted(done), sorted(got), overrun)
            assert set(got) <= expected
        assert all(r.status == "passed" for r in runs if not r.is_open), [
            (r.journey, r.device, r.status, r.error) for r in runs if r.status != "passed"]
        assert {r.device for r in runs} == {a, b}

        # -- phase 2: the login is refused on both phones --------------------------------
        faults.set_fault(a, "login_refused")
        faults.set_fault(b, "login_refused")
        fault_on = datetime.now(UTC)

        def confirmed() -> Any:
            return [r for r in store.runs(journey="login", since=fault_on)
                    if r.attempt == 2 and r.confirms]

        confirmation = wait_for(confirmed, 30, "a confirmed login failure")[0]
        faults.clear_faults(a)
        faults.clear_faults(b)
        first = next(r for r in store.runs(journey="login")
                     if r.run_id == confirmation.confirms)
        assert first.status == "failed" and first.attempt == 1
        assert first.category == "authentication"
        assert confirmation.status == "failed" and confirmation.round_id == first.run_id
        assert confirmation.device != first.device  # confirmed on the other phone
        assert first.scheduled_at == confirmation.scheduled_at

        # -- phase 3: phone a goes offline: quarantined, journeys move to b -------------
        faults.set_fault(a, "offline")
        try:
            wait_for(lambda: pool.quarantined(a), 45, f"{a} to be quarantined")
            quarantined_at = datetime.now(UTC)
            session_errors = [r for r in store.runs(device=a, since=quarantined_at.replace(
                minute=0, second=0)) if r.status == "error"]
            assert len(session_errors) >= 2
            assert all(r.category == "session" for r in session_errors)
            wait_for(lambda: len([r for r in store.runs(device=b, since=quarantined_at)
                                  if r.status == "passed"]) >= 3, 40,
                     "three passed runs on the remaining phone")
            after = store.runs(since=quarantined_at, include_open=True)
            assert not [r for r in after if r.device == a], "a quarantined phone got a run"
        finally:
            faults.clear_faults(a)
    finally:
        robot.request_stop("test over")
        robot.shutdown()
        runs = store.runs(include_open=True)
        store.close()
    # -- the whole test: no duplicate slot, no overlap on a device, nothing left open -----
    assert not [r for r in runs if r.is_open]
    slots = Counter((r.journey, r.scheduled_at, r.attempt) for r in runs)
    assert max(slots.values()) == 1
    for device in (a, b):
        spans = sorted((r.started_at, r.ended_at) for r in runs if r.device == device)
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert e1 <= s2, f"two runs overlap on {device}"
    assert "demo-secret" not in repr(runs)
