"""Maestro's device commands over Appium 3 (`base.DeviceControls`): the `mobile:` extensions of
UiAutomator2 and XCUITest, each with the other driver's form or a W3C fallback, and a
`BackendUnsupported` naming the command when the driver has none of them.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from selenium.common.exceptions import (
    InvalidArgumentException,
    UnknownMethodException,
    WebDriverException,
)
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput

from robots.exceptions import BackendUnsupported

LONG_PRESS_S = 1.0
DOUBLE_TAP_GAP_S = 0.1
ANDROID_GALLERY = "/sdcard/Pictures"
BROWSER = {"android": "com.android.chrome", "ios": "com.apple.mobilesafari"}
# Maestro's permission names -> Android permissions (others pass through as written)
ANDROID_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "camera": ("android.permission.CAMERA",),
    "location": ("android.permission.ACCESS_FINE_LOCATION",
                 "android.permission.ACCESS_COARSE_LOCATION"),
    "microphone": ("android.permission.RECORD_AUDIO",),
    "contacts": ("android.permission.READ_CONTACTS", "android.permission.WRITE_CONTACTS"),
    "phone": ("android.permission.CALL_PHONE", "android.permission.READ_PHONE_STATE"),
    "sms": ("android.permission.SEND_SMS", "android.permission.READ_SMS",
            "android.permission.RECEIVE_SMS"),
    "calendar": ("android.permission.READ_CALENDAR", "android.permission.WRITE_CALENDAR"),
    "storage": ("android.permission.READ_EXTERNAL_STORAGE",
                "android.permission.WRITE_EXTERNAL_STORAGE"),
    "medialibrary": ("android.permission.READ_MEDIA_IMAGES",
                     "android.permission.READ_MEDIA_VIDEO"),
    "notifications": ("android.permission.POST_NOTIFICATIONS",),
    "bluetooth": ("android.permission.BLUETOOTH_CONNECT", "android.permission.BLUETOOTH_SCAN"),
}
_GRANT = {"allow": "grant", "deny": "revoke", "unset": "revoke"}
_IOS_ACCESS = {"allow": "yes", "deny": "no", "unset": "unset"}


# Not supported by a driver: these errors mean "try the next way", never a failed step.
_UNSUPPORTED = (UnknownMethodException, InvalidArgumentException)


def unsupported(exc: WebDriverException) -> bool:
    """A driver's "I cannot do this" (try the next way), as opposed to a failed call."""
    msg = (exc.msg or "").lower()
    if "unsupported execute method" in msg:  # Appium 3: a `mobile:` the driver lacks
        return True
    return isinstance(exc, _UNSUPPORTED) or "not implemented" in msg or ("unknown" in msg and (
        "command" in msg or "method" in msg or "mobile:" in msg
    ))


class AppiumDeviceControls:
    """Mixed into AppiumNativeBackend, which provides `_d`, `_mobile`, `_app_args`, `_clock`,
    and `platform`."""

    platform: str
    _clock: Callable[[], float]
    _d: Any

    def _mobile(self, name: str, args: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError  # pragma: no cover - provided by the backend

    def _app_args(self, app_id: str | None) -> dict[str, Any]:
        raise NotImplementedError  # pragma: no cover - provided by the backend

    def _first(self, what: str, *calls: Callable[[], Any]) -> Any:
        """The first call the driver supports; BackendUnsupported when none is."""
        for call in calls:
            try:
                return call()
            except WebDriverException as exc:
                if not unsupported(exc):
                    raise
        raise BackendUnsupported(f"{what} is not supported by this device's driver")

    def tap_at(self, x: float, y: float, *, long_press: bool = False,
               double: bool = False) -> float:
        actions = ActionBuilder(self._d, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
        pointer = actions.pointer_action.move_to_location(int(x), int(y)).pointer_down()
        if long_press:
            pointer.pause(LONG_PRESS_S).release()
        elif double:
            pointer.pause(0.05).release().pause(DOUBLE_TAP_GAP_S).pointer_down().pause(0.05)
            pointer.release()
        else:
            pointer.pause(0.05).release()
        sent = self._clock()
        actions.perform()
        return sent

    def kill_app(self, app_id: str | None) -> float:
        sent = self._clock()
        self._mobile("terminateApp", self._app_args(app_id))
        return sent

    def clear_keychain(self) -> float:
        sent = self._clock()
        if self.platform == "ios":
            self._first("clearKeychain", lambda: self._mobile("clearKeychains"))
        return sent  # Android has no keychain: nothing to clear (Maestro does nothing too)

    def set_permissions(self, app_id: str | None, permissions: Mapping[str, str]) -> float:
        args = self._app_args(app_id)
        sent = self._clock()
        for name, value in permissions.items():
            state = value.strip().lower()
            if state not in _GRANT:
                raise BackendUnsupported(f"launchApp.permissions.{name}: {value!r} is not allow, "
                                         "deny or unset")
            if self.platform == "ios":
                access = {name: _IOS_ACCESS[state]}
                self._first("launchApp.permissions", lambda a=access: self._mobile(
                    "setPermission", {"bundleId": args["bundleId"], "access": a}))
                continue
            wanted: Any = "all" if name == "all" else list(ANDROID_PERMISSIONS.get(name, (name,)))
            self._first("launchApp.permissions", lambda w=wanted, s=state: self._mobile(
                "changePermissions", {"permissions": w, "appPackage": args["appId"],
                                      "action": _GRANT[s]}))
        return sent

    def launch_with_arguments(self, app_id: str | None, arguments: Mapping[str, str]) -> float:
        args = self._app_args(app_id)
        flat = [part for key, value in arguments.items() for part in (f"-{key}", value)]
        sent = self._clock()
        self._first("launchApp.arguments", lambda: self._mobile(
            "launchApp", {**args, "arguments": flat}))
        return sent

    def open_in_browser(self, url: str) -> float:
        package = BROWSER.get(self.platform, BROWSER["android"])
        sent = self._clock()
        self._mobile("deepLink", {"url": url, "package": package, "bundleId": package})
        return sent

    def set_location(self, latitude: float, longitude: float) -> float:
        sent = self._clock()
        where = {"latitude": latitude, "longitude": longitude}
        self._first("setLocation",
                    lambda: self._mobile("setGeolocation", where),
                    lambda: self._mobile("setSimulatedLocation", where),
                    lambda: self._d.set_location(latitude, longitude))
        return sent

    def add_media(self, name: str, data: bytes) -> float:
        encoded = base64.b64encode(data).decode("ascii")
        sent = self._clock()
        if self.platform == "ios":  # a simulator adds a pushed file without @bundle to Photos
            self._d.push_file(name, encoded)
            return sent
        path = f"{ANDROID_GALLERY}/{name}"
        self._d.push_file(path, encoded)
        self._first("addMedia", lambda: self._mobile("scanMedia", {"remotePath": path}),
                    lambda: None)
        return sent

    def start_recording(self) -> float:
        sent = self._clock()
        self._first("startRecording", lambda: self._mobile("startScreenRecording"))
        return sent

    def stop_recording(self) -> bytes:
        got = self._first("stopRecording", lambda: self._mobile("stopScreenRecording"))
        return base64.b64decode(got or "")

    def set_airplane_mode(self, enabled: bool) -> float:
        sent = self._clock()
        self._first("setAirplaneMode",
                    lambda: self._mobile("setConnectivity", {"airplaneMode": enabled}))
        return sent

    def airplane_mode(self) -> bool:
        state = self._first("toggleAirplaneMode", lambda: self._mobile("getConnectivity"))
        return bool(isinstance(state, dict) and state.get("airplaneMode"))

    def set_clipboard(self, text: str) -> None:
        content = base64.b64encode(text.encode("utf-8")).decode("ascii")
        # the copied text is remembered anyway; the device's clipboard is a bonus
        with contextlib.suppress(BackendUnsupported):
            self._first("the clipboard",
                        lambda: self._mobile("setClipboard", {"content": content,
                                                              "contentType": "plaintext"}),
                        lambda: self._mobile("setPasteboard", {"content": text}))

    def clipboard(self) -> str:
        try:
            got = self._first("the clipboard",
                              lambda: self._mobile("getClipboard", {"contentType": "plaintext"}),
                              lambda: base64.b64encode(str(self._mobile("getPasteboard"))
                                                       .encode()).decode())
        except BackendUnsupported:
            return ""
        return base64.b64decode(got or "").decode("utf-8", "replace")


__all__ = ["ANDROID_PERMISSIONS", "AppiumDeviceControls"]
