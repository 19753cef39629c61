"""The RondeSim driver through a real Appium 3 server, with appium-python-client only."""

from __future__ import annotations

import io
import re
import time
import xml.etree.ElementTree as ET

import pytest
from appium.webdriver.common.appiumby import AppiumBy
from PIL import Image
from selenium.common.exceptions import (
    NoSuchElementException,
    SessionNotCreatedException,
    StaleElementReferenceException,
)

from tests.emulators.helpers import (
    PAY,
    SHOP,
    dialog_text,
    fill_login,
    open_login,
    rid,
    tap,
    wait_id,
    wait_source,
)

pytestmark = pytest.mark.appium


def test_login_with_the_right_password_shows_welcome_after_700_ms(sim_session):
    driver = sim_session()
    observed: list[float] = []
    for _ in range(3):  # best of 3: a loaded CI machine can delay one poll, never advance it
        open_login(driver)
        fill_login(driver)
        submit = driver.find_element(AppiumBy.ID, "submit")
        t0 = time.monotonic()
        submit.click()
        returned = time.monotonic() - t0
        observed.append(wait_id(driver, "cart") - t0)
        assert returned < 0.2, "the tap returns at once (the backend call is asynchronous)"
        if observed[-1] < 0.750:
            break
        driver.terminate_app(SHOP)
        driver.activate_app(SHOP)
    shown = ", ".join(f"{s * 1000:.0f} ms" for s in observed)
    assert all(s >= 0.700 for s in observed), f"700 ms transition observed as {shown}"
    assert min(observed) < 0.750, f"700 ms transition observed as {shown}"
    # The banner appears 250 ms after the screen's content.
    banner_at = wait_id(driver, "welcome_banner") - t0
    assert 0.950 <= banner_at < 1.2
    assert driver.find_element(AppiumBy.ID, "welcome_banner").text == "Bienvenue"


def test_implicit_wait_finds_an_element_that_appears_later(sim_session):
    driver = sim_session()
    driver.implicitly_wait(0)
    with pytest.raises(NoSuchElementException):
        driver.find_element(AppiumBy.ID, "login")  # launch_ms: 900 — not drawn yet
    driver.implicitly_wait(3)
    t0 = time.monotonic()
    assert driver.find_element(AppiumBy.ID, "login").text == "Se connecter"
    assert time.monotonic() - t0 < 1.0


def test_login_with_the_wrong_password_opens_the_error_dialog(sim_session):
    driver = sim_session()
    open_login(driver)
    fill_login(driver, password="wrong-password")
    tap(driver, "submit")
    wait_source(driver, lambda s: "Identifiants invalides" in s)
    assert dialog_text(driver) == "Identifiants invalides"
    assert not driver.find_elements(AppiumBy.ID, "submit"), "the dialog covers the screen"
    driver.find_element(AppiumBy.ID, "android:id/button1").click()
    assert driver.find_element(AppiumBy.ID, "submit").is_displayed()
    assert "401" in "\n".join(e["message"] for e in driver.get_log("logcat"))


def test_page_source_and_attributes_look_like_uiautomator2(sim_session):
    driver = sim_session()
    open_login(driver)
    fill_login(driver)
    root = ET.fromstring(driver.page_source.encode())
    assert root.tag == "hierarchy"
    nodes = {n.get("resource-id"): n for n in root.iter() if n.get("resource-id")}
    password = nodes[rid("password")]
    assert password.tag == "android.widget.EditText"
    assert password.get("password") == "true"
    assert password.get("text") == "•" * len("demo-secret"), "a password is never shown"
    assert re.fullmatch(r"\[\d+,\d+\]\[\d+,\d+\]", password.get("bounds"))
    for attr in ("package", "class", "content-desc", "enabled", "checked", "focused", "selected",
                 "displayed", "clickable"):
        assert attr in password.attrib
    email = driver.find_element(AppiumBy.ID, rid("email"))
    assert email.text == "qa-robot@example.com"
    assert email.get_attribute("resource-id") == rid("email")
    assert email.get_attribute("class") == "android.widget.EditText"
    assert email.get_attribute("package") == SHOP
    assert email.get_attribute("focused") == "false"
    assert email.rect["width"] > 0 and email.rect["y"] > 0
    submit = driver.find_element(AppiumBy.ID, "submit")
    assert submit.get_attribute("clickable") == "true" and submit.is_enabled()
    assert driver.get_window_size() == {"width": 1080, "height": 2400}


def test_lookup_strategies(sim_session):
    driver = sim_session()
    wait_id(driver, "login")
    by = AppiumBy
    assert driver.find_element(by.XPATH, '//android.widget.Button[@text="Catalogue"]').text == (
        "Catalogue"
    )
    assert len(driver.find_elements(by.CLASS_NAME, "android.widget.Button")) == 2
    assert driver.find_element(by.ANDROID_UIAUTOMATOR, 'new UiSelector().text("Accueil")')
    ui = 'new UiSelector().resourceId("com.ronde.demo.shop:id/login")'
    assert driver.find_element(by.ANDROID_UIAUTOMATOR, ui).text == "Se connecter"
    ui = 'new UiSelector().className("android.widget.Button").textMatches("Se .*")'
    assert driver.find_element(by.ANDROID_UIAUTOMATOR, ui).text == "Se connecter"
    with pytest.raises(NoSuchElementException):
        driver.find_element(by.XPATH, "//*[@text='Panier']")
    tap(driver, "catalogue")
    wait_id(driver, "product_1")
    products = driver.find_elements(by.XPATH, "//*[starts-with(@resource-id, "
                                    "'com.ronde.demo.shop:id/product_')]")
    assert [p.text for p in products][:2] == ["Casque audio", "Enceinte"]
    products[0].click()
    wait_id(driver, "product_image")
    image = driver.find_element(by.ACCESSIBILITY_ID, "Photo du produit")
    assert image.get_attribute("content-desc") == "Photo du produit"
    assert driver.find_element(by.ANDROID_UIAUTOMATOR, 'new UiSelector().description("Photo '
                               'du produit")')
    frame = driver.find_element(by.XPATH, "/hierarchy/android.widget.FrameLayout")
    assert frame.find_element(by.XPATH, ".//*[@text='Ajouter au panier']")


def test_elements_go_stale_when_the_screen_changes(sim_session):
    driver = sim_session()
    wait_id(driver, "login")
    login = driver.find_element(AppiumBy.ID, "login")
    login.click()
    wait_id(driver, "submit")
    with pytest.raises(StaleElementReferenceException):
        _ = login.text
    driver.back()
    assert driver.find_element(AppiumBy.ID, "login").text == "Se connecter"


def test_screenshot_is_a_png_of_the_screen(sim_session):
    driver = sim_session()
    wait_id(driver, "login")
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png()))
    assert image.format == "PNG" and image.size == (1080, 2400)
    assert len(image.getcolors(1 << 16)) > 1, "buttons and text are drawn"


def test_app_lifecycle_and_keys(sim_session):
    driver = sim_session()
    wait_id(driver, "login")
    assert driver.query_app_state(SHOP) == 4
    assert driver.query_app_state(PAY) == 1
    assert driver.query_app_state("com.example.absent") == 0
    driver.press_keycode(3)  # HOME: the shop goes to the background
    assert driver.query_app_state(SHOP) == 3
    driver.activate_app(SHOP)
    assert driver.query_app_state(SHOP) == 4
    wait_id(driver, "login", timeout=0.3)  # warm start: no launch delay
    assert driver.terminate_app(SHOP) is True
    assert driver.query_app_state(SHOP) == 1
    t0 = time.monotonic()
    driver.activate_app(SHOP)
    assert wait_id(driver, "login") - t0 >= 0.9  # cold start: launch_ms
    tap(driver, "login")
    wait_id(driver, "email")
    driver.press_keycode(4)  # BACK
    wait_id(driver, "catalogue", timeout=0.5)
    assert driver.execute_script("mobile: clearApp", {"appId": SHOP}) is True
    assert driver.query_app_state(SHOP) == 1
    assert driver.execute_script("mobile: getConnectivity") == {
        "wifi": True, "data": True, "airplaneMode": False}


def test_checkout_hands_over_to_the_payment_app_and_back(sim_session):
    driver = sim_session()
    open_login(driver)
    fill_login(driver)
    tap(driver, "submit")
    wait_id(driver, "cart")
    tap(driver, "cart")
    wait_id(driver, "checkout")
    assert driver.find_element(AppiumBy.ID, "cart_title").text == "Panier"
    tap(driver, "checkout")
    wait_id(driver, "pay_confirm", timeout=4, app=PAY)
    assert driver.query_app_state(PAY) == 4 and driver.query_app_state(SHOP) == 3
    assert driver.current_package == PAY
    tap(driver, "pay_confirm")
    wait_id(driver, "order_confirmed", timeout=4)
    assert driver.find_element(AppiumBy.ID, "order_confirmed").text == "Commande confirmée"
    assert driver.query_app_state(SHOP) == 4
    log = "\n".join(e["message"] for e in driver.get_log("logcat"))
    assert "ActivityManager: Start proc" in log and "com.ronde.demo.pay" in log
    assert re.search(r"<-- 200 OK https://api\.demo-pay\.example/v1/payments \(1500ms\)", log)


IOS_APP = """
appId: com.example.ios
name: Mini
dialect: ios
screens:
  start:
    elements:
      - {id: hello, text: "Bonjour", class: StaticText}
      - {id: name, class: XCUIElementTypeTextField, hint: "Nom"}
      - {id: go, text: "Continuer", class: Button, tap: {goto: done, delay_ms: 100}}
  done:
    elements:
      - {id: bye, text: "Merci", class: StaticText}
"""


def test_ios_dialect_looks_like_xcuitest(sim_session, sim_caps, tmp_path):
    app = tmp_path / "mini-ios.yaml"
    app.write_text(IOS_APP)
    caps = sim_caps(app=app)
    assert caps["platformName"] == "iOS"
    driver = sim_session(caps)
    source = driver.page_source
    root = ET.fromstring(source.encode())
    assert root.tag == "AppiumAUT"
    app_node = root[0]
    assert app_node.tag == "XCUIElementTypeApplication" and app_node.get("name") == "Mini"
    hello = driver.find_element(AppiumBy.IOS_PREDICATE, "label == 'Bonjour' AND type == "
                                "'XCUIElementTypeStaticText'")
    assert hello.get_attribute("name") == "hello"
    field = driver.find_element(AppiumBy.ACCESSIBILITY_ID, "name")
    field.send_keys("Ada")
    assert field.text == "Ada"
    assert int(field.get_attribute("width")) > 0
    driver.find_element(AppiumBy.ID, "go").click()
    wait_source(driver, lambda s: 'name="bye"' in s)


def test_a_bad_app_model_is_refused_with_the_file_and_the_key(sim_session, sim_caps, tmp_path):
    app = tmp_path / "broken.yaml"
    app.write_text("appId: x.y\nscreens:\n  home:\n    elements:\n      - {id: a, tapp: {}}\n")
    with pytest.raises(SessionNotCreatedException) as info:
        sim_session(sim_caps(app=app))
    message = str(info.value)
    assert "broken.yaml" in message and "screens.home.elements[0]" in message
    assert "unknown key 'tapp'" in message


TIMING_APP = """
appId: com.example.timing
dialect: android
launch_ms: 0
screens:
  start:
    load_ms: 200
    elements:
      - {id: toast, text: "Enregistré", disappear_after_ms: 300}
      - {id: accept, text: "J'accepte", class: CheckBox}
      - {id: code, class: EditText}
      - id: go
        text: "Continuer"
        tap: {requires: {accept: true, code: 42}, goto: done, otherwise: {dialog: nope}}
      - {id: boom, text: "Planter", tap: {crash: true, delay_ms: 100}}
    dialogs:
      nope: {title: "Refusé", text: "Cochez la case", button: "Compris"}
  done:
    elements:
      - {id: bye, text: "Merci"}
"""


def test_load_disappear_requires_and_w3c_actions(sim_session, sim_caps, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    app = tmp_path / "timing.yaml"
    app.write_text(TIMING_APP)
    driver = sim_session(sim_caps(app=app))
    t_toast = wait_source(driver, lambda s: "Enregistré" in s)
    t_gone = wait_source(driver, lambda s: "Enregistré" not in s and "J'accepte" in s)
    assert 0.15 <= t_gone - t_toast < 0.45  # shown 300 ms, seen through two polls
    code = driver.find_element(AppiumBy.ID, "code")
    code.click()
    ActionChains(driver).send_keys("41").perform()
    assert code.text == "41"
    ActionChains(driver).send_keys("\ue003" + "2").perform()  # Backspace, then 2
    assert code.text == "42"
    tap(driver, "go")
    assert driver.find_element(AppiumBy.ID, "android:id/alertTitle").text == "Refusé"
    assert dialog_text(driver) == "Cochez la case"
    driver.find_element(AppiumBy.XPATH, "//*[@text='Compris']").click()
    box = driver.find_element(AppiumBy.ID, "accept")
    rect = box.rect
    ActionChains(driver).move_by_offset(rect["x"] + 5, rect["y"] + 5).click().perform()
    assert box.get_attribute("checked") == "true"
    tap(driver, "go")
    wait_source(driver, lambda s: "Merci" in s)
    driver.back()
    tap(driver, "boom")
    wait_source(driver, lambda s: "com.example.timing" not in s)
    assert driver.query_app_state("com.example.timing") == 1


def test_robot_extensions_deep_link_gestures_swipe_and_device_info(sim_session):
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput

    driver = sim_session()
    wait_id(driver, "login")
    info = driver.execute_script("mobile: deviceInfo")
    assert info["model"] == "RondeSim" and info["realDisplaySize"] == "1080x2400"
    login = driver.find_element(AppiumBy.ID, "login")
    rect = login.rect
    swipe = ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    swipe.pointer_action.move_to_location(rect["x"] + 10, rect["y"] + 10)
    swipe.pointer_action.pointer_down()
    swipe.pointer_action.move_to_location(rect["x"] + 10, rect["y"] + 600)
    swipe.pointer_action.release()
    swipe.perform()
    assert login.text == "Se connecter", "a swipe is not a tap"
    driver.execute_script("mobile: longClickGesture", {"elementId": login.id})
    wait_id(driver, "submit")
    driver.execute_script("mobile: deepLink", {"url": "demoshop://cart", "package": SHOP})
    wait_id(driver, "checkout", timeout=1)
    driver.execute_script("mobile: pressButton", {"name": "home"})
    assert driver.query_app_state(SHOP) == 3
