"""A full disk under a real `ronde start`: said once, evidence dropped first, every result
kept and stored once space returns. The database, spool and artifacts live on a 4 MB tmpfs
that the test fills up (root only: `mount -t tmpfs`); ronde.log stays outside, to be read.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scheduler.logfile import LogFile
from storage import StorageError, Store
from tests.reliability.robot_process import (
    assert_every_slot_once,
    events,
    robot_files,
    start_robot,
    stop_robot,
    wait_for,
)

EVERY_S = 4

SHOT = """appId: com.ronde.demo.shop
monitor:
  id: home
  devices: ["tag:{tag}"]
  every: 1m
  retries: 0
---
- launchApp
- assertVisible: "Accueil"
- takeScreenshot: home
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("this test mounts a 4 MB tmpfs: run it as root (CI containers are)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 16384)
        except OSError:
            pass
    return filler


def stored_runs(url: str, n: int = 0) -> Any:
    store = Store.open(url, migrate=False, replay=False)
    try:
        runs = store.runs(include_open=True)
    except StorageError:
        return None
    finally:
        store.close()
    return runs if len([r for r in runs if r.status == "passed"]) >= n else None


@pytest.mark.appium
def test_disk_full_under_ronde_start(appium_server: Any, small_disk: Path,
                                     tmp_path: Path) -> None:
    folder, config = robot_files(tmp_path, appium_server.url, "full",
                                 storage=f"sqlite:///{small_disk / 'ronde.db'}",
                                 artifacts=small_disk / "artifacts")
    tag = next(iter(folder.glob("*.yaml"))).read_text().split('"tag:')[1].split('"')[0]
    (folder / "home.yaml").write_text(SHOT.format(tag=tag))  # a screenshot in every run
    url = f"sqlite:///{small_disk / 'ronde.db'}"
    log = tmp_path / "ronde.log"
    robot = start_robot(folder, config, log, EVERY_S)
    try:
        wait_for(lambda: stored_runs(url, 2), 60, "two runs before the disk fills")
        filler = fill(small_disk)
        full_at = datetime.now(UTC)
        time.sleep(EVERY_S * 4)
        assert robot.poll() is None, "the robot died of a full disk"
        filler.unlink()
        freed_at = datetime.now(UTC)
        time.sleep(EVERY_S * 2.5)
    finally:
        code, err = stop_robot(robot)
    stopped_at = datetime.now(UTC)
    assert code == 0, err
    assert "Traceback" not in err and "Logging error" not in err, err

    store = Store.open(url, migrate=False, replay=False)
    try:
        runs = store.runs(include_open=True)
        artifacts = {r.run_id: store.get_run(r.run_id).artifacts for r in runs}  # type: ignore[union-attr]
        assert not store.spool.has_entries()
    finally:
        store.close()
    since = full_at - timedelta(seconds=EVERY_S)
    assert_every_slot_once(runs, EVERY_S, since, stopped_at)
    # the result rows survived with their real verdict; only the optional evidence went
    assert all(r.status == "passed" for r in runs), [(r.status, r.error) for r in runs]
    during = [r for r in runs if full_at + timedelta(seconds=1) < r.started_at
              and r.ended_at is not None and r.ended_at < freed_at]
    after = [r for r in runs if r.started_at > freed_at + timedelta(seconds=1)]
    assert len(during) >= 3 and after
    assert all(not artifacts[r.run_id] for r in during), [artifacts[r.run_id] for r in during]
    assert all(artifacts[r.run_id] for r in after)
    said = [e.get("event") for e in events(log)]
    assert said.count("spool_unwritable") == 1, said  # once, not once per result
    assert said.count("evidence_dropped") == 1
    assert said.count("spool_recovered") == 1 and said.count("evidence_written") == 1
    assert not {"record_failed", "robot_bug", "writer_failed", "results_lost"} & set(said)
    # From the moment the disk filled (the start-up catch-up round may overlap the first slot
    # before it, by policy): spool, evidence, and perhaps the database — no cascade.
    loud = [e for e in events(log) if e["level"] in ("warning", "error")
            and datetime.fromisoformat(e["ts"]) >= full_at]
    assert len(loud) <= 3, [(e.get("event"), e["ts"], e["msg"][:60]) for e in loud]


def test_log_file_on_a_full_disk_says_it_once(capfd: pytest.CaptureFixture[str]) -> None:
    handler = LogFile("/dev/full")  # every write fails with ENOSPC, as on a full disk
    record = logging.makeLogRecord({"msg": "a run finished", "levelno": logging.INFO})
    for _ in range(5):
        handler.emit(record)
    handler.close()
    err = capfd.readouterr().err
    assert err.count("cannot write /dev/full") == 1 and "Traceback" not in err, err
