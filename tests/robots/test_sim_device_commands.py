"""Maestro's device commands run on the simulated phone through real Appium: location, travel,
airplane mode, permissions, keychain, launch arguments, media, clipboard, recording, retry,
tapping a point, opening a link in the browser and killing the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.parser import load_journey
from journeys.results import RunResult, Status
from tests.robots.conftest import APPS

pytestmark = pytest.mark.appium

CORPUS = Path(__file__).resolve().parents[1] / "journeys" / "corpus" / "ronde"


def test_every_device_command_on_the_simulated_phone(
        run_sim: Callable[..., RunResult]) -> None:
    result = run_sim(load_journey(CORPUS / "device-commands.yaml"), app=APPS / "device.yaml")
    failed = [(s.description, s.error) for s in result.steps if s.status is not Status.PASSED]
    assert result.status is Status.PASSED, (result.error, failed)
    # the first attempt of the retried block failed (airplane mode was on), the second passed
    assert [d for d, _ in failed] == ['extendedWaitUntil "Synced"']
    ran = [s.command for s in result.steps]
    for command in ("setLocation", "travel", "addMedia", "copyTextFrom", "pasteText",
                    "inputRandomNumber", "inputRandomEmail", "inputRandomPersonName",
                    "inputRandomText", "startRecording", "stopRecording", "setAirplaneMode",
                    "toggleAirplaneMode", "retry", "killApp", "openLink"):
        assert command in ran
    assert ran.count("tapOn") == 5  # field, the point twice (retry), OK, Back home
    recordings = [a for a in result.artifacts if a.kind == "recording"]
    assert [Path(a.path).name for a in recordings] == ["settings.png"]


def test_keychain_permissions_and_location_on_the_simulated_iphone(
        run_sim: Callable[..., RunResult], tmp_path: Path) -> None:
    journey = tmp_path / "ios.yaml"
    journey.write_text("appId: com.ronde.test.device.ios\nmonitor: {platform: ios, "
                       "step_timeout: 3s}\n---\n"
                       "- launchApp: {permissions: {camera: allow}}\n"
                       "- assertVisible: session_token\n- clearKeychain\n"
                       "- assertVisible: keychain empty\n- assertVisible: camera granted\n"
                       "- launchApp: {clearKeychain: true}\n- assertVisible: keychain empty\n"
                       "- setLocation: {latitude: -33.8688, longitude: 151.2093}\n"
                       "- assertVisible: '-33.8688, 151.2093'\n")
    result = run_sim(load_journey(journey), app=APPS / "device-ios.yaml")
    assert result.status is Status.PASSED, (result.error, result.steps)


def test_a_typed_variable_with_a_bad_value_fails_its_step(
        run_sim: Callable[..., RunResult], tmp_path: Path) -> None:
    journey = tmp_path / "bad.yaml"
    journey.write_text("appId: com.ronde.test.device\nmonitor: {step_timeout: 3s}\n---\n"
                       "- launchApp\n- extendedWaitUntil: {visible: Sync, timeout: '${WAIT}'}\n")
    result = run_sim(load_journey(journey), app=APPS / "device.yaml",
                     environ={"WAIT": "soon"})
    assert result.status is not Status.PASSED
    assert "extendedWaitUntil.timeout: ${WAIT} is 'soon'" in (result.error or "")


def test_scrolling_keys_old_spellings_and_pixel_swipes(
        run_sim: Callable[..., RunResult]) -> None:
    result = run_sim(load_journey(CORPUS / "both-phones.yaml"))
    failed = [(s.description, s.error) for s in result.steps if s.status is not Status.PASSED]
    assert result.status is Status.PASSED, (result.error, failed)
    assert [s.command for s in result.steps].count("toggleAirplaneMode") == 2
