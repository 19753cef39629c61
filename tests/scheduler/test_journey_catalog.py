"""Journeys reload when their files change; a file with errors keeps its last good version."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from robots.devices import DeviceSpec
from ronde.config import Config
from scheduler.catalog import Catalog
from scheduler.daemon import Options, Robot
from scheduler.pool import DevicePool
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner
from storage import Store
from tests.scheduler.helpers import MemoryRecorder
from tests.scheduler.journeys_for_tests import write_journeys

CONFIG = Config(devices=(DeviceSpec("sim-a", ("t", "android"), simulated_app="x.yaml"),))


def loader(paths: list[Path]) -> tuple[list, list]:
    from journeys.parser import load_journeys

    return load_journeys(paths, CONFIG)


def touch(path: Path, text: str) -> None:
    path.write_text(text)
    stamp = time.time() + 1  # a distinct mtime even on coarse filesystems
    os.utime(path, (stamp, stamp))


def test_reload_adds_changes_removes_and_keeps_the_last_good_version(tmp_path: Path) -> None:
    folder = write_journeys(tmp_path / "j", "t", names=("home", "catalogue"))
    catalog = Catalog([folder], loader=loader)
    first = catalog.load()
    assert first.added == ("catalogue", "home") and not first.problems
    assert catalog.poll() is None  # nothing changed

    home = folder / "home.yaml"
    good = home.read_text()
    touch(home, good.replace("every: 1m", "every: 2m"))
    change = catalog.poll()
    assert change is not None and change.changed == ("home",)
    assert catalog.get("home").monitor.every_ms == 120_000

    touch(home, good.replace("tapOn", "tapOnn").replace("- launchApp", "- launchAp"))
    broken = catalog.poll()
    assert broken is not None and broken.kept == ("home",) and broken.problems
    assert any("home.yaml:" in str(p) for p in broken.problems)
    assert catalog.get("home").monitor.every_ms == 120_000  # the last good version runs on

    (folder / "catalogue.yaml").unlink()
    gone = catalog.poll()
    assert gone is not None and gone.removed == ("catalogue",) and gone.kept == ("home",)
    assert [j.id for j in catalog.all()] == ["home"]


def test_the_robot_reschedules_changed_journeys_and_says_bad_files_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_journeys(tmp_path / "j", "t", names=("home", "catalogue"))
    catalog = Catalog([folder], loader=loader)
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    recorder = StoreRecorder(store)
    runner = RoundRunner(journeys=catalog.get, pool=DevicePool(CONFIG.devices),
                         recorder=MemoryRecorder(), run=lambda *a, **k: None,
                         artifacts_dir=tmp_path)
    runner.stopping.set()  # no round runs in this test: only the schedule is looked at
    robot = Robot(catalog=catalog, runner=runner, recorder=recorder,
                  options=Options(reload_s=3600, heartbeat_s=3600))
    robot.start()
    try:
        assert str(robot.triggers["home"]) == "every 1m"
        home = folder / "home.yaml"
        good = home.read_text()
        touch(home, good.replace("every: 1m", "every: 10m"))
        robot._reload()
        assert str(robot.triggers["home"]) == "every 10m"
        with caplog.at_level(logging.ERROR, logger="ronde"):
            touch(home, good.replace("every: 1m", "every: soon"))
            robot._reload()
        messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("home.yaml:" in m and "every" in m for m in messages), messages
        assert any("last good version keeps running" in m for m in messages), messages
        assert str(robot.triggers["home"]) == "every 10m"
        assert set(robot.next_runs()) == {"home", "catalogue"}
        (folder / "catalogue.yaml").unlink()
        robot._reload()
        assert set(robot.next_runs()) == {"home"}
    finally:
        robot.request_stop("test")
        robot.shutdown()
        store.close()
