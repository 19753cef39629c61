"""Device backends: one protocol (`base.DeviceBackend`), one implementation per kind of device.

`open_backend` chooses from the device's configuration (ronde.yaml) and the journey's platform;
the returned backend is not started yet (the runner starts it under a deadline).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from emulators.capabilities import sim_capabilities
from journeys.model import Journey, Platform
from robots.backends import capabilities
from robots.backends.base import AppState, Bounds, DeviceBackend, DeviceInfo, Element, Snapshot
from robots.devices import DeviceSpec
from robots.exceptions import SessionError


def open_backend(journey: Journey, device: DeviceSpec, *, appium_url: str | None,
                 css_queries: Sequence[str] = (), http_timeout_s: float = 60.0,
                 start_url: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> DeviceBackend:
    """The backend for running `journey` on `device` (raises SessionError when impossible).

    `start_url` is the journey's `url:` with its variables resolved (web journeys).
    """
    web = journey.platform == Platform.WEB
    start_url = start_url or journey.url
    if device.kind == "browser":
        if not web:
            raise SessionError(f"device {device.name!r} is a browser; journey "
                               f"{journey.id!r} is a native {journey.platform} journey")
        from robots.backends.profiles import profile
        from robots.backends.web import WebBackend

        try:
            prof = profile(device.browser_emulate or "")
        except ValueError as exc:
            raise SessionError(str(exc)) from None
        return WebBackend.chromium(prof, start_url=start_url, css_queries=css_queries,
                                   clock=clock)
    url = device.appium_url or appium_url
    if not url:
        raise SessionError(f"device {device.name!r} has no Appium URL (and none was given)")
    if web:
        if device.kind == "simulated":
            raise SessionError(f"simulated device {device.name!r} cannot run web journey "
                               f"{journey.id!r}: use a browser device")
        return _remote_browser(device, url, start_url, css_queries, clock)
    from robots.backends.appium_native import AppiumNativeBackend

    if device.kind == "simulated":
        caps = sim_capabilities(device.name, device.simulated_app or "",
                                platform=str(journey.platform),
                                new_command_timeout=capabilities.NEW_COMMAND_TIMEOUT_S)
    else:
        caps = capabilities.native(str(journey.platform), journey.app_id, device.capabilities)
    platform = "ios" if str(caps.get("platformName", "")).lower() == "ios" else "android"
    return AppiumNativeBackend(url, caps, platform=platform, app_id=journey.app_id,
                               http_timeout_s=http_timeout_s, clock=clock)


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
    "AppState", "Bounds", "DeviceBackend", "DeviceInfo", "Element", "Snapshot", "open_backend",
]
