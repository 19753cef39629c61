"""Small helpers for driving the demo shop with appium-python-client (no Ronde robot code)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from appium.webdriver.common.appiumby import AppiumBy

SHOP = "com.ronde.demo.shop"
PAY = "com.ronde.demo.pay"
USER = "qa-robot@example.com"
PASSWORD = "demo-secret"


def rid(element_id: str, app: str = SHOP) -> str:
    return f"{app}:id/{element_id}"


def wait_source(driver: Any, predicate: Callable[[str], bool], timeout: float = 5.0) -> float:
    """Polls the page source as fast as it can; returns the monotonic time the predicate held."""
    deadline = time.monotonic() + timeout
    while True:
        source = driver.page_source
        now = time.monotonic()
        if predicate(source):
            return now
        if now > deadline:
            raise AssertionError(f"condition not met within {timeout} s; page source:\n{source}")


def wait_id(driver: Any, element_id: str, timeout: float = 5.0, app: str = SHOP) -> float:
    marker = f'resource-id="{rid(element_id, app)}"'
    return wait_source(driver, lambda s: marker in s, timeout)


def tap(driver: Any, element_id: str) -> None:
    driver.find_element(AppiumBy.ID, element_id).click()


def open_login(driver: Any) -> None:
    wait_id(driver, "login")
    tap(driver, "login")
    wait_id(driver, "submit")


def fill_login(driver: Any, user: str = USER, password: str = PASSWORD) -> None:
    driver.find_element(AppiumBy.ID, "email").send_keys(user)
    driver.find_element(AppiumBy.ID, "password").send_keys(password)


def dialog_text(driver: Any) -> str | None:
    found = driver.find_elements(AppiumBy.ID, "android:id/message")
    return found[0].text if found else None
