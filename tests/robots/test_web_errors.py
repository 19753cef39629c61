"""On the web the protocol decides before any text: a browser error page (`net::ERR_*`) is the
network, the main document's HTTP 5xx the backend — and both fail the step at once."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulators import faults
from journeys.model import Journey
from journeys.results import Category, RunResult, Status
from robots.devices import DeviceSpec
from robots.runner import run_journey
from tests.robots.conftest import shop_env

pytestmark = pytest.mark.chromium

JOURNEY = """
url: {url}
env: {{SHOP_USER: qa-robot@example.com}}
monitor: {{id: web-errors, step_timeout: 10s, timeout: 1m, secrets: [SHOP_PASSWORD]}}
---
- launchApp
- assertVisible: Accueil
- tapOn: Se connecter
- tapOn: {{css: "input#email"}}
- inputText: ${{SHOP_USER}}
- tapOn: {{id: password}}
- inputText: ${{SHOP_PASSWORD}}
- tapOn: {{css: "#submit", label: Login}}
- assertVisible: {{id: welcome_banner}}
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(journey: Journey, device: DeviceSpec, tmp_path: Path, **env: str) -> RunResult:
    return run_journey(journey, device, appium_url=None, artifacts_dir=tmp_path / "artifacts",
                       environ={**shop_env(), **env})


def _failed_ms(result: RunResult) -> float:
    return [s for s in result.steps if s.status is Status.FAILED][-1].duration_ms


def test_connection_refused_is_the_network_at_once(
        chrome_device: DeviceSpec, tmp_path: Path, journey_file: Callable[..., Journey]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"
    result = _run(journey_file(JOURNEY.format(url=url)), chrome_device, tmp_path)
    print(f"\nERR_CONNECTION_REFUSED: {result.category} after {_failed_ms(result):.0f} ms")
    assert (result.status, result.category) == (Status.FAILED, Category.NETWORK), result.error
    assert "ERR_CONNECTION_REFUSED" in (result.error or "")
    assert _failed_ms(result) <= 1000


def test_http_503_is_the_backend_whatever_the_page_says(
        web_shop: Any, chrome_device: DeviceSpec, tmp_path: Path,
        journey_file: Callable[..., Journey]) -> None:
    """The page's words name no failure ("Oups, réessayez plus tard"): the status does."""
    faults.set_fault(chrome_device.name, "error_dialog", text="Oups, réessayez plus tard",
                     status=503, on="submit")
    try:
        result = _run(journey_file(JOURNEY.format(url="${SHOP_WEB_URL}")), chrome_device,
                      tmp_path, SHOP_WEB_URL=web_shop.url)
    finally:
        faults.clear_faults(chrome_device.name)
    assert (result.status, result.category) == (Status.FAILED, Category.BACKEND), result.error
    assert "HTTP 503" in (result.error or "")
    assert _failed_ms(result) <= 1000
    assert [t.name for t in result.transactions if t.status is Status.FAILED] == ["Login"]
