"""Journey files and a configuration for the scheduler's tests on simulated devices."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from emulators.capabilities import DEMO_SHOP

HOME = """appId: com.ronde.demo.shop
monitor:
  id: home
  devices: ["tag:{tag}"]
  every: 1m
  retries: 0
---
- launchApp
- assertVisible: "Accueil"
"""

CATALOGUE = """appId: com.ronde.demo.shop
monitor:
  id: catalogue
  devices: ["tag:{tag}"]
  every: 1m
  retries: 0
---
- launchApp
- tapOn: "Catalogue"
- assertVisible: "Enceinte"
"""

LOGIN = """appId: com.ronde.demo.shop
env:
  SHOP_USER: qa-robot@example.com
monitor:
  id: login
  devices: ["tag:{tag}"]
  every: 1m
  retries: 1
  step_timeout: 5s
  secrets: [SHOP_PASSWORD]
---
- launchApp:
    clearState: true
- assertVisible: "Accueil"
- tapOn:
    id: login
- assertVisible:
    id: email
- tapOn:
    id: email
- inputText: ${{SHOP_USER}}
- tapOn:
    id: password
- inputText: ${{SHOP_PASSWORD}}
- tapOn:
    text: "Valider"
    label: Login
- assertVisible:
    id: welcome_banner
"""


def write_journeys(folder: Path, tag: str, names: tuple[str, ...] = ("home", "catalogue",
                                                                      "login")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"home": HOME, "catalogue": CATALOGUE, "login": LOGIN}
    for name in names:
        (folder / f"{name}.yaml").write_text(texts[name].format(tag=tag))
    return folder


def robot_environ() -> dict[str, str]:
    return {**os.environ, "SHOP_USER": "qa-robot@example.com", "SHOP_PASSWORD": "demo-secret"}


def write_config(tmp: Path, appium_url: str, device: str, tag: str,
                 app: Path = DEMO_SHOP) -> Path:
    config = {
        "storage": f"sqlite:///{tmp / 'ronde.db'}",
        "artifacts": str(tmp / "artifacts"),
        "devices": [{
            "name": device, "tags": [tag, "android"], "appium": appium_url,
            "capabilities": {"platformName": "Android", "appium:automationName": "RondeSim",
                             "appium:udid": device, "appium:app": str(app)},
        }],
    }
    path = tmp / "ronde.yaml"
    path.write_text(yaml.safe_dump(config))
    return path
