"""`ronde run`: the command-line contract (exit codes, --json shape, --junit, storage)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from emulators import faults
from emulators.capabilities import DEMO_SHOP
from ronde.cli import main
from tests.robots.conftest import EXAMPLES, shop_env

pytestmark = pytest.mark.appium

RUN_KEYS = {"journey", "device", "status", "category", "attempt", "load_ms", "transactions"}
TXN_KEYS = {"name", "response_ms", "resolution_ms", "status", "category"}


def config(tmp_path: Path, appium_url: str, udid: str) -> Path:
    path = tmp_path / "ronde.yaml"
    path.write_text(f"""
storage: sqlite:///{tmp_path}/ronde.db
artifacts: {tmp_path}/artifacts
devices:
  - name: lab-phone
    tags: [android]
    appium: {appium_url}
    capabilities:
      platformName: Android
      appium:automationName: RondeSim
      appium:udid: {udid}
      appium:app: {DEMO_SHOP}
""")
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["run", *args], env=shop_env(), catch_exceptions=False)


def test_run_json_junit_and_storage(appium_server: Any, sim_udid: str, tmp_path: Path) -> None:
    cfg = config(tmp_path, appium_server.url, sim_udid)
    junit = tmp_path / "junit.xml"
    result = invoke(str(EXAMPLES / "shop-login-cart.yaml"), "--config", str(cfg), "--device",
                    "lab-phone", "--repeat", "2", "--json", "--junit", str(junit))
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2  # one JSON object per run, nothing else on stdout
    runs = [json.loads(line) for line in lines]
    for run in runs:
        assert set(run) >= RUN_KEYS
        assert (run["journey"], run["device"], run["status"], run["category"], run["attempt"]) \
            == ("shop-login-cart", "lab-phone", "passed", None, 1)
        assert isinstance(run["load_ms"], float)
        assert [t["name"] for t in run["transactions"]] == [
            "App launch", "Open login", "Login", "Open cart"]
        for t in run["transactions"]:
            assert set(t) == TXN_KEYS
            assert t["response_ms"] > 0 and t["resolution_ms"] > 0 and t["status"] == "passed"
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "0"
    assert len(suite.findall(".//testcase")) == 2

    from storage import Store

    with Store.open(f"sqlite:///{tmp_path}/ronde.db") as store:
        stored = {r.run_id for r in store.runs()}
    assert {run["run_id"] for run in runs} <= stored


def test_run_exits_non_zero_on_error(appium_server: Any, sim_udid: str, tmp_path: Path) -> None:
    cfg = config(tmp_path, appium_server.url, sim_udid)
    faults.set_fault(sim_udid, "offline")
    try:
        result = invoke(str(EXAMPLES / "maestro-home-smoke.yaml"), "--config", str(cfg),
                        "--json", "--no-store", "--junit", str(tmp_path / "j.xml"))
    finally:
        faults.clear_faults(sim_udid)
    assert result.exit_code == 1
    run = json.loads(result.stdout)
    assert (run["status"], run["category"], run["transactions"]) == ("error", "session", [])
    assert ET.parse(tmp_path / "j.xml").getroot().get("errors") == "1"


def test_bad_input_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("appId: x\n---\n- tapOn: {txt: Go}\n")
    result = invoke(str(bad), "--no-store")
    assert result.exit_code == 2 and "bad.yaml:3" in result.stderr
    cfg = tmp_path / "ronde.yaml"
    cfg.write_text("devices: []\n")
    result = invoke(str(EXAMPLES / "maestro-home-smoke.yaml"), "--config", str(cfg),
                    "--device", "nope", "--no-store")
    assert result.exit_code == 2 and "no device named 'nope'" in result.stderr


def test_run_device_refuses_ios_device_for_android_journey(tmp_path: Path) -> None:
    """`ronde run --device` applies the same rule as `validate` and the scheduler."""
    cfg = tmp_path / "ronde.yaml"
    cfg.write_text("devices:\n  - name: iphone\n    appium: http://127.0.0.1:1\n"
                   "    capabilities:\n      platformName: iOS\n")
    result = invoke(str(EXAMPLES / "maestro-home-smoke.yaml"), "--config", str(cfg),
                    "--device", "iphone", "--no-store")
    assert result.exit_code == 2, result.output
    assert "device 'iphone' (appium) cannot run" in result.stderr
    assert "platformName android" in result.stderr
