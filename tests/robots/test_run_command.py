"""`ronde run`: the command-line contract (exit codes, --json shape, --junit, storage)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from emulators import faults
from emulators.capabilities import DEMO_SHOP
from ronde.cli import main
from storage import Store
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


# A call pays for every module it imports: a run must not import the scheduler's APScheduler,
# httpx (only a script's `http.*` does), Pillow (screenshots kept as they are), a PostgreSQL
# driver for SQLite, nor anything of SQL with --no-store.
NOT_LOADED = ("apscheduler", "httpx", "PIL", "psycopg")
SQL = ("sqlalchemy", "storage", "alembic")
RUN_THEN_LIST = f"""
import json, sys
from ronde.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = [m for m in {NOT_LOADED + SQL!r} if m in sys.modules]
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


def test_a_run_imports_no_scheduler_nor_httpx_and_no_sql_without_storing(
        appium_server: Any, sim_udid: str, tmp_path: Path) -> None:
    cfg = config(tmp_path, appium_server.url, sim_udid)
    said = {}
    for flags in ((), ("--no-store",)):
        done = subprocess.run(
            [sys.executable, "-c", RUN_THEN_LIST, "run", str(EXAMPLES / "maestro-home-smoke.yaml"),
             "--config", str(cfg), "--json", *flags],
            env=shop_env(), capture_output=True, text=True, timeout=120, check=False)
        said[flags] = json.loads(done.stderr.splitlines()[-1]), json.loads(done.stdout)
    (stored, stored_run), (not_stored, not_stored_run) = said[()], said[("--no-store",)]
    assert stored["code"] == 0 and not set(stored["loaded"]) & set(NOT_LOADED), stored
    assert not_stored == {"code": 0, "loaded": []}
    with Store.open(f"sqlite:///{tmp_path}/ronde.db") as store:
        run = store.get_run(stored_run["run_id"])
        assert run is not None and run.run.status == "passed"
        assert store.get_run(not_stored_run["run_id"]) is None


def test_a_store_that_cannot_open_is_said_and_the_run_goes_on(
        appium_server: Any, sim_udid: str, tmp_path: Path) -> None:
    cfg = config(tmp_path, appium_server.url, sim_udid)
    (tmp_path / "a-file").write_text("not a folder")
    cfg.write_text(cfg.read_text().replace(f"sqlite:///{tmp_path}/ronde.db",
                                           f"sqlite:///{tmp_path}/a-file/ronde.db"))
    result = invoke(str(EXAMPLES / "maestro-home-smoke.yaml"), "--config", str(cfg), "--json")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())  # as wrapped by the console
    assert "cannot open storage (FileExistsError: " in said and "runs are not stored" in said
    assert json.loads(result.stdout)["status"] == "passed"
