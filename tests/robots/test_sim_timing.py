"""Measured response times are honest: a delay D injected on a transition is reported within
the stated resolution, and the resolution on the simulated device stays within a few ms."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators.capabilities import DEMO_SHOP
from journeys.model import Journey
from robots.backends import capabilities
from robots.backends.appium_native import AppiumNativeBackend
from robots.result import RunResult, Status
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


@pytest.fixture(scope="module")
def poll_rtt_ms(appium_server: Any) -> float:
    """The p90 page-source round trip right now: a resolution is about two round trips wide
    (the gap between two polls plus one round trip), so this is its physical floor."""
    backend = AppiumNativeBackend(
        appium_server.url, capabilities.simulated(f"sim-rtt-{os.getpid()}", str(DEMO_SHOP)),
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
    bound = max(10.0, 2 * poll_rtt_ms)
    medians = []
    for _attempt in range(3):  # best of three for the bound: other processes share the CPU
        result = run_sim(journey, app=app)
        assert result.status is Status.PASSED, result.error
        measured = [t for t in result.transactions if t.name == "Measure"]
        taps = [s for s in result.steps if s.description.startswith('tapOn "Go"')]
        assert len(measured) == len(taps) == times
        for t, tap in zip(measured, taps, strict=True):
            # Honest, always: the screen changed D ms after the tap reached the device, at
            # most one round trip of the tap (bounded by its step's duration) after it was sent.
            assert t.response_ms is not None and t.resolution_ms is not None
            low, high = delay_ms, delay_ms + tap.duration_ms
            assert low - t.resolution_ms <= t.response_ms <= high + t.resolution_ms, (
                f"D={delay_ms}: {t.response_ms:.1f} ± {t.resolution_ms:.1f} ms")
        resolutions = [t.resolution_ms for t in measured if t.resolution_ms is not None]
        medians.append(statistics.median(resolutions))
        print(f"D={delay_ms} ms: responses {[round(t.response_ms or 0, 1) for t in measured]} "
              f"resolutions {[round(r, 1) for r in resolutions]} (poll round trip "
              f"{poll_rtt_ms:.1f})")
        if medians[-1] <= bound:
            break
    # ≤ 10 ms on the simulated device. On a machine so loaded that page-source round trips
    # themselves exceed 5 ms, no poller can beat two of them: that is then the bound.
    assert min(medians) <= bound
