"""Every fault of the simulated device gives the right status and category, from evidence."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulators import faults
from emulators.appium_server import free_port
from emulators.capabilities import DEMO_SHOP
from journeys.model import Journey
from journeys.results import Category, RunResult, Status
from robots.backends import open_backend
from robots.devices import DeviceSpec

pytestmark = pytest.mark.appium

STEP_TIMEOUT_S = 2.0
LOGIN_CART = """
appId: com.ronde.demo.shop
env: {SHOP_USER: qa-robot@example.com}
monitor: {id: faults, step_timeout: 2s, timeout: 1m, slow: 1100ms, secrets: [SHOP_PASSWORD]}
---
- launchApp: {clearState: true}
- extendedWaitUntil: {visible: Accueil, timeout: 10s}
- tapOn: {id: login, label: Open login}
- assertVisible: {id: email}
- tapOn: {id: email}
- inputText: ${SHOP_USER}
- tapOn: {id: password}
- inputText: ${SHOP_PASSWORD}
- tapOn: {text: Valider, label: Login}
- assertVisible: {id: welcome_banner}
- tapOn: {text: Panier, label: Open cart}
- assertVisible: {id: cart_title}
"""
CHECKOUT = """
appId: com.ronde.demo.shop
monitor: {id: checkout, step_timeout: 3s, timeout: 1m}
---
- launchApp: {clearState: true}
- tapOn: Catalogue
- tapOn: {id: product_1}
- tapOn: Ajouter au panier
- tapOn: {id: checkout, label: Open payment app}
- extendedWaitUntil: {visible: {id: pay_confirm}, timeout: 4s}
- tapOn: {text: Confirmer le paiement, label: Payment}
- extendedWaitUntil: {visible: Commande confirmée, timeout: 3s}
"""

# fault, parameters, journey, status, category, the step that fails
CASES: list[tuple[str | None, dict[str, Any], str, Status, Category | None, str | None]] = [
    (None, {}, LOGIN_CART, Status.PASSED, None, None),
    ("slow", {"add_ms": 400}, LOGIN_CART, Status.DEGRADED, Category.PERFORMANCE, None),
    ("slow", {"add_ms": 2500}, LOGIN_CART, Status.FAILED, Category.TIMEOUT, "assertVisible"),
    ("error_dialog", {"text": "Erreur 500", "on": "submit"}, LOGIN_CART, Status.FAILED,
     Category.BACKEND, "assertVisible"),
    ("login_refused", {}, LOGIN_CART, Status.FAILED, Category.AUTHENTICATION, "assertVisible"),
    ("blank_screen", {"screen": "welcome"}, LOGIN_CART, Status.FAILED, Category.DISPLAY,
     "assertVisible"),
    ("crash", {"on": "cart"}, LOGIN_CART, Status.FAILED, Category.CRASH, "assertVisible"),
    ("network_down", {}, LOGIN_CART, Status.FAILED, Category.NETWORK, "assertVisible"),
    ("hang", {"on": "submit"}, LOGIN_CART, Status.FAILED, Category.TIMEOUT, "tapOn"),
    ("offline", {}, LOGIN_CART, Status.ERROR, Category.SESSION, None),
    ("flaky", {"p": 1.0}, LOGIN_CART, Status.FAILED, Category.BACKEND, "assertVisible"),
    ("error_dialog", {"text": "Erreur 500", "on": "pay_confirm"}, CHECKOUT, Status.FAILED,
     Category.THIRD_PARTY, "extendedWaitUntil"),
]


@pytest.fixture
def device(sim_udid: str) -> Iterator[str]:
    yield sim_udid
    faults.clear_faults(sim_udid)


@pytest.mark.parametrize(("fault", "params", "text", "status", "category", "failed_step"), CASES,
                         ids=[f"{c[0]}-{c[3]}" if c[0] else "no-fault" for c in CASES])
def test_fault_gives_status_and_category(
    fault: str | None, params: dict[str, Any], text: str, status: Status,
    category: Category | None, failed_step: str | None, device: str,
    journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
) -> None:
    if fault:
        faults.set_fault(device, fault, **params)
    result = run_sim(journey_file(text), udid=device)
    assert (result.status, result.category) == (status, category), result.error
    failed = [s for s in result.steps if s.status is Status.FAILED]
    if failed_step is None:
        assert not failed
    else:
        assert [s.command for s in failed] == [failed_step]
        assert failed[0].category is category and failed[0].line
        assert result.error and str(failed[0].line) in result.error
        kinds = {a.kind for a in result.artifacts}
        assert {"page_source", "texts", "timeline"} <= kinds, kinds
        if fault != "hang":  # a hung device gives no screenshot: its session is dropped
            assert {"screenshot", "logcat"} <= kinds, kinds
        txn = [t for t in result.transactions if t.status is Status.FAILED]
        assert txn and txn[-1].category is category and txn[-1].response_ms is None
    if status is Status.DEGRADED:
        assert any(t.status is Status.DEGRADED and t.category is Category.PERFORMANCE
                   for t in result.transactions)
        assert {a.kind for a in result.artifacts} >= {"timeline", "page_source"}


def test_hang_ends_at_the_step_timeout(device: str, journey_file: Callable[..., Journey],
                                       run_sim: Callable[..., RunResult]) -> None:
    faults.set_fault(device, "hang", on="submit")
    result = run_sim(journey_file(LOGIN_CART), udid=device)
    hung = next(s for s in result.steps if s.status is Status.FAILED)
    assert hung.description.startswith('tapOn "Valider"')
    # the tap is abandoned at the step timeout (plus the one-second grace of a call in flight)
    assert STEP_TIMEOUT_S * 1000 <= hung.duration_ms <= (STEP_TIMEOUT_S + 1.5) * 1000
    assert "did not answer" in (hung.error or "")
    assert result.category is Category.TIMEOUT


def test_hang_of_every_command_still_ends(device: str, journey_file: Callable[..., Journey],
                                          run_sim: Callable[..., RunResult]) -> None:
    faults.set_fault(device, "hang")
    result = run_sim(journey_file(LOGIN_CART.replace("timeout: 1m", "timeout: 4s")), udid=device)
    # session creation itself hangs: the robot gives up at the journey's timeout; that is the
    # robot's side (no session), never the app's
    assert (result.status, result.category) == (Status.ERROR, Category.SESSION)
    assert result.duration_ms <= 6000 and "session creation" in (result.error or "")


def test_appium_down_is_an_error(journey_file: Callable[..., Journey],
                                 run_sim: Callable[..., RunResult], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_sim(journey_file(LOGIN_CART), appium_url=url)
    assert (result.status, result.category) == (Status.ERROR, Category.SESSION)
    assert "could not start a session" in (result.error or "")
    assert not result.steps and not result.transactions


def test_device_lost_mid_run_is_an_error(appium_server: Any, device: str,
                                         journey_file: Callable[..., Journey],
                                         run_sim: Callable[..., RunResult]) -> None:
    """The session disappears under the robot (device unplugged, server restarted)."""
    journey = journey_file("""
    appId: com.ronde.demo.shop
    monitor: {id: lost, step_timeout: 20s, timeout: 1m}
    ---
    - launchApp
    - extendedWaitUntil: {visible: Jamais, timeout: 20s}
    """)
    device_spec = DeviceSpec(device, simulated_app=str(DEMO_SHOP))
    backend = open_backend(journey, device_spec, appium_url=appium_server.url)
    stop = threading.Event()

    def unplug() -> None:
        while not stop.wait(0.5):
            driver = getattr(backend, "driver", None)
            if driver is not None and driver.session_id:
                httpx.delete(f"{appium_server.url}/session/{driver.session_id}")
                return

    killer = threading.Thread(target=unplug, daemon=True)
    killer.start()
    try:
        result = run_sim(journey, udid=device, backend=backend)
    finally:
        stop.set()
        killer.join()
    assert (result.status, result.category) == (Status.ERROR, Category.SESSION), result.error
    assert result.duration_ms < 10_000
