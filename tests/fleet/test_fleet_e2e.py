"""The fleet on the real parts: PostgreSQL, a Selenium Grid hub with two Appium relay nodes
serving simulated phones, three `ronde start` processes, journeys every 4 s.

One scenario, in order: every slot runs exactly once, none lost; `kill -9` of the robot
evaluating the alerts -> its journeys resume elsewhere within one interval (a slot it had
claimed but not opened runs late on a survivor) and one robot incident opens
(raised by the robot that took the alert lock over), resolved when it comes back; one Grid
node stopped -> robot incidents for its two phones only, and never an app incident.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from emulators.capabilities import DEMO_SHOP
from emulators.grid import GridHub, GridNode
from journeys.model import Monitor, Platform
from scheduler.triggers import trigger_for
from storage import Store
from tests.reliability.robot_process import RONDE, events, stop_robot, wait_for
from tests.scheduler.journeys_for_tests import robot_environ, write_journeys

pytestmark = [pytest.mark.appium, pytest.mark.grid, pytest.mark.postgres]

EVERY_S = 4
ROBOTS = (("paris-1", "paris"), ("paris-2", "paris"), ("lyon-1", "lyon"))


def robot_config(tmp: Path, url: str, hub: str, name: str, location: str,
                 udids: dict[str, str]) -> Path:
    config = {
        "storage": url, "artifacts": str(tmp / f"artifacts-{name}"),
        "robot": {"name": name, "location": location},
        "devices": [{
            "name": entry, "tags": ["fleet", "android"], "appium": hub,
            "capabilities": {"platformName": "Android", "appium:automationName": "RondeSim",
                             "appium:udid": udid, "appium:app": str(DEMO_SHOP)},
        } for entry, udid in udids.items()],
        "alerts": {"defaults": {"consecutive_failures": 2}},
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class Fleet:
    def __init__(self, tmp: Path, folder: Path, configs: dict[str, Path]) -> None:
        self.tmp, self.folder, self.configs = tmp, folder, configs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def log(self, name: str) -> Path:
        return self.tmp / f"{name}.log"

    def start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(
            [str(RONDE), "start", str(self.folder), "--config", str(self.configs[name]),
             "--every", f"{EVERY_S}s", "--no-live", "--log-file", str(self.log(name)),
             "--heartbeat", "1", "--alerts-tick", "2", "--quarantine-backoff", "5",
             "--grace", "10", "--dashboard", "off"],
            env=robot_environ(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            cwd=self.tmp)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def holder(self) -> str | None:
        """The robot whose log says it took the alert lock last (and did not lose it)."""
        for name in self.procs:
            held = [e["event"] for e in events(self.log(name))
                    if e.get("event") in ("alerts_holder", "alerts_holder_lost")]
            if held and held[-1] == "alerts_holder":
                return name
        return None

    def stop_all(self) -> None:
        for name in list(self.procs):
            code, err = stop_robot(self.procs.pop(name))
            assert code == 0, err[-2000:]


@pytest.fixture
def fleet(tmp_path: Path, postgres_url: str, grid_hub: GridHub,
          grid_node: Callable[..., GridNode]) -> Iterator[tuple[Fleet, Store, GridNode]]:
    udids = {f"{side}{i}": f"fleet-{side}{i}-{os.getpid()}" for side in "ab" for i in (1, 2)}
    # a killed robot's session holds its phone until Grid ends it: after 10 s idle here
    grid_node([udids["a1"], udids["a2"]], session_timeout_s=10)
    node_b = grid_node([udids["b1"], udids["b2"]], session_timeout_s=10)
    folder = write_journeys(tmp_path / "journeys", "fleet", names=("home", "catalogue"))
    configs = {name: robot_config(tmp_path, postgres_url, grid_hub.url, name, loc, udids)
               for name, loc in ROBOTS}
    running = Fleet(tmp_path, folder, configs)
    store = Store.open(postgres_url, spool_path=tmp_path / "check.spool", environ={})
    try:
        yield running, store, node_b
    finally:
        for proc in running.procs.values():
            proc.kill()
            proc.wait(10)
        store.close()


def live(store: Store) -> set[str]:
    return {b.robot_name for b in store.heartbeats(alive_within=timedelta(seconds=4))}


def test_a_fleet_runs_each_slot_once_survives_a_robot_and_a_grid_node(
    fleet: tuple[Fleet, Store, GridNode], grid_hub: GridHub,
) -> None:
    robots, store, node_b = fleet
    for name, _loc in ROBOTS:
        robots.start(name)
    wait_for(lambda: live(store) == {n for n, _ in ROBOTS}, 60, "three robots beating")
    began = datetime.now(UTC)
    holder = wait_for(robots.holder, 30, "a robot evaluating the alerts")
    time.sleep(5 * EVERY_S)

    # kill -9 the robot that evaluates the alerts, with the next slot of each journey claimed
    # in its name (as when it dies waiting for a phone): a survivor must take them over
    killed_at = datetime.now(UTC)
    orphans = []
    for journey_id in ("home", "catalogue"):
        trigger = trigger_for(Monitor(id=journey_id, platform=Platform.ANDROID),
                              every_override_ms=EVERY_S * 1000)
        slot = trigger.fire_times(killed_at + timedelta(seconds=1),
                                  killed_at + timedelta(seconds=1 + EVERY_S))[0]
        if store.claim_slot(journey_id, slot, "", holder):
            orphans.append((journey_id, slot))
    robots.kill(holder)
    silent_key = f"robot:silent:{holder}"
    incident = wait_for(lambda: store.find_open_incident(silent_key), 45,
                        f"the robot incident for {holder}")
    assert incident.kind == "robot"
    assert f"Robot {holder}" in (incident.diagnosis or "")
    took_over = wait_for(robots.holder, 10, "another robot evaluating the alerts")
    assert took_over != holder
    time.sleep(3 * EVERY_S)
    after_kill = [r for r in store.runs() if r.scheduled_at and r.scheduled_at
                  > killed_at + timedelta(seconds=EVERY_S)]
    assert after_kill and holder not in {r.robot_name for r in after_kill}

    # it comes back: its incident resolves (alerts still resolve without the first holder)
    robots.start(holder)
    wait_for(lambda: store.find_open_incident(silent_key) is None, 40,
             f"the robot incident for {holder} to resolve")

    # one Grid node stops: its phones refuse sessions, journeys move to the other node's
    node_stopped = datetime.now(UTC)
    node_b.stop()
    for entry in ("b1", "b2"):
        wait_for(lambda e=entry: store.find_open_incident(f"robot:device:{e}"), 90,
                 f"the robot incident for device {entry}")
    time.sleep(2 * EVERY_S)
    stopped = datetime.now(UTC)
    robots.stop_all()

    incidents = store.incidents()
    assert not [i for i in incidents if i.kind == "app"], [i.summary for i in incidents]
    robot_keys = Counter(i.dedup_key for i in incidents)
    assert robot_keys[silent_key] == 1
    # the node's phones only (a phone of the other node may have been held a little while
    # by the killed robot's session, before the node stopped: that is its own incident)
    since_node = {i.dedup_key for i in incidents if i.opened_at > node_stopped}
    assert since_node == {"robot:device:b1", "robot:device:b2"}, robot_keys
    runs = store.runs(include_open=True)
    per_slot = Counter((r.journey, r.scheduled_at, r.attempt) for r in runs)
    assert max(per_slot.values()) == 1  # none doubled
    ran = {(r.journey, r.scheduled_at): r.robot_name for r in runs if r.attempt == 1}
    assert orphans and all(ran.get(o) not in (None, holder) for o in orphans), (
        {o: ran.get(o) for o in orphans})
    claims = store.slot_claims()
    assert len({(c[0], c[1], c[2]) for c in claims}) == len(claims)
    for journey_id in ("home", "catalogue"):
        trigger = trigger_for(Monitor(id=journey_id, platform=Platform.ANDROID),
                              every_override_ms=EVERY_S * 1000)
        due = trigger.fire_times(began + timedelta(seconds=EVERY_S),
                                 stopped - timedelta(seconds=2 * EVERY_S))
        got = {r.scheduled_at for r in runs if r.journey == journey_id and r.attempt == 1}
        lost = [s for s in due if s not in got]
        # none, not even a slot the killed robot had claimed: a survivor took it over
        where = {"began": began, "killed": killed_at, "node_stopped": node_stopped,
                 "stopped": stopped, "claims": [c for c in claims if c[1] in lost]}
        assert lost == [], (journey_id, lost, where)
    on_b_after = [r for r in runs if r.device in ("b1", "b2") and r.status == "passed"
                  and r.started_at > node_stopped + timedelta(seconds=EVERY_S)]
    assert not on_b_after
    assert {r.robot_name for r in runs} == {n for n, _ in ROBOTS}
    print(f"{len(runs)} runs by {Counter(r.robot_name for r in runs)}; incidents "
          f"{sorted(robot_keys)}")
