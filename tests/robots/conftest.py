"""Helpers for the robot's tests: journeys from YAML text, simulated devices, one-call runs."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators.appium_server import DEMO_ENV
from emulators.capabilities import DEMO_SHOP
from journeys.model import Journey
from journeys.parser import load_journey
from journeys.results import RunResult
from robots.devices import DeviceSpec
from robots.runner import run_journey

EXAMPLES = Path(__file__).resolve().parents[2] / "journeys" / "examples"
APPS = Path(__file__).resolve().parent / "apps"


def shop_env() -> dict[str, str]:
    """The environment the robot runs with: the demo credentials, as the Appium server has."""
    env = dict(os.environ)
    for key, value in DEMO_ENV.items():
        env.setdefault(key, value)
    return env


@pytest.fixture
def journey_file(tmp_path: Path) -> Callable[..., Journey]:
    """`journey_file(yaml_text, name="j")`: writes and parses a journey."""

    def make(text: str, name: str = "j") -> Journey:
        path = tmp_path / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return load_journey(path)

    return make


@pytest.fixture
def run_sim(appium_server: Any, sim_udid: str, tmp_path: Path) -> Callable[..., RunResult]:
    """`run_sim(journey, app=DEMO_SHOP, udid=None, **kw)`: one run on a simulated device."""

    def run(journey: Journey, app: Path | str = DEMO_SHOP, udid: str | None = None,
            **kw: Any) -> RunResult:
        device = DeviceSpec(udid or sim_udid, ("android", "sim"), simulated_app=str(app))
        kw.setdefault("environ", shop_env())
        kw.setdefault("artifacts_dir", tmp_path / "artifacts")
        kw.setdefault("appium_url", appium_server.url)
        return run_journey(journey, device, **kw)

    return run
