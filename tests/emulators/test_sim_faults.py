"""Every fault of the format page, switched on and off while Appium runs, seen from the client."""

from __future__ import annotations

import io
import time

import pytest
from appium.webdriver.common.appiumby import AppiumBy
from PIL import Image
from selenium.common.exceptions import SessionNotCreatedException, WebDriverException
from urllib3.exceptions import MaxRetryError, ReadTimeoutError

from emulators import faults
from tests.emulators.helpers import (
    SHOP,
    dialog_text,
    fill_login,
    open_login,
    tap,
    wait_id,
    wait_source,
)

pytestmark = pytest.mark.appium

GAVE_UP = (ReadTimeoutError, MaxRetryError, TimeoutError, WebDriverException)


def logcat(driver) -> str:
    return "\n".join(e["message"] for e in driver.get_log("logcat"))


def timed_login_tap(driver) -> float:
    """Seconds between tapping `login` (150 ms transition) and the login screen."""
    wait_id(driver, "login")
    t0 = time.monotonic()
    tap(driver, "login")
    seen = wait_id(driver, "submit") - t0
    driver.back()
    return seen


def test_slow_scales_and_adds_to_transitions(sim_session, sim_udid):
    driver = sim_session()
    faults.set_fault(sim_udid, "slow", factor=4)
    assert 0.600 <= timed_login_tap(driver) < 0.750
    faults.set_fault(sim_udid, "slow", factor=1, add_ms=200)
    assert 0.350 <= timed_login_tap(driver) < 0.500
    faults.clear_faults(sim_udid)
    assert 0.150 <= timed_login_tap(driver) < 0.300


def test_error_dialog_replaces_a_tap_and_recovers(sim_session, sim_udid):
    driver = sim_session()
    faults.set_fault(sim_udid, "error_dialog", text="Erreur 500", on="submit")
    open_login(driver)  # `login` is not targeted
    fill_login(driver)
    tap(driver, "submit")
    wait_source(driver, lambda s: "Erreur 500" in s)
    assert dialog_text(driver) == "Erreur 500"
    expected = "<-- 500 Internal Server Error https://api.demo-shop.example/v1/session"
    assert expected in logcat(driver)
    driver.find_element(AppiumBy.ID, "android:id/button1").click()
    faults.clear_faults(sim_udid)
    tap(driver, "submit")
    wait_id(driver, "cart")


def test_login_refused_fails_every_requires_check(sim_session, sim_udid):
    driver = sim_session()
    faults.set_fault(sim_udid, "login_refused")
    open_login(driver)
    fill_login(driver)
    tap(driver, "submit")
    wait_source(driver, lambda s: "Identifiants invalides" in s)
    driver.find_element(AppiumBy.ID, "android:id/button1").click()
    faults.clear_fault(sim_udid, "login_refused")
    tap(driver, "submit")
    wait_id(driver, "cart")


def test_blank_screen_shows_nothing_and_a_uniform_white_screenshot(sim_session, sim_udid):
    faults.set_fault(sim_udid, "blank_screen", screen="home")
    driver = sim_session()
    time.sleep(1.0)  # past launch_ms: a normal home screen would be drawn by now
    assert 'resource-id="com.ronde.demo.shop:id/' not in driver.page_source
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    assert image.getextrema() == ((255, 255), (255, 255), (255, 255))
    faults.clear_faults(sim_udid)
    wait_id(driver, "login", timeout=0.5)
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    assert image.getextrema() != ((255, 255), (255, 255), (255, 255))


def test_crash_kills_the_app_and_logs_a_fatal_exception(sim_session, sim_udid):
    driver = sim_session()
    faults.set_fault(sim_udid, "crash", on="login")
    wait_id(driver, "login")
    tap(driver, "login")
    wait_source(driver, lambda s: SHOP not in s)
    assert driver.query_app_state(SHOP) == 1
    log = logcat(driver)
    assert "E AndroidRuntime: FATAL EXCEPTION: main" in log
    assert f"Process: {SHOP}" in log
    faults.clear_faults(sim_udid)
    driver.activate_app(SHOP)
    wait_id(driver, "login")
    tap(driver, "login")
    wait_id(driver, "submit")
    assert driver.query_app_state(SHOP) == 4


def test_network_down_fails_backend_transitions(sim_session, sim_udid):
    driver = sim_session()
    faults.set_fault(sim_udid, "network_down")
    assert driver.execute_script("mobile: getConnectivity")["wifi"] is False
    wait_id(driver, "login")
    tap(driver, "login")
    wait_source(driver, lambda s: "Pas de connexion" in s)
    assert "UnknownHostException" in logcat(driver)
    driver.find_element(AppiumBy.ID, "android:id/button1").click()
    faults.clear_faults(sim_udid)
    assert driver.execute_script("mobile: getConnectivity")["wifi"] is True
    tap(driver, "login")
    wait_id(driver, "submit")


def test_hang_does_not_answer_until_the_client_gives_up(sim_session, sim_caps, sim_udid):
    driver = sim_session(timeout=2)
    open_login(driver)
    fill_login(driver)
    submit = driver.find_element(AppiumBy.ID, "submit")
    faults.set_fault(sim_udid, "hang", on="submit")
    t0 = time.monotonic()
    with pytest.raises(GAVE_UP):
        submit.click()
    assert time.monotonic() - t0 >= 2.0
    # Other devices on the same Appium keep working while this one hangs.
    other = sim_session(sim_caps(udid=f"{sim_udid}-other"), timeout=1.5)
    wait_id(other, "login")
    faults.set_fault(f"{sim_udid}-other", "hang")  # no `on`: every command hangs
    with pytest.raises(GAVE_UP):
        _ = other.page_source
    faults.clear_faults(f"{sim_udid}-other")
    wait_id(other, "login")
    faults.clear_faults(sim_udid)
    driver.quit()  # deleting the session releases the hung command
    again = sim_session()
    wait_id(again, "login")


def test_offline_refuses_new_sessions_until_cleared(sim_session, sim_udid):
    faults.set_fault(sim_udid, "offline")
    with pytest.raises(SessionNotCreatedException, match="offline"):
        sim_session()
    faults.clear_faults(sim_udid)
    wait_id(sim_session(), "login")


def flaky_pattern(driver, taps: int) -> list[bool]:
    """True for each `login` tap that failed (503 dialog)."""
    out = []
    for _ in range(taps):
        tap(driver, "login")
        wait_source(driver, lambda s: "Service indisponible" in s or "id/submit" in s)
        failed = dialog_text(driver) is not None
        out.append(failed)
        if failed:
            driver.find_element(AppiumBy.ID, "android:id/button1").click()
        else:
            driver.back()
    return out


def test_flaky_fails_with_probability_p_reproducibly(sim_session, sim_udid):
    driver = sim_session()
    wait_id(driver, "login")
    faults.set_fault(sim_udid, "flaky", p=0.5, seed=7)
    first = flaky_pattern(driver, 8)
    faults.set_fault(sim_udid, "flaky", p=0.5, seed=7)  # set again: the sequence restarts
    assert flaky_pattern(driver, 8) == first
    assert any(first) and not all(first)
    faults.set_fault(sim_udid, "flaky", p=1)
    assert flaky_pattern(driver, 2) == [True, True]
    faults.clear_faults(sim_udid)
    assert flaky_pattern(driver, 2) == [False, False]


def test_faults_last_across_sessions(sim_session, sim_udid):
    faults.set_fault(sim_udid, "network_down")
    first = sim_session()
    assert first.execute_script("mobile: getConnectivity")["data"] is False
    first.quit()
    second = sim_session()
    assert second.execute_script("mobile: getConnectivity")["data"] is False
