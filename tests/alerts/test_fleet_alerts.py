"""A fleet's alerting: a silent robot is a robot incident naming who took its journeys over,
resolved when it beats again; a failure from one location only points at that site."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scheduler.alerts.lifecycle import Event, advance
from scheduler.alerts.locations import per_location
from scheduler.alerts.model import Kind
from scheduler.alerts.prediagnosis import diagnose
from scheduler.alerts.rules import evaluate_journey
from scheduler.alerts.settings import AlertSettings, effective_policy
from scheduler.alerts.silence import evaluate_silent_robots
from scheduler.notify.message import Notice, title
from tests.alerts.builders import at, check, monitor
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
