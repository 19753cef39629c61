"""Device backends: one protocol (`base.DeviceBackend`), one implementation per kind of device.

`open_backend` chooses from the device's configuration (ronde.yaml) and the journey's platform;
the returned backend is not started yet (the runner starts it under a deadline).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from emulators.capabilities import sim_capabilities
from journeys.model import Journey, Platform
from robots.backends import capabilities
from robots.backends.base import AppState, Bounds, DeviceBackend, DeviceInfo, Element, Snapshot
from robots.devices import DeviceKind, DeviceSpec
from robots.exceptions import SessionError


@dataclass(frozen=True, slots=True)
class _Request:
    """What every opener is given: the journey, the device and how to reach it."""

    journey: Journey
    device: DeviceSpec
    appium_url: str | None
    css_queries: Sequence[str]
    http_timeout_s: float
    start_url: str | None  # the journey's `url:` with its variables resolved (web journeys)
    clock: Callable[[], float]

    @property
    def web(self) -> bool:
        return self.journey.platform == Platform.WEB


def open_backend(journey: Journey, device: DeviceSpec, *, appium_url: str | None,
                 css_queries: Sequence[str] = (), http_timeout_s: float = 60.0,
                 start_url: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> DeviceBackend:
    """The backend for running `journey` on `device` (raises SessionError when impossible).

    `start_url` is the journey's `url:` with its variables resolved (web journeys).
    """
    request = _Request(journey, device, appium_url, css_queries, http_timeout_s,
                       start_url or journey.url, clock)
    return OPENERS[device.kind](request)


def _browser(req: _Request) -> DeviceBackend:
    """DeviceKind.BROWSER: Chromium with the device's phone emulation profile."""
    device, journey = req.device, req.journey
    if not req.web:
        raise SessionError(f"device {device.name!r} is a browser; journey "
                           f"{journey.id!r} is a native {journey.platform} journey")
    from robots.backends.profiles import profile
    from robots.backends.web import WebBackend

    try:
        prof = profile(device.browser_emulate or "")
    except ValueError as exc:
        raise SessionError(str(exc)) from None
    return WebBackend.chromium(prof, start_url=req.start_url, css_queries=req.css_queries,
                               clock=req.clock)


def _appium_url(req: _Request) -> str:
    url = req.device.appium_url or req.appium_url
    if not url:
        raise SessionError(f"device {req.device.name!r} has no Appium URL (and none was given)")
    return url


def _simulated(req: _Request) -> DeviceBackend:
    """DeviceKind.SIMULATED: the simulated device's Appium driver (emulators/sim-driver)."""
    device, journey = req.device, req.journey
    url = _appium_url(req)
    if req.web:
        raise SessionError(f"simulated device {device.name!r} cannot run web journey "
                           f"{journey.id!r}: use a browser device")
    caps = sim_capabilities(device.name, device.simulated_app or "",
                            platform=str(journey.platform),
                            new_command_timeout=capabilities.NEW_COMMAND_TIMEOUT_S)
    return _native(req, url, caps)


def _appium(req: _Request) -> DeviceBackend:
    """DeviceKind.APPIUM: any Appium server, a phone's app or its browser."""
    url = _appium_url(req)
    if req.web:
        return _remote_browser(req.device, url, req.start_url, req.css_queries, req.clock)
    journey = req.journey
    caps = capabilities.native(str(journey.platform), journey.app_id, req.device.capabilities)
    return _native(req, url, caps)


def _native(req: _Request, url: str, caps: dict[str, Any]) -> DeviceBackend:
    from robots.backends.appium_native import AppiumNativeBackend

    platform = "ios" if str(caps.get("platformName", "")).lower() == "ios" else "android"
    return AppiumNativeBackend(url, caps, platform=platform, app_id=req.journey.app_id,
                               http_timeout_s=req.http_timeout_s, clock=req.clock)


OPENERS: dict[DeviceKind, Callable[[_Request], DeviceBackend]] = {
    DeviceKind.SIMULATED: _simulated,
    DeviceKind.APPIUM: _appium,
    DeviceKind.BROWSER: _browser,
}
"""One opener per device kind (`robots.devices.DeviceKind`)."""


def _remote_browser(device: DeviceSpec, url: str, start_url: str | None,
                    css_queries: Sequence[str], clock: Callable[[], float]) -> DeviceBackend:
    """A real phone's browser through Appium: capabilities only (untested on real hardware)."""
    from appium import webdriver
    from appium.options.common.base import AppiumOptions

    from robots.backends.web import WebBackend

    caps = capabilities.mobile_browser("", device.capabilities)
    caps["pageLoadStrategy"] = "none"

    def make() -> webdriver.Remote:
        return webdriver.Remote(url, options=AppiumOptions().load_capabilities(caps))

    return WebBackend(make, start_url=start_url, css_queries=css_queries, clock=clock)


__all__ = [
    "OPENERS", "AppState", "Bounds", "DeviceBackend", "DeviceInfo", "Element", "Snapshot",
    "open_backend",
]
