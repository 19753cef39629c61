"""Capabilities per platform (W3C `appium:` names), emulation profiles, device choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.capabilities import sim_capabilities
from journeys.model import Journey, Monitor, Platform
from robots.backends import capabilities, open_backend
from robots.backends.profiles import profile
from robots.backends.web import HEADLESS_FLAGS, chromium_options
from robots.devices import DeviceSpec
from robots.exceptions import SessionError
from robots.pick import NoDevice, pick_device


def journey(platform: Platform, devices: tuple[str, ...] = (), **kw: object) -> Journey:
    return Journey(Path("j.yaml"), Monitor(id="j", platform=platform, devices=devices), (),
                   **kw)  # type: ignore[arg-type]


def test_android_and_ios_capabilities_are_w3c() -> None:
    caps = capabilities.native("android", "com.app", {"udid": "emulator-5554",
                                                      "appium:noReset": False})
    assert caps["platformName"] == "Android"
    assert caps["appium:automationName"] == "UiAutomator2"
    assert caps["appium:appPackage"] == "com.app" and caps["appium:udid"] == "emulator-5554"
    assert caps["appium:noReset"] is False  # the user's keys win
    assert all(k in {"platformName"} or k.startswith("appium:") for k in caps)
    ios = capabilities.native("android", "com.app", {"platformName": "iOS"})
    assert ios["appium:automationName"] == "XCUITest" and ios["appium:bundleId"] == "com.app"


def test_simulated_and_mobile_browser_capabilities() -> None:
    sim = sim_capabilities("sim-1", "emulators/apps/demo-shop.yaml", platform="ios")
    assert sim["appium:automationName"] == "RondeSim" and sim["appium:udid"] == "sim-1"
    assert Path(sim["appium:app"]).is_absolute()
    assert sim["platformName"] == "iOS"  # the journey's platform; the driver checks the model
    assert sim_capabilities("sim-1", "emulators/apps/demo-shop.yaml")["platformName"] == "Android"
    web = capabilities.mobile_browser("", {"platformName": "iOS", "udid": "X"})
    assert web["browserName"] == "Safari" and web["appium:udid"] == "X"
    assert capabilities.mobile_browser("android")["browserName"] == "Chrome"


def test_profiles_and_chromium_options(tmp_path: Path) -> None:
    pixel = profile("pixel 7")
    assert (pixel.width, pixel.height) == (412, 915) and "Android 14" in pixel.user_agent
    assert "iPhone" in profile("iPhone 15").user_agent
    with pytest.raises(ValueError, match="known: Pixel 7"):
        profile("Nokia 3310")
    opts = chromium_options(pixel, str(tmp_path))
    caps = opts.to_capabilities()
    assert caps["browserName"] == "chrome"
    assert caps["goog:chromeOptions"]["binary"] == "/usr/bin/chromium"
    assert set(HEADLESS_FLAGS) <= set(caps["goog:chromeOptions"]["args"])
    emulation = caps["goog:chromeOptions"]["mobileEmulation"]
    assert emulation["deviceMetrics"]["width"] == 412 and emulation["userAgent"]


def test_backend_choice_refuses_impossible_pairs() -> None:
    browser = DeviceSpec("chrome", browser_emulate="Pixel 7")
    sim = DeviceSpec("sim", simulated_app="emulators/apps/demo-shop.yaml")
    with pytest.raises(SessionError, match="browser"):
        open_backend(journey(Platform.ANDROID, app_id="a"), browser, appium_url=None)
    with pytest.raises(SessionError, match="browser device"):
        open_backend(journey(Platform.WEB, url="http://x"), sim, appium_url="http://127.0.0.1:1")
    with pytest.raises(SessionError, match="no Appium URL"):
        open_backend(journey(Platform.ANDROID, app_id="a"), sim, appium_url=None)
    with pytest.raises(SessionError, match="unknown browser emulation profile"):
        open_backend(journey(Platform.WEB, url="http://x"),
                     DeviceSpec("c", browser_emulate="Nokia"), appium_url=None)


def test_pick_device() -> None:
    devices = (DeviceSpec("sim-a", ("android", "sim"), simulated_app="a.yaml"),
               DeviceSpec("chrome", ("web",), browser_emulate="Pixel 7"),
               DeviceSpec("real", ("android", "real"), appium_url="http://127.0.0.1:4723"))
    assert pick_device(devices, journey(Platform.ANDROID)).name == "sim-a"
    assert pick_device(devices, journey(Platform.ANDROID, ("tag:real",))).name == "real"
    assert pick_device(devices, journey(Platform.WEB)).name == "chrome"
    assert pick_device(devices, journey(Platform.ANDROID), "real").name == "real"
    with pytest.raises(NoDevice, match="no device named 'nope'"):
        pick_device(devices, journey(Platform.ANDROID), "nope")
    with pytest.raises(NoDevice, match=r"cannot run .*: it needs a browser device or an Appium"):
        pick_device(devices, journey(Platform.WEB), "sim-a")
    with pytest.raises(NoDevice, match="tag:ios"):
        pick_device(devices, journey(Platform.IOS, ("tag:ios",)))
    # The same rule as `validate` and the scheduler (robots.devices.can_run).
    iphone = DeviceSpec("iphone", appium_url="http://x", capabilities={"platformName": "iOS"})
    with pytest.raises(NoDevice, match="needs a simulated device or an Appium URL with "
                                       "platformName android"):
        pick_device((iphone,), journey(Platform.ANDROID), "iphone")
    assert pick_device((iphone, *devices), journey(Platform.IOS)).name == "iphone"
