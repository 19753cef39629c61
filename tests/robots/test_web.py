"""Mobile web in Chromium (mobile emulation) against the demo web shop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators import faults
from journeys.model import Journey
from journeys.parser import load_journey
from journeys.results import Category, RunResult, Status
from robots.devices import DeviceSpec
from robots.runner import run_journey
from tests.robots.conftest import EXAMPLES, shop_env

pytestmark = pytest.mark.chromium


@pytest.fixture
def run_web(web_shop: Any, chrome_device: DeviceSpec, tmp_path: Path,
            ) -> Callable[..., RunResult]:
    def run(journey: Journey, **kw: Any) -> RunResult:
        env = {**shop_env(), "SHOP_WEB_URL": web_shop.url}
        return run_journey(journey, chrome_device, appium_url=None,
                           artifacts_dir=tmp_path / "artifacts", environ=env, **kw)

    return run


def test_web_shop_login_passes_in_chromium(run_web: Callable[..., RunResult]) -> None:
    result = run_web(load_journey(EXAMPLES / "web-shop-login.yaml"))
    assert result.status in (Status.PASSED, Status.DEGRADED), result.error
    names = [t.name for t in result.transactions]
    assert names == ["Home page", "Open login", "Login"]
    assert all(t.response_ms and t.resolution_ms for t in result.transactions)
    login = result.transactions[-1]
    assert login.response_ms is not None and login.response_ms >= 700  # the shop's delay
    assert result.load_ms is not None and result.transactions[0].is_load
    timing = result.navigation_timing
    assert 0 < timing["domContentLoaded"] <= timing["load"]
    assert result.device_model == "Pixel 7" and result.platform == "web"


WEB_FAULT = """
url: ${SHOP_WEB_URL}
env: {SHOP_USER: qa-robot@example.com}
monitor: {id: web-fault, step_timeout: 3s, timeout: 1m, secrets: [SHOP_PASSWORD]}
---
- launchApp
- assertVisible: Accueil
- tapOn: Se connecter
- tapOn: {css: "input#email"}
- inputText: ${SHOP_USER}
- tapOn: {id: password}
- inputText: ${SHOP_PASSWORD}
- tapOn: {css: "#submit", label: Login}
- assertVisible: {id: welcome_banner}
- assertNotVisible: "(?i).*erreur.*"
"""


def test_css_selectors_and_a_backend_error(run_web: Callable[..., RunResult],
                                           chrome_device: DeviceSpec,
                                           journey_file: Callable[..., Journey]) -> None:
    journey = journey_file(WEB_FAULT)
    ok = run_web(journey)
    assert ok.status is Status.PASSED, ok.error
    faults.set_fault(chrome_device.name, "error_dialog", text="Erreur 500", on="submit")
    bad = run_web(journey)
    assert (bad.status, bad.category) == (Status.FAILED, Category.BACKEND), bad.error
    kinds = {a.kind for a in bad.artifacts}
    assert {"screenshot", "page_source", "texts", "timeline"} <= kinds
