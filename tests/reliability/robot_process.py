"""A real `ronde start` process for the reliability tests, and what to check in its results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from scheduler.triggers import JourneyTrigger
from tests.scheduler.journeys_for_tests import robot_environ, write_config, write_journeys

RONDE = Path(sys.executable).parent / "ronde"


def robot_files(tmp: Path, appium_url: str, name: str, storage: str | None = None,
                artifacts: Path | None = None) -> tuple[Path, Path]:
    """One `home` journey on a fresh simulated device; `storage`/`artifacts` override the
    defaults (SQLite and artifacts in `tmp`)."""
    device, tag = f"sim-{name}-{os.getpid()}", f"{name}{os.getpid()}"
    folder = write_journeys(tmp / "journeys", tag, names=("home",))
    config = write_config(tmp, appium_url, device, tag)
    data = yaml.safe_load(config.read_text())
    if storage is not None:
        data["storage"] = storage
    if artifacts is not None:
        data["artifacts"] = str(artifacts)
    config.write_text(yaml.safe_dump(data))
    return folder, config


def start_robot(folder: Path, config: Path, log: Path, every_s: int,
                cwd: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(RONDE), "start", str(folder), "--config", str(config), "--every", f"{every_s}s",
         "--no-live", "--log-file", str(log), "--heartbeat", "1", "--grace", "20",
         "--dashboard", "off"],
        env=robot_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
    )


def stop_robot(robot: subprocess.Popen[bytes]) -> tuple[int, str]:
    """SIGTERM; the exit code and what it said on stderr."""
    if robot.poll() is None:
        robot.send_signal(signal.SIGTERM)
    try:
        _out, err = robot.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        robot.kill()
        _out, err = robot.communicate(timeout=10)
    return robot.returncode, err.decode(errors="replace")


def ronde(*args: str, cwd: Path | None = None) -> tuple[int, str, str, float]:
    """Run a `ronde` command: exit code, stdout, stderr, seconds it took."""
    began = time.monotonic()
    done = subprocess.run([str(RONDE), *args], capture_output=True, text=True, timeout=60,
                          env=robot_environ(), cwd=cwd)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - began


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def events(log: Path) -> list[dict[str, Any]]:
    """The robot's JSON log lines."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def assert_every_slot_once(runs: list[Any], every_s: int, since: datetime,
                           stopped_at: datetime) -> None:
    """Every run stored once (one row per slot and run id); each slot from `since` to the
    stop has its run, none skipped (a slot that fired as the robot stopped may be missing;
    before `since`, the start-up catch-up round may overlap the next slot, by policy)."""
    assert not [r for r in runs if r.is_open], "a run was left open"
    per_slot = Counter((r.journey, r.scheduled_at, r.attempt) for r in runs)
    assert max(per_slot.values()) == 1, "a slot was stored twice"
    assert len({r.run_id for r in runs}) == len(runs)
    slots = sorted(r.scheduled_at for r in runs)
    trigger = JourneyTrigger("home", every_ms=every_s * 1000)
    expected = trigger.fire_times(since, stopped_at - timedelta(seconds=every_s))
    missing = [s for s in expected if s not in set(slots)]
    assert not missing, f"slots without a run: {missing}"
