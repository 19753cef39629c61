"""Ronde's own Appium server down: one robot cause for every device and journey it serves, only
when it stays down for a round, resolved by runs that work again; never an app incident."""

from __future__ import annotations

from pathlib import Path

from scheduler.alerts.rules import evaluate_robot
from tests.alerts.builders import at, facts, journey, result
from tests.alerts.harness import make_harness

JOURNEYS = ("home", "login", "cart")
DEVICES = ("sim-1", "sim-2")


def round_of(minute: float, status: str, category: str | None = None) -> list:
    return [facts(minute + i / 10, status, journey=j, device=DEVICES[i % 2], category=category)
            for i, j in enumerate(JOURNEYS)]


def held(runs: list, minute: float) -> dict[str, object]:
    return {d.key: d for d in evaluate_robot(runs, at(minute), errors=2) if d.holds}


def test_an_outage_over_two_rounds_is_one_cause_not_one_per_device_and_journey() -> None:
    before = round_of(0, "passed")
    down = round_of(1, "error", "appium_down") + round_of(2, "error", "appium_down")
    decisions = held(before + down, 2.5)
    assert list(decisions) == ["robot:appium"]
    cause = decisions["robot:appium"]
    assert cause.device is None and str(cause.category) == "appium_down"
    assert cause.since == at(1) and len(cause.evidence) == 6
    assert "Appium server was down" in cause.facts[0][0]


def test_a_crash_cured_within_a_round_is_no_incident() -> None:
    # every journey lost one run (the round the crash hit), then ran fine
    blip = round_of(0, "passed") + round_of(1, "error", "appium_down")
    assert held(blip, 1.5) == {}
    assert held(blip + round_of(2, "passed"), 2.5) == {}


def test_runs_on_its_devices_count_as_passes_for_resolving() -> None:
    down = round_of(1, "error", "appium_down") + round_of(2, "error", "appium_down")
    after = down + round_of(3, "passed")
    cause = {d.key: d for d in evaluate_robot(after, at(3.5), errors=2)}["robot:appium"]
    assert not cause.holds and cause.passes == 3
    # a web journey on another device says nothing about the Appium server
    web = [*down, facts(3, "passed", journey="web", device="chrome")]
    cause = {d.key: d for d in evaluate_robot(web, at(3.5), errors=2)}["robot:appium"]
    assert cause.holds and cause.passes == 0


def test_the_engine_opens_one_robot_incident_and_resolves_it(store_url: str,
                                                             tmp_path: Path) -> None:
    h = make_harness(store_url, tmp_path, {}, journeys=[journey(j) for j in JOURNEYS])
    for minute, status, category in [(0, "passed", None), (1, "error", "appium_down"),
                                     (2, "error", "appium_down"), (3, "error", "appium_down")]:
        for i, j in enumerate(JOURNEYS):
            h.clock.to(minute + i / 10)
            h.record(result(h.clock.now, status, journey=j, device=DEVICES[i % 2],
                            category=category, error="Ronde's Appium server is down"))
        h.engine.tick()
    opened = h.store.incidents()
    assert [(i.kind, i.dedup_key, i.state, i.summary) for i in opened] == [
        ("robot", "robot:appium", "firing", "Ronde's Appium server is down")]
    assert opened[0].cause == "appium_down"
    for minute in (4, 5, 6, 7, 8):  # back: resolved after the good checks and the calm time
        for i, j in enumerate(JOURNEYS):
            h.clock.to(minute + i / 10)
            h.record(result(h.clock.now, "passed", journey=j, device=DEVICES[i % 2]))
        h.engine.tick()
    h.engine.close()
    final = h.store.incidents()
    h.store.close()
    assert [(i.dedup_key, i.state) for i in final] == [("robot:appium", "resolved")]
