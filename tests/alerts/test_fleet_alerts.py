"""A fleet's alerting: a silent robot is a robot incident naming who took its journeys over,
resolved when it beats again; a failure from one location only points at that site."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from scheduler.alerts.lifecycle import Event, advance
from scheduler.alerts.locations import per_location
from scheduler.alerts.model import Kind
from scheduler.alerts.prediagnosis import diagnose
from scheduler.alerts.rules import evaluate_journey, evaluate_robot
from scheduler.alerts.settings import AlertSettings, effective_policy
from scheduler.alerts.silence import evaluate_silent_robots
from scheduler.alerts.site_devices import fold_by_location
from scheduler.notify.message import Notice, title
from tests.alerts.builders import at, check, journey, monitor, result
from tests.alerts.harness import make_harness
from tests.alerts.test_diagnosis import diagnosis_for

DEAD = timedelta(seconds=16)


@dataclass(frozen=True)
class Beat:
    robot_name: str
    host: str
    started_at: datetime
    last_beat_at: datetime
    stopped_at: datetime | None = None
    location: str = "default"
    running: tuple[str, ...] = ()
    pid: int = 1


def fleet_runs(minutes: range, robot: str, location: str, journey: str = "shop-login"):
    return [replace(r, robot=robot, location=location)
            for m in minutes for r in check(m, "up", journey=journey)]


def test_a_silent_robot_opens_one_robot_incident_that_names_who_took_over() -> None:
    beats = [
        Beat("paris-1", "host-p", at(0), at(12), location="paris",
             running=("shop-login", "shop-search")),
        Beat("lyon-1", "host-l", at(0), at(15), location="lyon", running=("shop-login",)),
        Beat("old", "host-o", at(-3000), at(-2000)),  # gone for days: history, not news
        Beat("bye", "host-b", at(0), at(5), stopped_at=at(5)),  # stopped cleanly
    ]
    runs = fleet_runs(range(13, 16), "lyon-1", "lyon")
    decisions = {d.key: d for d in evaluate_silent_robots(beats, runs, at(15), dead_after=DEAD)}
    assert set(decisions) == {"robot:silent:paris-1", "robot:silent:lyon-1", "robot:silent:bye"}
    silent = decisions["robot:silent:paris-1"]
    assert silent.holds and silent.kind is Kind.ROBOT and silent.since == at(12)
    assert not decisions["robot:silent:lyon-1"].holds
    assert not decisions["robot:silent:bye"].holds
    step = advance(None, silent, at(15), AlertSettings())
    assert step.event is Event.FIRING
    d = diagnose(silent, runs, at(15), lookback_ms=30 * 60_000)
    assert (d.cause, d.scope) == ("robot_silent", "paris-1")
    assert d.title_en == ("Robot paris-1 (paris) silent since 10:12 UTC; its journeys moved "
                          "to lyon-1")
    notice = Notice(event="firing", kind="robot", journey="", diagnosis=d, opened_at=at(15),
                    now=at(15))
    assert title(notice) == f"[FIRING] {d.title_en}"
    # it beats again: resolved at the next evaluation
    back = [replace(beats[0], last_beat_at=at(16)), *beats[1:]]
    again = {d.key: d for d in evaluate_silent_robots(back, runs, at(16), dead_after=DEAD)}
    assert advance(step.incident, again["robot:silent:paris-1"], at(16),
                   AlertSettings()).event is Event.RESOLVED


def test_a_restarted_robot_is_judged_by_its_latest_process() -> None:
    beats = [Beat("paris-1", "host-p", at(0), at(2)),  # killed, never stopped
             Beat("paris-1", "host-p", at(3), at(15))]  # restarted, beating
    [decision] = evaluate_silent_robots(beats, [], at(15), dead_after=DEAD)
    assert not decision.holds


def located_decision(history, now_minute, journey="shop-login"):
    """The engine's way for a journey watched from paris and lyon: judged per location."""
    policy = effective_policy(monitor(journey), AlertSettings())
    decisions = per_location(journey, ("paris", "lyon"), history, lambda mine: evaluate_journey(
        journey, mine, policy, at(now_minute), grace_ms=AlertSettings().confirm_grace_ms))
    return {d.key.rsplit(":", 1)[1]: d for d in decisions}["failing"]


def test_failing_from_one_location_only_points_at_that_sites_network() -> None:
    """The same journey fails from paris and passes from lyon, checks interleaved: judged
    per location, paris's failures trip the rule; the diagnosis names the site."""
    history = fleet_runs(range(0, 10, 2), "paris-1", "paris") + \
        fleet_runs(range(1, 10, 2), "lyon-1", "lyon")
    for m in (10, 12):
        history += [replace(r, robot="paris-1", location="paris")
                    for r in check(m, "down", category="network")]
        history += fleet_runs(range(m + 1, m + 2), "lyon-1", "lyon")
    policy = effective_policy(monitor("shop-login"), AlertSettings())
    mixed = {d.key: d for d in evaluate_journey("shop-login", history, policy, at(14),
                                                grace_ms=AlertSettings().confirm_grace_ms)}
    assert not mixed["app:shop-login:failing"].holds  # as one stream, lyon hides paris
    decision = located_decision(history, 14)
    assert decision.holds
    d = diagnose(decision, history, at(14), lookback_ms=30 * 60_000)
    assert (d.cause, d.scope) == ("location", "paris")
    assert d.title_en == ("Network from paris only (passes from lyon): that site's network or "
                          "carrier")
    facts = " | ".join(f.en for f in d.facts)
    assert "all 4 failures (network) are from location paris (sim-1, sim-2)" in facts
    assert "this journey passes from lyon since 10:10 UTC" in facts
    # both sites pass again: the decision no longer holds
    history += fleet_runs(range(15, 18), "paris-1", "paris")
    assert not located_decision(history, 18).active


def test_without_locations_a_failure_everywhere_stays_an_outage() -> None:
    history = [r for m in range(0, 10, 2) for r in check(m, "up")]
    for m in (10, 12):
        history += check(m, "down", category="network")
        history += check(m, "down", journey="shop-search", category="network")
    d = diagnosis_for(history, 13)
    assert d.cause == "network_outage"


# -- every device of one location refusing sessions: one incident for the location ---------


def refused(minute: float, device: str, location: str = "paris", status: str = "error"):
    [run] = check(minute, "error" if status == "error" else "up", devices=(device,))
    return replace(run, location=location,
                   error="session not created: no node for the capabilities"
                   if status == "error" else None)


def robot_decisions(runs, now):
    return {d.key: d for d in fold_by_location(evaluate_robot(runs, now, errors=2), runs)}


def test_all_devices_of_a_location_refusing_sessions_are_one_incident_for_the_location(
) -> None:
    runs = [refused(m, d) for m in (0, 1, 2) for d in ("p1", "p2")]
    decisions = robot_decisions(runs, at(3))
    assert "robot:device:p1" not in decisions and "robot:device:p2" not in decisions
    site = decisions["robot:location:paris"]
    assert site.holds and site.kind is Kind.ROBOT and site.since == at(0)
    assert len(site.evidence) == 6 and site.device == "p1,p2"
    d = diagnose(site, runs, at(3), lookback_ms=30 * 60_000)
    assert (d.cause, d.scope) == ("location_devices", "paris")
    assert d.title_en.startswith("All 2 devices at paris refuse sessions (p1, p2): session "
                                 "not created")
    assert d.title_fr.startswith("Les 2 appareils de paris refusent les sessions")


def test_one_device_refusing_stays_its_own_incident_and_one_working_again_calms_the_site(
) -> None:
    one = [refused(m, "p1") for m in (0, 1, 2)] + [refused(m, "p2", status="up")
                                                   for m in (0, 1, 2)]
    decisions = robot_decisions(one, at(3))
    assert decisions["robot:device:p1"].holds
    assert not decisions["robot:location:paris"].holds
    # both refused, then p2 works again: the site calms, p1 is back on its own
    runs = [refused(m, d) for m in (0, 1, 2) for d in ("p1", "p2")]
    runs += [refused(3, "p2", status="up"), refused(4, "p2", status="up")]
    decisions = robot_decisions(runs, at(5))
    site = decisions["robot:location:paris"]
    assert not site.holds and site.passes == 2
    assert decisions["robot:device:p1"].holds and not decisions["robot:device:p2"].holds
    # without a named location (one host), devices stay per device
    alone = [replace(r, location="default") for r in
             (refused(m, d) for m in (0, 1) for d in ("s1", "s2"))]
    decisions = robot_decisions(alone, at(2))
    assert decisions["robot:device:s1"].holds and decisions["robot:device:s2"].holds
    assert not [k for k in decisions if k.startswith("robot:location:")]
    # a location with a single device: its device's incident, nothing more
    single = [refused(m, "l1", "lyon") for m in (0, 1)]
    assert set(robot_decisions(single, at(2))) == {"robot:device:l1"}


def test_the_engine_opens_one_location_incident_and_resolves_it_when_a_device_works(
    store_url: str, tmp_path: Path,
) -> None:
    h = make_harness(store_url, tmp_path, {}, journeys=[journey("shop-login")])
    try:
        def run(minute: float, device: str, status: str) -> None:
            h.clock.to(minute)
            error = "session not created" if status == "error" else None
            h.record(replace(result(h.clock.now, status, device=device, error=error,
                                    category="session" if status == "error" else None),
                             location="paris", robot_name="paris-1"))

        for minute in (0, 1, 2):
            run(minute, "p1", "error")
            run(minute + 0.5, "p2", "error")
        h.engine.tick()
        opened = [i for i in h.store.incidents() if i.kind == "robot"]
        assert [i.dedup_key for i in opened] == ["robot:location:paris"], opened
        assert "All 2 devices at paris refuse sessions" in (opened[0].diagnosis or "")
        run(3, "p2", "passed")
        run(4, "p2", "passed")
        h.engine.tick()
        assert h.store.find_open_incident("robot:location:paris") is None
        assert h.store.find_open_incident("robot:device:p1") is not None  # still refusing
    finally:
        h.engine.close()
        h.store.close()
