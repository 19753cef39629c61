"""Native apps through any Appium 3 server (UiAutomator2, XCUITest, or the simulated device)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from appium import webdriver
from appium.options.common.base import AppiumOptions
from appium.webdriver.client_config import AppiumClientConfig
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.keys import Keys

from robots.backends.appium_device import AppiumDeviceControls, unsupported
from robots.backends.base import AppState, DeviceInfo, Element, Snapshot
from robots.backends.fastsource import FastSource
from robots.backends.pagesource import parse_page_source
from robots.exceptions import BackendUnsupported, StaleElement

ANDROID_KEYS = {
    "enter": 66, "back": 4, "home": 3, "backspace": 67, "delete": 112, "tab": 61, "space": 62,
    "search": 84, "escape": 111, "volume up": 24, "volume down": 25, "power": 26, "lock": 26,
    "remote dpad up": 19, "remote dpad down": 20, "remote dpad left": 21,
    "remote dpad right": 22, "remote dpad center": 23,
}
LONG_PRESS_S = 1.0  # Android's long-press timeout is 400-500 ms; UiAutomator2 holds 1 s too
DOUBLE_TAP_GAP_S = 0.1  # well inside Android's 300 ms double-tap timeout
def _session_device(caps: dict[str, Any]) -> str | None:
    """The device the server gave the session, from its returned capabilities (Grid merges
    the chosen slot's stereotype into them: `appium:udid`, else the device name)."""
    for key in ("appium:udid", "udid", "appium:deviceName", "deviceName"):
        value = caps.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class AppiumNativeBackend(AppiumDeviceControls):
    """A live Appium session on a phone, an emulator or the simulated device."""

    def __init__(self, url: str, capabilities: dict[str, Any], *, platform: str,
                 app_id: str | None, http_timeout_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.capabilities = capabilities
        self.platform = platform
        self.app_id = app_id
        self._http_timeout_s = http_timeout_s
        self._clock = clock
        self.driver: webdriver.Remote | None = None
        self._last_source: str | None = None
        self._last_parsed: tuple[list[Element], Any] | None = None
        self._fast: FastSource | None = None

    # ---- session -------------------------------------------------------------------------

    def start(self) -> DeviceInfo:
        options = AppiumOptions().load_capabilities(dict(self.capabilities))
        config = AppiumClientConfig(self.url, keep_alive=True,
                                    timeout=int(max(1, self._http_timeout_s)))
        self.driver = webdriver.Remote(self.url, options=options, client_config=config)
        self._fast = FastSource(self.url, self.driver.session_id or "", self._http_timeout_s)
        return self.device_info()

    def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
        if self.driver is not None:
            driver, self.driver = self.driver, None
            driver.quit()

    @property
    def _d(self) -> webdriver.Remote:
        if self.driver is None:
            raise BackendUnsupported("no session")
        return self.driver

    def _mobile(self, name: str, args: dict[str, Any] | None = None) -> Any:
        return self._d.execute_script(f"mobile: {name}", args or {})

    def _app_args(self, app_id: str | None) -> dict[str, Any]:
        target = app_id or self.app_id
        if not target:
            raise BackendUnsupported("no appId: set `appId` in the journey or the command")
        return {"appId": target, "bundleId": target}

    # ---- page ----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        sent = self._clock()
        source = self._fast.fetch() if self._fast is not None else None
        if source is None:
            sent = self._clock()
            source = self._d.page_source
        received = self._clock()
        if source != self._last_source or self._last_parsed is None:
            self._last_parsed = parse_page_source(source)
            self._last_source = source
        elements, screen = self._last_parsed
        return Snapshot(elements, source, sent, received, screen)

    def _find(self, el: Element) -> Any:
        if el.locator is None:
            raise StaleElement("element has no locator")
        try:
            return self._d.find_element(*el.locator)
        except NoSuchElementException as exc:
            raise StaleElement(f"{el.locator[1]} is gone") from exc

    # ---- actions (each returns the clock time at which the action was sent) ----------------

    def tap(self, element: Element, *, long_press: bool = False, double: bool = False) -> float:
        web_el = self._find(element)
        sent = self._clock()
        try:
            if long_press:
                return self._gesture("longClickGesture", web_el, sent)
            if double:
                return self._gesture("doubleClickGesture", web_el, sent)
            web_el.click()
        except StaleElementReferenceException as exc:
            raise StaleElement(str(exc.msg)) from exc
        return sent

    def _gesture(self, name: str, web_el: Any, sent: float) -> float:
        """UiAutomator2's `mobile:` gesture, else the same gesture as W3C pointer actions."""
        try:
            self._mobile(name, {"elementId": web_el.id})
            return sent
        except WebDriverException as exc:
            if not unsupported(exc):
                raise
        return self._pointer_gesture(name, web_el)

    def _pointer_gesture(self, name: str, web_el: Any) -> float:
        """A long press (held LONG_PRESS_S) or a double tap with a finger on the element's centre;
        a driver without pointer actions gets plain clicks (twice for a double tap)."""
        rect = web_el.rect
        x, y = int(rect["x"] + rect["width"] / 2), int(rect["y"] + rect["height"] / 2)
        actions = ActionBuilder(self._d, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
        pointer = actions.pointer_action.move_to_location(x, y).pointer_down()
        if name == "longClickGesture":
            pointer.pause(LONG_PRESS_S).release()
        else:
            pointer.pause(0.05).release().pause(DOUBLE_TAP_GAP_S).pointer_down().pause(0.05)
            pointer.release()
        sent = self._clock()
        try:
            actions.perform()
            return sent
        except WebDriverException as exc:
            if not unsupported(exc):
                raise
        sent = self._clock()
        web_el.click()
        if name == "doubleClickGesture":
            web_el.click()
        return sent

    def input_text(self, text: str, target: Element | None) -> float:
        if target is None:
            raise BackendUnsupported("inputText: no focused text field (tap on one first)")
        web_el = self._find(target)
        sent = self._clock()
        web_el.send_keys(text)
        return sent

    def erase_text(self, characters: int, target: Element | None) -> float:
        if target is None:
            raise BackendUnsupported("eraseText: no focused text field")
        # Maestro presses Delete n times in the focused field: W3C key actions do the same.
        keys = ActionBuilder(self._d)
        for _ in range(max(0, characters)):
            keys.key_action.key_down(Keys.BACKSPACE).key_up(Keys.BACKSPACE)
        sent = self._clock()
        try:
            keys.perform()
            return sent
        except WebDriverException as exc:
            if not unsupported(exc):
                raise
        web_el = self._find(target)  # no key actions: rewrite the field's text instead
        sent = self._clock()
        current = "" if target.password else (web_el.text or "")
        if current == target.hint:
            current = ""
        web_el.clear()
        if characters < len(current):
            web_el.send_keys(current[: len(current) - characters])
        return sent

    def launch_app(self, app_id: str | None, *, clear_state: bool, stop_app: bool) -> float:
        args = self._app_args(app_id)
        if stop_app or clear_state:
            self._mobile("terminateApp", args)
        if clear_state:
            self._mobile("clearApp", args)
        sent = self._clock()
        self._mobile("activateApp", args)
        return sent

    def stop_app(self, app_id: str | None) -> float:
        sent = self._clock()
        self._mobile("terminateApp", self._app_args(app_id))
        return sent

    def clear_app(self, app_id: str | None) -> float:
        sent = self._clock()
        self._mobile("clearApp", self._app_args(app_id))
        return sent

    def open_link(self, url: str) -> float:
        sent = self._clock()
        try:
            args: dict[str, Any] = {"url": url}
            if self.app_id:
                args["package"] = self.app_id
            self._mobile("deepLink", args)
        except WebDriverException as exc:
            if not unsupported(exc):
                raise
            sent = self._clock()
            self._d.get(url)
        return sent

    def press_key(self, key: str) -> float:
        name = key.strip().lower()
        if name == "back":
            return self.back()
        if self.platform == "ios":
            sent = self._clock()
            if name in ("home", "volume up", "volume down"):
                self._mobile("pressButton", {"name": name.replace(" ", "")})
            elif name == "enter":
                self._d.switch_to.active_element.send_keys("\n")
            else:
                raise BackendUnsupported(f"pressKey {key!r} is not available on iOS")
            return sent
        code = ANDROID_KEYS.get(name)
        if code is None:
            raise BackendUnsupported(f"pressKey: unknown key {key!r}")
        sent = self._clock()
        try:
            self._mobile("pressKey", {"keycode": code})
        except WebDriverException as exc:
            if not unsupported(exc):
                raise
            sent = self._clock()
            self._d.press_keycode(code)
        return sent

    def back(self) -> float:
        sent = self._clock()
        self._d.back()
        return sent

    def hide_keyboard(self) -> float:
        sent = self._clock()
        # no keyboard shown is fine: Maestro treats hideKeyboard as best effort too
        with contextlib.suppress(WebDriverException):
            self._d.hide_keyboard()
        return sent

    def swipe(self, start: tuple[float, float], end: tuple[float, float], ms: int) -> float:
        actions = ActionBuilder(self._d, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
        actions.pointer_action.move_to_location(int(start[0]), int(start[1]))
        actions.pointer_action.pointer_down()
        actions.pointer_action.pause(ms / 1000)
        actions.pointer_action.move_to_location(int(end[0]), int(end[1]))
        actions.pointer_action.release()
        sent = self._clock()
        actions.perform()
        return sent

    def screen_size(self) -> tuple[float, float]:
        size = self._d.get_window_size()
        return float(size["width"]), float(size["height"])

    # ---- evidence ------------------------------------------------------------------------

    def screenshot(self) -> bytes:
        return self._d.get_screenshot_as_png()

    def logs(self, limit: int = 200) -> Sequence[str]:
        kind = "syslog" if self.platform == "ios" else "logcat"
        entries = self._d.get_log(kind) or []
        return [str(e.get("message", e)) if isinstance(e, dict) else str(e)
                for e in entries[-limit:]]

    def app_state(self, app_id: str | None) -> AppState:
        value = self._mobile("queryAppState", self._app_args(app_id))
        try:
            return AppState(int(value))
        except (TypeError, ValueError):
            return AppState.UNKNOWN

    def connectivity(self) -> bool | None:
        try:
            state = self._mobile("getConnectivity")
        except WebDriverException as exc:
            if unsupported(exc):
                return None
            raise
        if not isinstance(state, dict):
            return None
        if state.get("airplaneMode"):
            return False
        return bool(state.get("wifi") or state.get("data"))

    def device_info(self) -> DeviceInfo:
        caps = dict(self._d.capabilities or {})
        info: dict[str, Any] = {}
        try:
            got = self._mobile("deviceInfo")
            if isinstance(got, dict):
                info = got
        except WebDriverException:
            pass  # optional: capabilities carry the essentials

        def pick(*keys: str) -> str | None:
            for key in keys:
                for source in (info, caps):
                    value = source.get(key) or source.get(f"appium:{key}")
                    if value:
                        return str(value)
            return None

        return DeviceInfo(
            model=pick("model", "deviceModel", "deviceName"),
            os_version=pick("platformVersion", "osVersion", "apiVersion"),
            app_version=pick("appVersion", "appVersionName", "CFBundleShortVersionString"),
            platform=self.platform,
            extra={k: v for k, v in info.items() if isinstance(v, str | int | float | bool)},
            udid=_session_device(caps),
        )

    def navigation_timing(self) -> dict[str, float]:
        return {}
