"""The app model loader (Node, run directly) and the demo shop's contract from the team brief."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from emulators.capabilities import DEMO_SHOP, app_platform, sim_capabilities

LOADER = Path(__file__).resolve().parents[2] / "emulators" / "sim-driver" / "lib" / "model.js"


def load(path: Path) -> dict:
    """Runs the driver's own loader; returns the model summary or {'error': message}."""
    script = (
        f"try {{ const m = require({json.dumps(str(LOADER))}).loadModel(process.argv[1]);"
        " console.log(JSON.stringify({appId: m.appId, initial: m.initial, dialect: m.dialect,"
        " apps: Object.keys(m.apps), screens: Object.keys(m.screens)})); }"
        " catch (e) { console.log(JSON.stringify({error: e.message})); }"
    )
    done = subprocess.run(["node", "-e", script, str(path)], capture_output=True, text=True,
                          check=True, timeout=30)
    return json.loads(done.stdout)


def test_the_demo_shop_loads():
    model = load(DEMO_SHOP)
    assert model == {
        "appId": "com.ronde.demo.shop", "initial": "home", "dialect": "android",
        "apps": ["com.ronde.demo.pay"],
        "screens": ["home", "login", "welcome", "catalogue", "results", "product", "cart",
                    "order_confirmed"],
    }


def test_the_demo_shop_keeps_the_names_of_the_brief():
    shop = yaml.safe_load(DEMO_SHOP.read_text())
    assert (shop["appId"], shop["name"], shop["dialect"]) == (
        "com.ronde.demo.shop", "Demo Shop", "android")

    def elements(screen: dict) -> dict[str, dict]:
        return {e["id"]: e for e in screen["elements"]}

    screens = {name: elements(s) for name, s in shop["screens"].items()}
    assert screens["home"]["title"]["text"] == "Accueil"
    assert screens["home"]["login"]["tap"]["goto"] == "login"
    assert screens["home"]["catalogue"]["tap"]["goto"] == "catalogue"
    submit = screens["login"]["submit"]
    assert submit["text"] == "Valider" and submit["tap"]["delay_ms"] == 700
    assert submit["tap"]["requires"] == {"email": "${SHOP_USER}", "password": "${SHOP_PASSWORD}"}
    assert shop["screens"]["login"]["dialogs"]["bad_login"] == {
        "text": "Identifiants invalides", "button": "OK"}
    assert screens["login"]["password"]["password"] is True
    assert screens["welcome"]["welcome_banner"]["appear_after_ms"] == 250
    assert screens["welcome"]["cart"]["tap"]["goto"] == "cart"
    assert screens["catalogue"]["search_button"]["tap"]["goto"] == "results"
    assert screens["catalogue"]["product_1"]["text"] == "Casque audio"
    assert screens["catalogue"]["product_2"]["text"] == "Enceinte"
    assert shop["version"] == "3.4.1"
    assert [f"product_{n}" for n in range(1, 13)] == [
        k for k in screens["catalogue"] if k.startswith("product_")]  # taller than the window
    assert {"product_title", "price"} <= set(screens["product"])
    assert screens["product"]["add_to_cart"]["text"] == "Ajouter au panier"
    assert screens["cart"]["cart_title"]["text"] == "Panier"
    assert screens["cart"]["checkout"]["tap"]["launch"] == "com.ronde.demo.pay"
    pay = shop["apps"]["com.ronde.demo.pay"]["screens"]["pay"]
    confirm = elements(pay)["pay_confirm"]
    assert confirm["text"] == "Confirmer le paiement"
    assert confirm["tap"]["return"] == "order_confirmed"
    assert screens["order_confirmed"]["order_confirmed"]["text"] == "Commande confirmée"
    delays = [e["tap"]["delay_ms"] for s in screens.values() for e in s.values()
              if "tap" in e and e["tap"].get("delay_ms")]
    assert min(delays) >= 100 and max(delays) <= 3000, "realistic: hundreds of ms to seconds"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("appId: a\nscreens: {}\n", "screens: at least one screen is required"),
        ("appId: a\ndialect: windows\nscreens: {s: {}}\n", "dialect: expected android or ios"),
        ("appId: a\nscreens: {s: {elements: [{id: b, tap: {goto: nowhere}}]}}\n",
         "screens.s.elements[0].tap.goto: unknown screen 'nowhere' (screens: s)"),
        ("appId: a\nscreens: {s: {elements: [{id: b, tap: {goto: s, requires: {x: 1}}}]}}\n",
         "'requires' needs an 'otherwise'"),
        ("appId: a\nscreens: {s: {elements: [{id: b}, {id: b}]}}\n",
         "screens.s.elements[1].id: duplicate id 'b' on screen 's'"),
        ("appId: a\nscreens: {s: {elements: [{id: b, tap: {goto: s, dialog: d}}]}}\n",
         "a tap needs exactly one of goto, dialog, launch, return, crash"),
        ("appId: a\nscreens: {s: {load_ms: soon}}\n",
         "screens.s.load_ms: expected a number of milliseconds >= 0"),
        ("appId: a\nscreens: [oops\n", "invalid YAML"),
        ("appId: a\nscreens: {s: {elements: [{id: b, long_press: {goto: nowhere}}]}}\n",
         "screens.s.elements[0].long_press.goto: unknown screen 'nowhere' (screens: s)"),
        ("appId: a\nscreens: {s: {elements: [{id: b, double_tap: {dialog: d}}]}}\n",
         "screens.s.elements[0].double_tap.dialog: unknown dialog 'd'"),
        ("appId: a\nscreens: {s: {elements: [{id: b, height: -3}]}}\n",
         "screens.s.elements[0].height: expected a height in pixels > 0"),
        ("appId: a\nversion: [3]\nscreens: {s: {}}\n",
         'version: expected a version name such as "3.4.1"'),
    ],
)
def test_bad_models_name_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "app.yaml"
    path.write_text(text)
    error = load(path)["error"]
    assert error.startswith(f"app model {path}: ") and message in error


def test_capabilities(tmp_path):
    caps = sim_capabilities("sim-1")
    assert caps == {
        "platformName": "Android", "appium:automationName": "RondeSim", "appium:udid": "sim-1",
        "appium:deviceName": "sim-1", "appium:app": str(DEMO_SHOP),
        "appium:newCommandTimeout": 60,
    }
    ios = tmp_path / "ios.yaml"
    ios.write_text("appId: a\ndialect: ios\nscreens: {s: {}}\n")
    assert app_platform(ios) == "iOS"
    relative = sim_capabilities("sim-2", "emulators/apps/demo-shop.yaml", extra={"x": 1})
    assert relative["appium:app"] == str(DEMO_SHOP) and relative["x"] == 1
