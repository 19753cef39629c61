"""W3C capabilities, built in one place per platform (Appium 3 wants `appium:` prefixes).

Simulated devices' capabilities are the device layer's: `emulators.capabilities`.
"""

from __future__ import annotations

from typing import Any

# W3C keys that stay unprefixed; every other key gets Appium's vendor prefix.
_W3C = {
    "platformName", "browserName", "browserVersion", "acceptInsecureCerts", "pageLoadStrategy",
    "proxy", "setWindowRect", "timeouts", "strictFileInteractability", "unhandledPromptBehavior",
    "webSocketUrl",
}
NEW_COMMAND_TIMEOUT_S = 120


def w3c(caps: dict[str, Any]) -> dict[str, Any]:
    """Prefixes legacy keys (`udid` -> `appium:udid`) so Appium 3 accepts them."""
    return {k if k in _W3C or ":" in k else f"appium:{k}": v for k, v in caps.items()}


def android(app_id: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A real Android device or emulator through UiAutomator2."""
    caps: dict[str, Any] = {
        "platformName": "Android",
        "appium:automationName": "UiAutomator2",
        "appium:newCommandTimeout": NEW_COMMAND_TIMEOUT_S,
        "appium:noReset": True,  # launchApp's clearState decides, not the session
        "appium:disableWindowAnimation": True,
    }
    if app_id:
        caps["appium:appPackage"] = app_id
        caps["appium:autoLaunch"] = False
    caps.update(w3c(extra or {}))
    return caps


def ios(app_id: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A real iPhone or a simulator through XCUITest."""
    caps: dict[str, Any] = {
        "platformName": "iOS",
        "appium:automationName": "XCUITest",
        "appium:newCommandTimeout": NEW_COMMAND_TIMEOUT_S,
        "appium:noReset": True,
    }
    if app_id:
        caps["appium:bundleId"] = app_id
        caps["appium:autoLaunch"] = False
    caps.update(w3c(extra or {}))
    return caps


def mobile_browser(platform: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A real phone's browser behind an Appium URL (Chrome on Android, Safari on iOS)."""
    user = w3c(extra or {})
    is_ios = platform == "ios" or str(user.get("platformName", "")).lower() == "ios"
    caps: dict[str, Any] = {
        "platformName": "iOS" if is_ios else "Android",
        "browserName": "Safari" if is_ios else "Chrome",
        "appium:automationName": "XCUITest" if is_ios else "UiAutomator2",
        "appium:newCommandTimeout": NEW_COMMAND_TIMEOUT_S,
    }
    caps.update(user)
    return caps


def native(platform: str, app_id: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    """A configured Appium device: the platform decides which builder, the user's keys win."""
    name = str(extra.get("platformName", platform)).lower()
    return ios(app_id, extra) if name == "ios" else android(app_id, extra)
