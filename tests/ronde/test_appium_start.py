"""`ronde start`, `ronde run` and `ronde appium` start the project's Appium one way: masked."""

from __future__ import annotations

import re

from journeys.masking import Masker
from ronde.appium_start import appium_secrets, project_appium

ENV = {
    "SHOP_PASSWORD": "hunter2-long",  # declared by a journey
    "API_TOKEN": "tok-0123456789",  # not declared, but its name looks secret
    "KEY_COUNT": "3",  # looks secret, but too short to be one: a flag or a count
    "HOME": "/home/robot",
    "USER_EMAIL": "qa@example.com",  # declared, an ordinary name
}


def test_declared_and_secret_looking_values_are_masked() -> None:
    assert appium_secrets(ENV, ["USER_EMAIL", "MISSING"]) == [
        "hunter2-long", "qa@example.com", "tok-0123456789"]


def test_the_server_masks_them_in_its_log() -> None:
    server = project_appium(appium_secrets(ENV, ["USER_EMAIL"]), env={"X": "1"})
    pattern = re.compile(server.mask_pattern or "")
    assert pattern.search("typed hunter2-long") and pattern.search("qa%40example.com")
    assert not pattern.search("/home/robot")
    assert server.mask_pattern == Masker(appium_secrets(ENV, ["USER_EMAIL"])).js_pattern()
    assert (server.drivers, server.env) == (["ronde-sim"], {"X": "1"})
    assert project_appium([], sim_only=False).drivers is None
