"""Devices behind a real Selenium Grid 4 hub: the run names the device Grid picked, and the
resolution it states is measured through the extra hop (wider, still honest)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from journeys.model import Journey
from journeys.results import RunResult, Status
from robots.backends.appium_native import AppiumNativeBackend
from robots.backends.capabilities import native
from robots.devices import DeviceSpec
from robots.runner import run_journey
from storage import Store
from tests.fixtures.grid import GridDevices, grid_device_caps
from tests.robots.conftest import APPS, shop_env
from tests.robots.test_sim_timing import JOURNEY, assert_within

pytestmark = [pytest.mark.appium, pytest.mark.grid]

DELAY_MS = 200


@pytest.fixture
def delay_app(tmp_path: Path) -> Path:
    app = tmp_path / "delay.yaml"
    app.write_text((APPS / "delay.yaml").read_text().replace("__DELAY_MS__", str(DELAY_MS)))
    return app


def through_hub(grid: GridDevices, journey: Journey, app: Path, tmp_path: Path) -> RunResult:
    device = DeviceSpec("grid", ("android",), appium_url=grid.hub.url,
                        capabilities=grid_device_caps(app), sessions=len(grid.udids))
    return run_journey(journey, device, appium_url=None, artifacts_dir=tmp_path / "artifacts",
                       environ=shop_env())


def test_a_run_through_the_hub_is_stored_under_the_device_grid_picked(
    grid_devices: GridDevices, delay_app: Path, tmp_path: Path,
    journey_file: Callable[..., Journey],
) -> None:
    journey = journey_file(JOURNEY.format(d=DELAY_MS, times=2))
    result = through_hub(grid_devices, journey, delay_app, tmp_path)
    assert result.status is Status.PASSED, result.error
    assert result.device in grid_devices.udids  # not the entry's name, "grid"
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}", spool_path=tmp_path / "spool",
                       environ={})
    try:
        store.record_run(result, journey)
        stored = store.runs(journey=journey.id)
        assert [r.device for r in stored] == [result.device]
    finally:
        store.close()


def test_the_stated_resolution_includes_the_hop_through_the_hub(
    grid_devices: GridDevices, delay_app: Path, tmp_path: Path,
    journey_file: Callable[..., Journey],
) -> None:
    """Every interval still holds the delay, and none is narrower than one page-source round
    trip through the hub: the hop (about ten times a direct call) shows in the figures."""
    caps = native("android", None, grid_device_caps(delay_app))
    probe = AppiumNativeBackend(grid_devices.hub.url, caps, platform="android", app_id=None)
    probe.start()
    try:
        snaps = [probe.snapshot() for _ in range(30)]
    finally:
        probe.close()
    floor_ms = sorted((s.received - s.sent) * 1000 for s in snaps)[2]  # p10: the hop's floor
    journey = journey_file(JOURNEY.format(d=DELAY_MS, times=3))
    result = through_hub(grid_devices, journey, delay_app, tmp_path)
    assert result.status is Status.PASSED, result.error
    measured = [t for t in result.transactions if t.name == "Measure"]
    assert len(measured) == 3
    for t in measured:
        assert_within(t, DELAY_MS)
        assert t.resolution_ms is not None and t.resolution_ms >= floor_ms
    print(f"through the hub: round trip p10 {floor_ms:.1f} ms, resolutions "
          f"{[round(t.resolution_ms or 0, 1) for t in measured]} (median "
          f"{statistics.median(t.resolution_ms or 0 for t in measured):.1f} ms)")


def test_two_sessions_at_once_get_the_two_devices(
    grid_devices: GridDevices, delay_app: Path,
) -> None:
    """Grid's queue matches a free slot: two sessions asked at the same time land on two
    different devices, and each knows which one it got."""
    caps = native("android", None, grid_device_caps(delay_app))
    backends: list[Any] = []
    try:
        for _ in grid_devices.udids:
            backend = AppiumNativeBackend(grid_devices.hub.url, caps, platform="android",
                                          app_id=None)
            backends.append(backend)
            info = backend.start()
            assert info.udid in grid_devices.udids
        assert sorted(b.device_info().udid for b in backends) == sorted(grid_devices.udids)
    finally:
        for backend in backends:
            backend.close()
