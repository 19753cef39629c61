"""`ronde start --once` (cron and CI users): each journey once, exit code 1 when one failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from emulators import faults
from storage import Store
from tests.scheduler.journeys_for_tests import robot_environ, write_config, write_journeys

pytestmark = pytest.mark.appium


def once(folder: Path, config: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    ronde = Path(sys.executable).parent / "ronde"
    return subprocess.run(
        [str(ronde), "start", str(folder), "--config", str(config), "--once",
         "--log-file", str(tmp / "once.log")],
        env={**robot_environ(), "COLUMNS": "200"}, capture_output=True, text=True, timeout=120,
    )


def test_once_exit_codes_and_stored_runs(appium_server: Any, tmp_path: Path) -> None:
    device, tag = f"sim-once-{os.getpid()}", f"once{os.getpid()}"
    folder = write_journeys(tmp_path / "journeys", tag, names=("home",))
    config = write_config(tmp_path, appium_server.url, device, tag)

    ok = once(folder, config, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "home passed on" in ok.stdout

    faults.set_fault(device, "offline")
    try:
        bad = once(folder, config, tmp_path)
    finally:
        faults.clear_faults(device)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "home error/session" in bad.stdout

    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    runs = store.runs(include_open=True)
    beats = store.heartbeats()
    store.close()
    assert [(r.status, r.category) for r in runs] == [("passed", None), ("error", "session")]
    assert beats == []  # --once is not a robot process: no heartbeat


def test_a_missing_path_or_a_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    ronde = Path(sys.executable).parent / "ronde"
    missing = subprocess.run([str(ronde), "start", str(tmp_path / "nope"), "--once"],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert missing.returncode != 0 and "no such file or folder" in missing.stderr
    config = tmp_path / "ronde.yaml"
    config.write_text("devices:\n  - name: x\n    simulated: {app: }\n    colour: blue\n")
    bad = subprocess.run([str(ronde), "start", str(tmp_path), "--config", str(config),
                          "--once"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert bad.returncode == 2 and "ronde.yaml:" in bad.stderr
