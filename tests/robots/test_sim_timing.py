"""Measured response times are honest: a delay D injected on a transition is reported within
the stated resolution, and the resolution on the simulated device stays within a few ms."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators.capabilities import DEMO_SHOP, sim_capabilities
from journeys.model import Journey
from journeys.results import RunResult, Status, TransactionResult
from robots.backends.appium_native import AppiumNativeBackend
from tests.robots.conftest import APPS

pytestmark = pytest.mark.appium

JOURNEY = """
appId: com.ronde.test.delay
monitor: {{id: delay-{d}, step_timeout: 10s, timeout: 1m}}
---
- launchApp
- assertVisible: Go
- repeat:
    times: {times}
    commands:
      - tapOn: {{text: Go, label: Measure}}
      - assertVisible: Fini
      - tapOn: Retour
      - assertVisible: Go
"""


def assert_within(t: TransactionResult, delay_ms: float) -> None:
    assert t.response_ms is not None and t.resolution_ms is not None
    half = t.resolution_ms / 2 + 0.002  # the stored figures are rounded to the microsecond
    assert t.response_ms - half <= delay_ms <= t.response_ms + half, (
        f"D={delay_ms}: {t.response_ms:.3f} ± {t.resolution_ms / 2:.3f} ms")


@pytest.fixture(scope="module")
def poll_rtt_ms(appium_server: Any) -> float:
    """The p90 page-source round trip right now: a resolution is about three round trips wide
    (the gap between two polls, one round trip, and the tap's own call), so this is its
    physical floor."""
    backend = AppiumNativeBackend(
        appium_server.url, sim_capabilities(f"sim-rtt-{os.getpid()}", DEMO_SHOP),
        platform="android", app_id="com.ronde.demo.shop")
    backend.start()
    try:
        snaps = [backend.snapshot() for _ in range(100)]
    finally:
        backend.close()
    rtts = sorted((s.received - s.sent) * 1000 for s in snaps)
    return rtts[89]


@pytest.mark.parametrize(("delay_ms", "times"), [(50, 7), (200, 5), (1000, 3), (5000, 1)])
def test_reported_time_is_within_resolution_of_the_delay(
    delay_ms: int, times: int, tmp_path: Path, journey_file: Callable[..., Journey],
    run_sim: Callable[..., RunResult], poll_rtt_ms: float,
) -> None:
    app = tmp_path / "delay.yaml"
    app.write_text((APPS / "delay.yaml").read_text().replace("__DELAY_MS__", str(delay_ms)))
    journey = journey_file(JOURNEY.format(d=delay_ms, times=times))
    bound = max(15.0, 3 * poll_rtt_ms)
    medians = []
    for _attempt in range(3):  # best of three for the bound: other processes share the CPU
        result = run_sim(journey, app=app)
        assert result.status is Status.PASSED, result.error
        measured = [t for t in result.transactions if t.name == "Measure"]
        taps = [s for s in result.steps if s.description.startswith('tapOn "Go"')]
        assert len(measured) == len(taps) == times
        assert len(taps) == times
        for t in measured:
            # Honest, always: the screen changed D ms after the tap reached the device, and
            # the stated interval (response ± resolution / 2) contains D.
            assert_within(t, delay_ms)
        resolutions = [t.resolution_ms for t in measured if t.resolution_ms is not None]
        medians.append(statistics.median(resolutions))
        print(f"D={delay_ms} ms: responses {[round(t.response_ms or 0, 1) for t in measured]} "
              f"resolutions {[round(r, 1) for r in resolutions]} (poll round trip "
              f"{poll_rtt_ms:.1f})")
        if medians[-1] <= bound:
            break
    # ≤ 15 ms on the simulated device: two polls and the tap's own call (the device received
    # it somewhere inside). On a machine so loaded that page-source round trips themselves
    # exceed 5 ms, no poller can beat three of them: that is then the bound.
    assert min(medians) <= bound


def test_the_interval_holds_on_a_loaded_host(
    tmp_path: Path, journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
) -> None:
    """With every core busy (one CPU burner per core), answers come late and polls are
    descheduled mid-way: the intervals widen, but every one still contains the delay."""
    delay_ms = 150
    app = tmp_path / "delay.yaml"
    app.write_text((APPS / "delay.yaml").read_text().replace("__DELAY_MS__", str(delay_ms)))
    journey = journey_file(JOURNEY.format(d=delay_ms, times=12))
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(os.cpu_count() or 2)]
    try:
        result = run_sim(journey, app=app)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert result.status is Status.PASSED, result.error
    measured = [t for t in result.transactions if t.name == "Measure"]
    assert len(measured) == 12
    for t in measured:
        assert_within(t, delay_ms)
    print(f"loaded: responses {[round(t.response_ms or 0, 1) for t in measured]} "
          f"resolutions {[round(t.resolution_ms or 0, 1) for t in measured]}")
