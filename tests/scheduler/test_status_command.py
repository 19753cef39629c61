"""`ronde status`: the latest run per journey with its slowest transaction, robots' heartbeats."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from journeys.results import Category, Status, TransactionResult
from ronde.commands.status import command, status_data
from storage import Store
from tests.scheduler.helpers import journey, result, sim


def test_status_shows_latest_runs_and_heartbeat_ages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    store = Store.open(url)
    j, k = journey("shop-login"), journey("search")
    now = datetime.now(UTC)
    slow = TransactionResult("Login", "tapOn", "assertVisible", Status.PASSED, 812.4, 40.0)
    fast = TransactionResult("Open cart", "tapOn", "assertVisible", Status.PASSED, 95.0, 40.0)
    store.record_run(result(j, sim("a"), Status.FAILED, Category.DISPLAY, run_id="r1",
                            at=now - timedelta(minutes=10)), j)
    store.record_run(result(j, sim("b"), Status.PASSED, run_id="r2", at=now - timedelta(
        minutes=5), transactions=(fast, slow)), j)
    store.record_run(result(k, sim("a"), Status.ERROR, Category.NO_DEVICE, run_id="r3",
                            at=now, error="no free device"), k)
    beat = store.heartbeat_start("robot-1", 1234, "ronde 0.1.0")
    store.heartbeat(beat)
    data = status_data(store, now + timedelta(seconds=3))
    store.close()
    by_journey = {x["journey"]: x for x in data["journeys"]}
    assert by_journey["shop-login"]["status"] == "passed"
    assert by_journey["shop-login"]["device"] == "b"
    assert by_journey["shop-login"]["slowest"] == {"name": "Login", "response_ms": 812.4,
                                                   "resolution_ms": 40.0}
    assert by_journey["search"]["category"] == "no_device"
    [robot] = data["robots"]
    assert robot["host"] == "robot-1" and robot["state"] == "alive"
    assert 0 <= robot["heartbeat_age_s"] < 60

    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: {url}\n")
    out = CliRunner().invoke(command, ["--config", str(config), "--json"])
    assert out.exit_code == 0, out.output
    assert {x["journey"] for x in json.loads(out.output)["journeys"]} == {"shop-login", "search"}
    human = CliRunner(env={"COLUMNS": "160"}).invoke(command, ["--config", str(config)])
    assert human.exit_code == 0 and "Login: 812 ms" in human.output
    assert "robot-1" in human.output and "alive" in human.output


def test_status_shows_the_fleet_its_locations_devices_and_journeys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    store = Store.open(url)
    j = journey("shop-login")
    now = datetime.now(UTC)
    store.record_run(replace(result(j, sim("pixel-1"), Status.PASSED, run_id="r1", at=now),
                             robot_name="lyon-1", location="lyon"), j)
    paris = store.heartbeat_start("host-p", 11, "ronde", robot_name="paris-1", location="paris")
    store.heartbeat(paris, devices=["sim-a", "sim-b"], running=["shop-login", "search"])
    lyon = store.heartbeat_start("host-l", 12, "ronde", robot_name="lyon-1", location="lyon")
    store.heartbeat(lyon, devices=["pixel-1"], running=["shop-login"])
    store.close()
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: {url}\n")
    out = CliRunner().invoke(command, ["--config", str(config), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    robots = {r["name"]: r for r in data["robots"]}
    assert robots["paris-1"]["location"] == "paris" and robots["paris-1"]["host"] == "host-p"
    assert robots["paris-1"]["devices"] == ["sim-a", "sim-b"]
    assert robots["lyon-1"]["journeys"] == ["shop-login"]
    assert (data["journeys"][0]["robot"], data["journeys"][0]["location"]) == ("lyon-1", "lyon")
    human = CliRunner(env={"COLUMNS": "200"}).invoke(command, ["--config", str(config)])
    assert "Robot paris-1 on host-p @ paris pid 11: alive" in human.output
    assert "devices sim-a, sim-b; watches shop-login, search" in human.output
