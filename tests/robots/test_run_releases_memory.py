"""A long-running robot must not keep anything of a finished run: after runs on the real
simulated device (Appium, a session, the run's JavaScript engine, its evidence), no run
object survives a garbage collection. A survivor per run is a leak of tens of kB
(benchmarks/memory_soak.py measures the process)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from emulators.capabilities import DEMO_SHOP
from journeys.parser import load_journey
from journeys.results import Status
from robots.devices import DeviceSpec
from robots.runner import run_journey

pytestmark = pytest.mark.appium

JOURNEY = """appId: com.ronde.demo.shop
monitor: {id: released, retries: 0}
---
- launchApp
- evalScript: ${output.seen = (output.seen || 0) + 1}
- assertVisible: "Accueil"
"""


def _alive(name: str) -> int:
    return sum(type(o).__name__ == name and type(o).__module__.startswith("robots.")
               for o in gc.get_objects())


def test_nothing_of_a_finished_run_stays_in_memory(
    appium_server: Any, sim_udid: str, tmp_path: Path
) -> None:
    path = tmp_path / "released.yaml"
    path.write_text(JOURNEY)
    journey = load_journey(path)
    device = DeviceSpec(sim_udid, simulated_app=str(DEMO_SHOP))
    gc.collect()
    before = {name: _alive(name) for name in ("_Run", "Record", "ScriptEngine")}
    for _ in range(3):
        result = run_journey(journey, device, appium_url=appium_server.url,
                             artifacts_dir=tmp_path / "artifacts", environ={})
        assert result.status == Status.PASSED, result.error
    del result
    gc.collect()
    assert {name: _alive(name) for name in before} == before
