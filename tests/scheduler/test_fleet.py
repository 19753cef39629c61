"""A fleet of robots on one PostgreSQL: every slot exactly once (once per location when asked),
a dead robot's share taken within the grace, alert rules evaluated by one robot at a time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from journeys.model import Journey
from journeys.results import RunResult, Status
from robots.devices import DeviceSpec
from scheduler.catalog import Catalog
from scheduler.daemon import Options, Robot
from scheduler.fleet import AlertGate, Fleet, Member, grace_s, preferred
from scheduler.pool import DevicePool
from scheduler.recorder import StoreRecorder
from scheduler.rounds import RoundRunner
from scheduler.triggers import trigger_for
from storage import Store
from tests.scheduler.helpers import journey, result, sim


def test_the_preferred_robot_is_stable_spread_and_chosen_where_the_journey_is_watched() -> None:
    fleet = [Member("paris-1", "paris"), Member("lyon-1", "lyon"), Member("lyon-2", "lyon")]
    picks = {f"j{i}": preferred(f"j{i}", "", fleet) for i in range(60)}
    assert picks == {f"j{i}": preferred(f"j{i}", "", list(reversed(fleet))) for i in range(60)}
    assert set(Counter(picks.values())) == {"paris-1", "lyon-1", "lyon-2"}
    assert min(Counter(picks.values()).values()) >= 10  # spread, not all on one robot
    # a robot leaving moves only its own journeys
    without = {j: preferred(j, "", fleet[1:]) for j in picks}
    assert all(without[j] == p for j, p in picks.items() if p != "paris-1")
    # per location: only robots there; and only robots that watch the journey
    assert {preferred(f"j{i}", "lyon", fleet) for i in range(30)} == {"lyon-1", "lyon-2"}
    assert preferred("j1", "nice", fleet) is None
    busy = [replace(m, journeys=("other",)) if m.name != "lyon-2" else m for m in fleet]
    assert preferred("j1", "", busy) == "lyon-2"


def test_the_grace_is_a_quarter_interval_at_most_ten_seconds() -> None:
    assert grace_s(timedelta(seconds=8)) == 2.0
    assert grace_s(timedelta(minutes=5)) == 10.0
    assert grace_s(None) == 10.0


class ClaimStore:
    """Records claims; the first claim of a slot wins."""

    def __init__(self) -> None:
        self.claims: dict[tuple[str, datetime, str], str] = {}

    def claim_slot(self, journey: str, slot_at: datetime, scope: str, robot: str, *,
                   lock_timeout_ms: int | None = None) -> bool:
        return self.claims.setdefault((journey, slot_at, scope), robot) == robot

    def heartbeats(self, alive_within: timedelta | None = None) -> list[Any]:
        return []


def test_the_preferred_robot_claims_at_once_others_after_the_grace_degraded_ones_later(
) -> None:
    j = journey("a")
    store = ClaimStore()
    robots = {n: Fleet(store, n, "here") for n in ("r1", "r2", "r3")}
    for f in robots.values():  # as after a refresh: all three live
        f._members = [Member(n, "here") for n in robots]
    first = preferred("a", "", robots["r1"].members())
    other = next(n for n in robots if n != first)
    interval = timedelta(seconds=0.8)  # grace 0.2 s
    waits = {}
    for name, degraded in ((first, False), (other, False), (first, True)):
        slot = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=len(waits))
        began = time.monotonic()
        assert robots[name].claim(j, slot, interval, threading.Event(), degraded=degraded)
        waits[(name, degraded)] = time.monotonic() - began
    assert waits[(first, False)] < 0.1
    assert 0.2 <= waits[(other, False)] < 0.4
    assert 0.4 <= waits[(first, True)] < 0.7  # all its devices quarantined: twice the grace
    stop = threading.Event()
    stop.set()  # a stopping robot does not wait, nor claim
    assert not robots[other].claim(j, datetime(2026, 2, 1, tzinfo=UTC), interval, stop)


class Beat:
    def __init__(self, name: str, last: datetime, stopped: bool = False) -> None:
        self.robot_name, self.host, self.started_at = name, f"host-{name}", last
        self.last_beat_at, self.stopped_at = last, last if stopped else None


class OrphanStore(ClaimStore):
    """Heartbeats as given; takes over the orphans it is told of, remembering who asked."""

    def __init__(self, beats: list[Beat], orphans: list[tuple[str, datetime, str]]) -> None:
        super().__init__()
        self.beats, self.orphans = beats, orphans
        self.asked: list[tuple[set[str], str]] = []

    def heartbeats(self, alive_within: timedelta | None = None) -> list[Any]:
        return self.beats

    def take_over_claims(self, dead: Any, robot: str, slots: Any, within: timedelta,
                         ) -> list[tuple[str, datetime, str]]:
        self.asked.append((set(dead), robot))
        taken = [o for o in self.orphans if (o[0], o[2]) in set(slots)]
        self.orphans = [o for o in self.orphans if o not in taken]
        return taken


def test_a_silent_or_stopped_robots_orphans_are_taken_over_and_run_without_waiting() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    slot = now - timedelta(seconds=30)
    store = OrphanStore(
        [Beat("me", now), Beat("live", now - timedelta(seconds=10)),
         Beat("silent", now - timedelta(seconds=20)), Beat("stopped", now, stopped=True),
         Beat("me", now - timedelta(hours=1))],  # my own previous life is not an orphan
        [("a", slot, ""), ("b", slot, "")])
    fleet = Fleet(store, "me", "here")  # beats every 5 s: silent after 16 s
    assert fleet.take_over([("a", "")], now) == [("a", slot, "")]
    assert store.asked == [({"silent", "stopped"}, "me")]
    fleet._members = [Member("me", "here"), Member("live", "here")]
    began = time.monotonic()
    # ours at once, even when another robot is preferred: no grace, no insert
    assert fleet.claim(journey("a"), slot, timedelta(seconds=8), threading.Event())
    assert time.monotonic() - began < 0.1 and store.claims == {}
    # only once: the same slot again goes through the ordinary claim
    store.claims[("a", slot, "")] = "live"
    assert not fleet.claim(journey("a"), slot, timedelta(seconds=0.4), threading.Event())
    # nobody gone, nothing asked
    store.beats = [Beat("me", now), Beat("live", now)]
    assert fleet.take_over([("b", "")], now) == [] and len(store.asked) == 1


class FakeLock:
    def __init__(self, held: bool) -> None:
        self.is_held = held
        self.released = False

    def held(self) -> bool:
        return self.is_held

    def release(self) -> None:
        self.released = True


class CountingEngine:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def after_run(self, result: Any) -> list[Any]:
        self.calls.append("after_run")
        return []

    def tick(self) -> list[Any]:
        self.calls.append("tick")
        return []

    def set_journeys(self, journeys: Any) -> None:
        self.calls.append("set_journeys")


def test_only_the_lock_holder_evaluates_the_alert_rules() -> None:
    engine, lock = CountingEngine(), FakeLock(held=False)
    gate = AlertGate(engine, lock, "lyon-1")
    gate.tick()
    gate.after_run(object())
    gate.set_journeys([])  # every robot knows the journeys, holder or not
    assert engine.calls == ["set_journeys"]
    lock.is_held = True  # the holder died: PostgreSQL gave the lock to this robot
    gate.tick()
    gate.after_run(object())
    assert engine.calls == ["set_journeys", "tick", "after_run"]
    gate.close()
    assert lock.released


# -- three robots on one PostgreSQL ---------------------------------------------------------

class FastRobot:
    """The robot function: 50 ms per run, always passing."""

    def __call__(self, j: Journey, device: DeviceSpec, **_kw: Any) -> RunResult:
        started = datetime.now(UTC)
        time.sleep(0.05)
        return replace(result(j, device, Status.PASSED, at=started), ended_at=datetime.now(UTC))


def fleet_robot(url: str, tmp_path: Path, name: str, location: str,
                journeys: list[Journey]) -> tuple[Robot, Store]:
    store = Store.open(url, spool_path=tmp_path / f"{name}.spool", environ={})
    identity = (name, location)
    recorder = StoreRecorder(store, host=f"host-{name}", robot=identity)
    catalog = Catalog([Path("/nonexistent")], loader=lambda _p: (list(journeys), []))
    runner = RoundRunner(journeys=catalog.get, pool=DevicePool([sim(f"{name}-d1"),
                                                                sim(f"{name}-d2")]),
                         recorder=recorder, run=FastRobot(), artifacts_dir=tmp_path,
                         environ={}, lease_wait_s=lambda j: 1.0, robot=identity)
    options = Options(every_override_ms=1000, grace_s=2.0, heartbeat_s=0.5, reload_s=60)
    fleet = Fleet(store, name, location, beat_s=options.heartbeat_s,
                  silent_min=timedelta(seconds=2))
    return Robot(catalog=catalog, runner=runner, recorder=recorder, options=options,
                 fleet=fleet), store


def kill(robot: Robot) -> None:
    """As `kill -9` leaves it: no more slots, no more beats, no goodbye in the database."""
    robot.runner.stopping.set()
    robot.runner.pool.close()
    assert robot._scheduler is not None
    robot._scheduler.shutdown(wait=False)


@pytest.mark.postgres
def test_three_robots_run_every_slot_once_and_take_over_a_dead_robots_share(
    postgres_url: str, tmp_path: Path,
) -> None:
    journeys = [journey(j, every_ms=60_000) for j in ("a", "b", "c", "d", "e", "f")]
    both = replace(journeys[0], monitor=replace(journeys[0].monitor, id="g",
                                                locations=("paris", "lyon")))
    journeys.append(both)
    fleet = [fleet_robot(postgres_url, tmp_path, name, loc, journeys)
             for name, loc in (("paris-1", "paris"), ("lyon-1", "lyon"), ("paris-2", "paris"))]
    robots = {r.fleet.name: r for r, _s in fleet if r.fleet is not None}
    started = datetime.now(UTC)
    for robot in robots.values():
        robot.start()
    time.sleep(1.0)
    for robot in robots.values():  # every robot has seen the others beat by now
        robot._join_fleet()
    time.sleep(3.0)
    killed_at = datetime.now(UTC)
    # paris-1 dies with the next slots of its journeys claimed and their runs never opened
    orphans = []
    for j in journeys:
        slot = trigger_for(j.monitor, every_override_ms=1000).fire_times(
            killed_at + timedelta(seconds=1), killed_at + timedelta(seconds=2))[0]
        scope = "paris" if j.id == "g" else ""
        if fleet[0][1].claim_slot(j.id, slot, scope, "paris-1"):
            orphans.append((j.id, slot, scope))
    assert orphans
    kill(robots["paris-1"])
    time.sleep(5.0)  # silent after 2.5 s: its orphaned claim is taken over at the next beat
    stopped = datetime.now(UTC)
    for name in ("lyon-1", "paris-2"):
        robots[name].request_stop("test")
        robots[name].shutdown()
    store = fleet[1][1]
    runs = store.runs(include_open=True)
    try:
        by_slot = Counter((r.journey, r.scheduled_at, r.attempt, r.location if r.journey == "g"
                           else "") for r in runs)
        assert max(by_slot.values()) == 1  # none doubled
        late = {(r.journey, r.scheduled_at, r.location if r.journey == "g" else ""):
                r.robot_name for r in runs if r.attempt == 1}
        # its orphaned slots were taken over by a survivor and stored under their own time
        assert all(late.get(o) in ("lyon-1", "paris-2") for o in orphans), (
            {o: late.get(o) for o in orphans})
        claims = store.slot_claims()
        assert len({(c[0], c[1], c[2]) for c in claims}) == len(claims)
        window = (started + timedelta(seconds=1.5), stopped - timedelta(seconds=1.5))
        for j in journeys:
            trigger = trigger_for(j.monitor, every_override_ms=1000)
            due = trigger.fire_times(*window)
            scopes = ("paris", "lyon") if j.id == "g" else ("",)
            for scope in scopes:
                got = {r.scheduled_at for r in runs if r.journey == j.id
                       and (not scope or r.location == scope)}
                lost = [s for s in due if s not in got]
                assert lost == [], (j.id, scope, lost, killed_at)
        after = [r for r in runs if r.scheduled_at and r.scheduled_at > killed_at
                 + timedelta(seconds=1)]
        assert after and not [r for r in after if r.robot_name == "paris-1"]
        assert {r.robot_name for r in after if r.journey == "g" and r.location == "paris"} \
            == {"paris-2"}  # its location's other robot took its share
        before = [r for r in runs if r.scheduled_at and window[0] < r.scheduled_at < killed_at]
        assert {r.robot_name for r in before} == {"paris-1", "lyon-1", "paris-2"}
        assert all(r.status == "passed" for r in runs if not r.is_open)
    finally:
        for _robot, s in fleet:
            s.close()
