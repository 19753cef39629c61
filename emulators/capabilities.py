"""W3C capabilities for a simulated device (the RondeSim driver): built in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from emulators.project import project_root

APPS_DIR = Path(__file__).resolve().parent / "apps"
DEMO_SHOP = APPS_DIR / "demo-shop.yaml"
DEMO_SHOP_ID = "com.ronde.demo.shop"
DEMO_PAY_ID = "com.ronde.demo.pay"


def app_platform(app: Path) -> str:
    """`Android` or `iOS`, from the app model's `dialect`."""
    with open(app, encoding="utf-8") as f:
        model = yaml.safe_load(f) or {}
    return "iOS" if model.get("dialect") == "ios" else "Android"


def sim_capabilities(
    udid: str,
    app: str | Path = DEMO_SHOP,
    *,
    platform: str | None = None,
    new_command_timeout: int = 60,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Capabilities of simulated device `udid` running app model `app` (relative paths are taken
    from the project root, as in ronde.yaml), per shared/sim-app-format.md.

    `platform` ("android"/"ios", the journey's) sets `platformName`; the driver then refuses an
    app model of the other dialect with a clear error. Without it, the model's dialect decides.
    The robot (`robots.backends.open_backend`) and the test fixtures both build them here.
    """
    path = Path(app)
    if not path.is_absolute():
        path = project_root() / path
    if platform is None:
        name = app_platform(path)
    else:
        name = "iOS" if platform.lower() == "ios" else "Android"
    caps: dict[str, Any] = {
        "platformName": name,
        "appium:automationName": "RondeSim",
        "appium:udid": udid,
        "appium:deviceName": udid,
        "appium:app": str(path.resolve()),
        "appium:newCommandTimeout": new_command_timeout,
    }
    caps.update(extra or {})
    return caps
