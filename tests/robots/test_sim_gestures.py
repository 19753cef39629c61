"""Scrolling, swipes, long press, double tap and the app version, run by the robot on the
simulated device's long catalogue (12 products, half of them below the fold)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from selenium.common.exceptions import UnknownMethodException

from emulators.capabilities import sim_capabilities
from emulators.faults import set_fault
from journeys.model import Journey
from journeys.results import RunResult, Status
from robots.backends.appium_native import AppiumNativeBackend

pytestmark = pytest.mark.appium

SHOP = "com.ronde.demo.shop"

JOURNEY = """
appId: com.ronde.demo.shop
monitor: {id: gestures, step_timeout: 4s, timeout: 1m}
---
- launchApp
- tapOn: Catalogue
- assertVisible: {id: product_1}
- assertNotVisible: Lampe connectée
- scrollUntilVisible: {element: {text: Lampe connectée}, direction: DOWN, timeout: 10s}
- assertNotVisible: {id: product_1}
- scrollUntilVisible: {element: {id: search}, direction: UP}
- assertNotVisible: Montre connectée
- scroll
- assertVisible: Montre connectée
- swipe: {direction: DOWN}
- assertVisible: {id: search}
- assertNotVisible: Montre connectée
- longPressOn: Enceinte
- assertVisible: Ajouté aux favoris
- tapOn: OK
- longPressOn: {id: product_1}
- assertVisible: {id: product_image}
- doubleTapOn: {id: product_image}
- assertVisible: Photo agrandie
"""


def test_scroll_swipe_and_gestures_on_the_long_catalogue(
        journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult]) -> None:
    result = run_sim(journey_file(JOURNEY))
    assert result.status is Status.PASSED, (result.error, [
        (s.description, s.error) for s in result.steps if s.status is not Status.PASSED])
    assert result.app_version == "3.4.1"  # from the session, as a device cloud reports it


def test_a_new_release_is_recorded_as_the_app_version(
        journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
        sim_udid: str) -> None:
    set_fault(sim_udid, "new_version", version="3.5.0")
    journey = journey_file("""
    appId: com.ronde.demo.shop
    monitor: {id: version, step_timeout: 3s}
    ---
    - launchApp
    - assertVisible: Accueil
    """)
    result = run_sim(journey)
    assert (result.status, result.app_version) == (Status.PASSED, "3.5.0")


def test_gestures_fall_back_to_w3c_pointer_actions(appium_server: Any, sim_udid: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver without UiAutomator2's `mobile:` gestures gets the same gestures as W3C actions."""
    backend = AppiumNativeBackend(appium_server.url, sim_capabilities(sim_udid),
                                  platform="android", app_id=SHOP)
    backend.start()
    try:
        real = backend._mobile

        def no_gestures(name: str, args: dict[str, Any] | None = None) -> Any:
            if name.endswith("ClickGesture"):
                raise UnknownMethodException(f"Unknown mobile command 'mobile: {name}'")
            return real(name, args)

        monkeypatch.setattr(backend, "_mobile", no_gestures)

        def element(short_id: str, timeout: float = 3.0) -> Any:
            import time
            until = time.monotonic() + timeout
            while True:
                found = [e for e in backend.snapshot().elements if e.short_id == short_id]
                if found or time.monotonic() > until:
                    assert found, f"{short_id} not shown"
                    return found[0]
                time.sleep(0.05)

        backend.tap(element("catalogue"))
        backend.tap(element("product_2"), long_press=True)
        assert element("message").text == "Ajouté aux favoris"  # not the product page
        backend.tap(element("button1"))
        backend.tap(element("product_1"))
        backend.tap(element("product_image"), double=True)
        assert element("message").text == "Photo agrandie"
    finally:
        backend.close()
