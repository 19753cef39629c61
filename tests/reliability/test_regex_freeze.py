"""One backtracking selector pattern must not freeze the robot nor the simulated device.

`(a|a)+(a|a)+$` on a long text backtracks for ages. With the stdlib `re` the match holds the
GIL until it ends: step and journey timeouts never fire, the heartbeat stops and SIGTERM is
never handled. Bounded, it fails its step within a fraction of a second, with a message
naming the pattern, and the process keeps beating and stops on request.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from appium.webdriver.common.appiumby import AppiumBy
from selenium.common.exceptions import InvalidSelectorException

from emulators.appium_server import AppiumServer
from journeys.parser import load_journey
from journeys.results import Category, Status
from robots.devices import DeviceSpec
from robots.runner import run_journey
from storage import Store
from tests.scheduler.journeys_for_tests import write_config

pytestmark = pytest.mark.appium

EVIL = "(a|a)+(a|a)+$"
MESSAGE = f"selector pattern '{EVIL}' took longer than 500ms to match: simplify it"

LONG_TEXT_APP = """
appId: com.ronde.test.longtext
name: Long text
dialect: android
launch_ms: 50
screens:
  home:
    initial: true
    elements:
      - {id: title, text: "Accueil", class: TextView}
      - {id: terms, text: "%s", class: TextView}
""" % ("a" * 10_000 + "!")

# The pattern comes from a variable: `ronde validate` refuses it written in the file, but a
# pattern known only at run time must be bounded all the same.
JOURNEY = """appId: com.ronde.test.longtext
env:
  PATTERN: "{pattern}"
monitor:
  id: {id}
  devices: ["tag:{tag}"]
  every: 1m
  retries: 0
  step_timeout: {step_timeout}
---
- launchApp
- assertVisible: "Accueil"
- assertVisible: ${{PATTERN}}
"""


@pytest.fixture(scope="module")
def long_text_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("apps") / "long-text.yaml"
    path.write_text(LONG_TEXT_APP, encoding="utf-8")
    return path


def write_journey(folder: Path, tag: str, *, step_timeout: str = "5s",
                  journey_id: str = "terms") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{journey_id}.yaml"
    path.write_text(JOURNEY.format(pattern=EVIL, id=journey_id, tag=tag,
                                   step_timeout=step_timeout), encoding="utf-8")
    return path


def test_the_step_fails_within_its_timeout_and_the_run_ends(
        appium_server: AppiumServer, sim_udid: str, long_text_app: Path, tmp_path: Path) -> None:
    journey = load_journey(write_journey(tmp_path / "journeys", "sim", step_timeout="5s"))
    device = DeviceSpec(sim_udid, ("android", "sim"), simulated_app=str(long_text_app))
    began = time.monotonic()
    result = run_journey(journey, device, appium_url=appium_server.url,
                         artifacts_dir=tmp_path / "artifacts", environ=dict(os.environ))
    took = time.monotonic() - began
    assert (result.status, result.category) == (Status.ERROR, Category.ROBOT)
    assert result.error is not None and MESSAGE in result.error, result.error
    assert result.error.startswith(f"assertVisible (line 13): {MESSAGE}")
    failed = [s for s in result.steps if s.status is Status.FAILED]
    assert len(failed) == 1 and failed[0].error and MESSAGE in failed[0].error
    assert [s.status for s in result.steps[:2]] == [Status.PASSED, Status.PASSED]
    assert took < 5 + 10  # the step's timeout plus the session's start and close; not forever


def test_the_simulated_device_bounds_a_client_pattern_too(
        sim_session: Callable[..., Any], sim_caps: Callable[..., dict[str, Any]],
        long_text_app: Path) -> None:
    driver = sim_session(sim_caps(app=long_text_app))
    driver.implicitly_wait(5)
    assert driver.find_element(AppiumBy.ID, "title").text == "Accueil"
    began = time.monotonic()
    with pytest.raises(InvalidSelectorException) as caught:
        driver.find_element(AppiumBy.ANDROID_UIAUTOMATOR,
                            f'new UiSelector().textMatches("{EVIL}")')
    assert time.monotonic() - began < 5
    assert MESSAGE in str(caught.value)
    # the server (one Node event loop for every session) still answers
    assert "Accueil" in driver.page_source
    ui = 'new UiSelector().textMatches("Acc.*")'
    assert driver.find_element(AppiumBy.ANDROID_UIAUTOMATOR, ui).text == "Accueil"


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_ronde_start_keeps_beating_and_stops_on_sigterm(
        appium_server: AppiumServer, long_text_app: Path, tmp_path: Path) -> None:
    device, tag = f"sim-regex-{os.getpid()}", f"regex{os.getpid()}"
    folder = tmp_path / "journeys"
    write_journey(folder, tag)
    config = write_config(tmp_path, appium_server.url, device, tag, long_text_app)
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    ronde = Path(sys.executable).parent / "ronde"
    robot = subprocess.Popen(
        [str(ronde), "start", str(folder), "--config", str(config), "--every", "1s",
         "--no-live", "--log-file", str(tmp_path / "ronde.log"), "--heartbeat", "0.5",
         "--grace", "30", "--dashboard", "off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(store.runs()) >= 2, 60, "two runs of the journey")
        # Back-to-back runs, each spending its match budget: the heartbeat keeps its pace.
        first = store.heartbeats()[0].last_beat_at
        time.sleep(3)
        beat = store.heartbeats()[0]
        assert beat.stopped_at is None
        assert (beat.last_beat_at - first).total_seconds() >= 1.5, (first, beat.last_beat_at)
        # SIGTERM while a run is open: the robot stops within seconds, far under its grace.
        wait_for(lambda: [r for r in store.runs(include_open=True) if r.is_open], 30,
                 "a run in progress")
        robot.send_signal(signal.SIGTERM)
        began = time.monotonic()
        code = robot.wait(30)
        stopped_in = time.monotonic() - began
    finally:
        if robot.poll() is None:
            robot.kill()
            robot.wait(10)
    runs = store.runs(include_open=True)
    beats = store.heartbeats()
    store.close()
    assert code == 0
    assert stopped_in < 8, f"SIGTERM took {stopped_in:.1f}s"
    assert beats[0].stopped_at is not None
    assert not [r for r in runs if r.is_open]
    finished = [r for r in runs if r.category != "aborted"]
    assert finished and all((r.status, r.category) == ("error", "robot") for r in finished)
    assert all(MESSAGE in (r.error or "") for r in finished)
    assert all(r.ended_at is not None and r.ended_at <= datetime.now(UTC) for r in runs)


FROZEN = """
import re, sys, threading, time
from scheduler.watchdog import Watchdog

watchdog = Watchdog(after_s=1.0)
for _ in range(6):  # the main loop re-arms in time: nothing happens
    watchdog.arm()
    time.sleep(0.25)
print("alive", flush=True)
# The stdlib `re` holds the GIL for the whole match: every Python thread stops.
threading.Thread(target=re.fullmatch, args=(r"(a|a)+(a|a)+$", "a" * 60 + "!"),
                 daemon=True).start()
while True:
    watchdog.arm()
    time.sleep(0.25)
"""


def test_the_watchdog_ends_a_process_whose_gil_is_held_forever(tmp_path: Path) -> None:
    """Defence in depth: if any C code ever holds the GIL without end, `ronde start` exits
    (its stacks on stderr) instead of hanging with no heartbeat and SIGTERM ignored."""
    script = tmp_path / "frozen.py"
    script.write_text(FROZEN, encoding="utf-8")
    began = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    took = time.monotonic() - began
    assert done.stdout == "alive\n"
    assert done.returncode == 1
    assert "Timeout (0:00:01)!" in done.stderr and "frozen.py" in done.stderr
    assert took < 15
