"""Scrolling, long press, double tap and the app version on the RondeSim driver, through a real
Appium 3 server with appium-python-client only (UiAutomator2's names and shapes)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from appium.webdriver.common.appiumby import AppiumBy
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput

from emulators.faults import clear_faults, set_fault
from tests.emulators.helpers import dialog_text, rid, tap, wait_id

pytestmark = pytest.mark.appium

LIST = "androidx.recyclerview.widget.RecyclerView"


def open_catalogue(driver) -> None:
    wait_id(driver, "catalogue")
    tap(driver, "catalogue")
    wait_id(driver, "product_1")


def products(driver) -> dict[str, tuple[int, int]]:
    """Product id -> (top, bottom) of what the page source shows."""
    root = ET.fromstring(driver.page_source.encode())
    out = {}
    for node in root.iter():
        m = re.fullmatch(r".*:id/(product_\d+)", node.get("resource-id", ""))
        if m:
            y = [int(n) for n in re.findall(r"\d+", node.get("bounds"))]
            out[m.group(1)] = (y[1], y[3])
    return out


def finger(driver, start: tuple[int, int], end: tuple[int, int], hold_s: float = 0.1) -> None:
    actions = ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    actions.pointer_action.move_to_location(*start).pointer_down().pause(hold_s)
    actions.pointer_action.move_to_location(*end).release()
    actions.perform()


def test_a_long_list_scrolls_like_a_recycler_view(sim_session):
    driver = sim_session()
    open_catalogue(driver)
    first = products(driver)
    # Below the fold: absent from the hierarchy, as UiAutomator2 shows a RecyclerView.
    assert "product_1" in first and "product_12" not in first and "product_7" not in first
    assert driver.find_elements(AppiumBy.ID, "product_12") == []
    lst = driver.find_element(AppiumBy.CLASS_NAME, LIST)
    assert lst.get_attribute("scrollable") == "true"
    bottom = lst.rect["y"] + lst.rect["height"]
    assert max(b for _, b in first.values()) <= bottom  # the partly shown row is clipped
    top_row = driver.find_element(AppiumBy.ID, "product_1")

    # A W3C swipe: the finger goes up 800 px, the content follows it.
    finger(driver, (540, 1800), (540, 1000))
    moved = products(driver)
    assert moved["product_3"][0] == first["product_3"][0] - 800
    assert "product_7" in moved and "product_1" not in moved
    with pytest.raises(StaleElementReferenceException):
        top_row.click()  # scrolled out of the window

    # scrollGesture scrolls to the end and says when no more is left; then back to the top.
    while driver.execute_script("mobile: scrollGesture", {
            "elementId": lst.id, "direction": "down", "percent": 1.0}):
        pass
    assert "product_12" in products(driver)
    assert driver.execute_script("mobile: scrollGesture", {
        "left": 0, "top": 300, "width": 1080, "height": 1500, "direction": "down",
        "percent": 0.5}) is False
    driver.execute_script("mobile: swipeGesture", {
        "left": 0, "top": 300, "width": 1080, "height": 1800, "direction": "down", "percent": 1.0})
    driver.execute_script("mobile: swipeGesture", {
        "left": 0, "top": 300, "width": 1080, "height": 1800, "direction": "down", "percent": 1.0})
    assert products(driver) == first
    # A tap on a row found after scrolling opens it; back restores the list where it was.
    finger(driver, (540, 2000), (540, 600))
    shown = products(driver)
    driver.find_element(AppiumBy.ID, "product_9").click()
    wait_id(driver, "add_to_cart")
    driver.back()
    wait_id(driver, "product_9")
    assert products(driver) == shown
    # A short screen has no list.
    driver.back()
    wait_id(driver, "login")
    assert driver.find_elements(AppiumBy.CLASS_NAME, LIST) == []


def test_long_press_and_double_tap_run_their_own_handlers(sim_session):
    driver = sim_session()
    open_catalogue(driver)
    enceinte = driver.find_element(AppiumBy.ID, "product_2")
    assert enceinte.get_attribute("long-clickable") == "true"
    driver.execute_script("mobile: longClickGesture", {"elementId": enceinte.id})
    assert dialog_text(driver) == "Ajouté aux favoris"
    tap(driver, "android:id/button1")
    # W3C: held 600 ms without moving is a long press too.
    r = driver.find_element(AppiumBy.ID, "product_2").rect
    centre = (r["x"] + r["width"] // 2, r["y"] + r["height"] // 2)
    finger(driver, centre, centre, hold_s=0.6)
    assert dialog_text(driver) == "Ajouté aux favoris"
    tap(driver, "android:id/button1")
    # Without a long-press handler a long press clicks on release (product_1 opens).
    driver.execute_script("mobile: longClickGesture", {
        "elementId": driver.find_element(AppiumBy.ID, "product_1").id})
    wait_id(driver, "product_image")
    image = driver.find_element(AppiumBy.ID, "product_image")
    r = image.rect
    centre = (r["x"] + r["width"] // 2, r["y"] + r["height"] // 2)
    tap(driver, "product_image")  # a single tap: nothing
    assert dialog_text(driver) is None
    # W3C double tap: two taps 100 ms apart.
    actions = ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    actions.pointer_action.move_to_location(*centre).pointer_down().release().pause(0.1)
    actions.pointer_action.pointer_down().release()
    actions.perform()
    assert dialog_text(driver) == "Photo agrandie"
    tap(driver, "android:id/button1")
    driver.execute_script("mobile: doubleClickGesture", {"elementId": image.id})
    assert dialog_text(driver) == "Photo agrandie"


def test_the_app_version_is_in_the_session_and_a_new_release_changes_it(sim_session, sim_udid,
                                                                         sim_caps):
    assert sim_session(sim_caps()).capabilities["appVersion"] == "3.4.1"
    set_fault(sim_udid, "new_version", version=3.5)
    try:
        driver = sim_session(sim_caps())
        assert driver.capabilities["appVersion"] == "3.5"
        wait_id(driver, "title")  # the app itself runs as before
        assert driver.find_element(AppiumBy.ID, rid("title")).text == "Accueil"
    finally:
        clear_faults(sim_udid)
