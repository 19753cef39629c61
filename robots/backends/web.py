"""Mobile web: Chromium with mobile emulation, or a real phone's browser behind Appium."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from selenium import webdriver as selenium_webdriver
from selenium.common.exceptions import JavascriptException, WebDriverException
from selenium.webdriver.chrome.options import Options as ChromeOptions
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from robots.backends.base import AppState, DeviceInfo, Element, Snapshot
from robots.backends.devtools import DevTools, DevToolsError
from robots.backends.profiles import Profile
from robots.backends.websnapshot import expression, parse_web_snapshot, script
from robots.exceptions import BackendUnsupported, StaleElement

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
HEADLESS_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)
_EMPTY = '{"elements": []}'
_KEYS = {"enter": Keys.ENTER, "tab": Keys.TAB, "backspace": Keys.BACKSPACE,
         "delete": Keys.DELETE, "escape": Keys.ESCAPE, "space": Keys.SPACE}
_NAV_TIMING = """
var n = performance.getEntriesByType('navigation')[0];
if (!n) { return null; }
return {domContentLoaded: n.domContentLoadedEventEnd - n.startTime,
        load: n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : null,
        responseStart: n.responseStart - n.startTime};
"""
_HTTP_ERRORS = """
var out = [];
var all = performance.getEntriesByType('navigation').concat(
    performance.getEntriesByType('resource'));
for (var i = 0; i < all.length; i++) {
  var s = all[i].responseStatus;
  if (s && s >= 400) { out.push('HTTP ' + s + ' ' + all[i].name); }
}
return out;
"""
_APP_VERSION = """
var m = document.querySelector('meta[name="app-version"], meta[name="version"]');
return m ? m.getAttribute('content') : null;
"""


def chromium_options(profile: Profile, user_data_dir: str) -> ChromeOptions:
    """chromium-driver wants `browserName: chrome`; Debian's binary and headless flags."""
    options = ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in HEADLESS_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_experimental_option("mobileEmulation", profile.mobile_emulation())
    options.page_load_strategy = "none"  # the robot measures the load itself, by polling
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


class WebBackend:
    """A browser session. `factory` makes the WebDriver (Chromium locally, or Appium remote)."""

    def __init__(self, factory: Callable[[], WebDriver], *, start_url: str | None,
                 profile: Profile | None = None, css_queries: Sequence[str] = (),
                 cleanup: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, same_host_clock: bool = False,
                 epoch: Callable[[], float] = time.time) -> None:
        self.platform = "web"
        self._factory = factory
        self.start_url = start_url
        self.profile = profile
        self.css_queries = list(dict.fromkeys(css_queries))
        self._cleanup = cleanup
        self._clock = clock
        # a browser on this host shares its wall clock: its timings can be placed on ours
        self.same_host_clock = same_host_clock
        self._epoch = epoch
        self.driver: WebDriver | None = None
        self._expression = expression(self.css_queries)
        self._devtools: DevTools | None = None

    @classmethod
    def chromium(cls, profile: Profile, *, start_url: str | None, css_queries: Sequence[str] = (),
                 clock: Callable[[], float] = time.monotonic) -> WebBackend:
        """Debian's Chromium + chromedriver with the profile's mobile emulation."""
        user_dir = tempfile.mkdtemp(prefix="ronde-chromium-")

        def make() -> WebDriver:
            return selenium_webdriver.Chrome(options=chromium_options(profile, user_dir),
                                             service=ChromeService(CHROMEDRIVER))

        return cls(make, start_url=start_url, profile=profile, css_queries=css_queries,
                   cleanup=lambda: shutil.rmtree(user_dir, ignore_errors=True), clock=clock,
                   same_host_clock=True)

    # ---- session -------------------------------------------------------------------------

    def start(self) -> DeviceInfo:
        try:
            self.driver = self._factory()
        except BaseException:
            if self._cleanup:
                self._cleanup()
            raise
        self.driver.set_script_timeout(30)
        address = (self.driver.capabilities.get("goog:chromeOptions") or {}).get("debuggerAddress")
        if address:
            devtools = DevTools(address)
            try:
                devtools.connect()
                self._devtools = devtools
            except DevToolsError:
                self._devtools = None  # chromedriver alone still works, with coarser page loads
        return self.device_info()

    def close(self) -> None:
        if self._devtools is not None:
            self._devtools.close()
            self._devtools = None
        try:
            if self.driver is not None:
                driver, self.driver = self.driver, None
                driver.quit()
        finally:
            if self._cleanup:
                self._cleanup()

    @property
    def _d(self) -> WebDriver:
        if self.driver is None:
            raise BackendUnsupported("no session")
        return self.driver

    # ---- page ----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        sent = self._clock()
        raw = None
        if self._devtools is not None:
            try:
                raw = self._devtools.evaluate(self._expression) or _EMPTY
            except DevToolsError:
                self._devtools = None  # fall back to chromedriver for the rest of the session
                sent = self._clock()
        if raw is None:
            try:
                raw = self._d.execute_script(script(), self.css_queries)
            except JavascriptException:
                raw = _EMPTY  # the document is being replaced: nothing to see yet
        received = self._clock()
        offset = received - self._epoch() if self.same_host_clock else None
        return parse_web_snapshot(raw, sent, received, offset)

    def _find(self, el: Element) -> Any:
        if el.locator is None or el.locator[0] != "ronde-index":
            raise StaleElement("element has no locator")
        found = self._d.execute_script(
            "return (window.__ronde || [])[arguments[0]] || null;", int(el.locator[1]))
        if found is None:
            raise StaleElement("the page changed since the snapshot")
        return found

    # ---- actions -------------------------------------------------------------------------

    def tap(self, element: Element, *, long_press: bool = False, double: bool = False) -> float:
        web_el = self._find(element)
        sent = self._clock()
        if double:
            from selenium.webdriver.common.action_chains import ActionChains

            ActionChains(self._d).double_click(web_el).perform()
        else:
            web_el.click()
        return sent

    def _active(self, target: Element | None) -> Any:
        active = self._d.switch_to.active_element
        tag = (active.tag_name or "").lower() if active is not None else ""
        if tag in ("input", "textarea") or (active is not None and
                                            active.get_attribute("contenteditable") == "true"):
            return active
        if target is not None:
            return self._find(target)
        raise BackendUnsupported("inputText: no focused text field (tap on one first)")

    def input_text(self, text: str, target: Element | None) -> float:
        field = self._active(target)
        sent = self._clock()
        field.send_keys(text)
        return sent

    def erase_text(self, characters: int, target: Element | None) -> float:
        field = self._active(target)
        sent = self._clock()
        field.send_keys(Keys.BACKSPACE * characters)
        return sent

    def launch_app(self, app_id: str | None, *, clear_state: bool, stop_app: bool) -> float:
        url = app_id if app_id and "://" in app_id else self.start_url
        if not url:
            raise BackendUnsupported("launchApp on web needs the journey's `url:`")
        if clear_state:
            self._d.delete_all_cookies()
            with contextlib.suppress(WebDriverException):  # about:blank has no storage
                self._d.execute_script("try{localStorage.clear();sessionStorage.clear();}"
                                       "catch(e){}")
        return self.open_link(url)

    def stop_app(self, app_id: str | None) -> float:
        sent = self._clock()
        self._d.get("about:blank")
        return sent

    def clear_app(self, app_id: str | None) -> float:
        sent = self._clock()
        self._d.delete_all_cookies()
        return sent

    def open_link(self, url: str) -> float:
        sent = self._clock()
        self._d.get(url)
        return sent

    def press_key(self, key: str) -> float:
        name = key.strip().lower()
        if name == "back":
            return self.back()
        if name == "home":
            return self.launch_app(None, clear_state=False, stop_app=False)
        if name not in _KEYS:
            raise BackendUnsupported(f"pressKey {key!r} is not available in a browser")
        target = self._d.switch_to.active_element
        sent = self._clock()
        target.send_keys(_KEYS[name])
        return sent

    def back(self) -> float:
        sent = self._clock()
        self._d.back()
        return sent

    def hide_keyboard(self) -> float:
        sent = self._clock()
        self._d.execute_script("if (document.activeElement) { document.activeElement.blur(); }")
        return sent

    def swipe(self, start: tuple[float, float], end: tuple[float, float], ms: int) -> float:
        sent = self._clock()
        # A finger moving up scrolls the page down: scroll by the opposite of the movement.
        self._d.execute_script("window.scrollBy(arguments[0], arguments[1]);",
                               start[0] - end[0], start[1] - end[1])
        return sent

    def screen_size(self) -> tuple[float, float]:
        w, h = self._d.execute_script("return [window.innerWidth, window.innerHeight];")
        return float(w), float(h)

    # ---- evidence ------------------------------------------------------------------------

    def screenshot(self) -> bytes:
        return self._d.get_screenshot_as_png()

    def logs(self, limit: int = 200) -> Sequence[str]:
        lines: list[str] = [str(x) for x in (self._d.execute_script(_HTTP_ERRORS) or [])]
        with contextlib.suppress(WebDriverException):  # a remote browser may keep no logs
            lines += [str(e.get("message", "")) for e in self._d.get_log("browser")]
        return lines[-limit:]

    def app_state(self, app_id: str | None) -> AppState:
        return AppState.FOREGROUND if self.on_start_site() else AppState.BACKGROUND

    def on_start_site(self) -> bool:
        """Still on the journey's site (another host means a third party took over)."""
        if not self.start_url:
            return True
        current = urlsplit(self._d.current_url or "")
        return current.scheme in ("", "about", "data") or (
            current.netloc == urlsplit(self.start_url).netloc)

    def connectivity(self) -> bool | None:
        value = self._d.execute_script("return navigator.onLine;")
        return None if value is None else bool(value)

    def device_info(self) -> DeviceInfo:
        caps = dict(self._d.capabilities or {})
        version = None
        with contextlib.suppress(WebDriverException):  # optional
            version = self._d.execute_script(_APP_VERSION)
        browser = f"{caps.get('browserName', 'browser')} {caps.get('browserVersion', '')}".strip()
        return DeviceInfo(
            model=self.profile.model if self.profile else caps.get("appium:deviceName"),
            os_version=self.profile.os_version if self.profile else caps.get("platformVersion"),
            app_version=version, platform="web", extra={"browser": browser},
        )

    def navigation_timing(self) -> dict[str, float]:
        got = self._d.execute_script(_NAV_TIMING) or {}
        return {k: float(v) for k, v in got.items() if isinstance(v, int | float)}
