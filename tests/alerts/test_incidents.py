"""The incident state machine, step by step with a fixed clock (pure: no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from scheduler.alerts.lifecycle import Event, acknowledge, advance
from scheduler.alerts.model import Decision, IncidentState, Kind
from scheduler.alerts.settings import AlertSettings
from tests.alerts.builders import at, facts

S = AlertSettings(resolve_after_passes=2, min_flip_ms=5 * 60_000, flap_window_ms=30 * 60_000,
                  renotify_ms=60 * 60_000)


def decision(holds: bool, passes: int = 0) -> Decision:
    evidence = (facts(0, "failed", transaction="Login"),) if holds else ()
    return Decision(key="app:shop-login:failing", kind=Kind.APP, journey="shop-login",
                    holds=holds, rules=("consecutive_failures",) if holds else (),
                    transaction="Login" if holds else None, since=at(0), evidence=evidence,
                    passes=passes, availability=50.0)


def fire(minute: float = 1):
    step = advance(None, decision(True), at(minute), S)
    return step.incident.with_(id=1, last_notified_at=at(minute))


def test_a_holding_rule_opens_one_firing_incident() -> None:
    step = advance(None, decision(True), at(1), S)
    assert step.event is Event.FIRING and step.changed
    incident = step.incident
    assert incident.state is IncidentState.FIRING
    assert (incident.opened_at, incident.since, incident.transaction) == (at(1), at(0), "Login")
    assert advance(None, decision(False), at(1), S).incident is None


def test_while_firing_the_same_cause_is_deduplicated() -> None:
    incident = fire()
    for minute in (2, 3, 30):
        step = advance(incident, decision(True), at(minute), S)
        assert step.event is None  # same cause, same incident: no new notification
        assert step.incident.id == 1


def test_re_notified_at_the_interval_while_firing_not_when_acknowledged() -> None:
    incident = fire()
    step = advance(incident, decision(True), at(61), S)
    assert step.event is Event.RENOTIFY
    acked = acknowledge(incident, at(10), "alice").incident
    assert acked.state is IncidentState.ACKNOWLEDGED and acked.acknowledged_by == "alice"
    assert advance(acked, decision(True), at(61), S).event is None


def test_maintenance_silences_opening_and_reminders() -> None:
    assert advance(None, decision(True), at(1), S, silenced=True) == advance(
        None, decision(False), at(1), S)
    incident = fire()
    assert advance(incident, decision(True), at(61), S, silenced=True).event is None


def test_resolves_after_resolve_after_passes_whatever_the_window_says() -> None:
    incident = fire(1)
    assert advance(incident, decision(False, passes=1), at(10), S).event is None  # 1 < K
    step = advance(incident, decision(False, passes=2), at(3), S)  # no minimum time
    assert step.event is Event.RESOLVED
    assert step.incident.state is IncidentState.RESOLVED and step.incident.resolved_at == at(3)
    # the availability rule still holds (the window remembers the failure): resolved anyway
    window = replace(decision(True, passes=2), rules=("availability",))
    assert advance(incident, window, at(4), S).event is Event.RESOLVED
    # and a journey's own resolve_after is obeyed
    assert advance(incident, replace(decision(False, passes=2), resolve_after=3), at(4),
                   S).event is None
    # an acknowledged incident resolves the same way
    acked = acknowledge(incident, at(2)).incident
    assert advance(acked, decision(False, passes=2), at(10), S).event is Event.RESOLVED


def test_flapping_reopens_the_same_incident_marked_flapping() -> None:
    resolved = advance(fire(1), decision(False, passes=2), at(10), S).incident
    resolved = resolved.with_(id=1)
    # the window still holds after resolving: nothing reopens until a new failure
    assert advance(resolved, decision(True, passes=2), at(11), S).event is None
    again = advance(resolved, decision(True), at(12), S)
    assert again.event is Event.FIRING
    assert again.incident.id == 1 and again.incident.flaps == 1  # the same incident
    assert again.incident.state is IncidentState.FIRING and again.incident.resolved_at is None
    # its resolution is not delayed: the same calm resolves it
    assert advance(again.incident, decision(False, passes=2), at(14), S).event is Event.RESOLVED
    # long after resolving, a new occurrence is a fresh, non-flapping incident
    later = advance(resolved, decision(True), at(10) + timedelta(hours=1), S)
    assert later.incident.id is None and later.incident.flaps == 0
