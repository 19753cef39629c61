"""Incident and notification persistence on both backends: lifecycle, dedup, queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import DuplicateIncident, Store
from storage.errors import InvalidTransition, UnknownIncident

T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def timed(store_url: str, tmp_path: Path) -> tuple[Store, list[datetime]]:
    now = [T]
    store = Store.open(store_url, spool_path=tmp_path / "s.jsonl", clock=lambda: now[0])
    yield store, now
    store.close()


def test_lifecycle_firing_acknowledged_resolved(timed: tuple[Store, list[datetime]]) -> None:
    store, now = timed
    incident = store.open_incident(
        "shop-login:authentication", kind="app", rule="consecutive_failures",
        journey="shop-login", category="authentication", transaction="Login", device="sim-1",
        diagnosis="The login service refuses valid credentials.",
        diagnosis_fr="Le service de connexion refuse des identifiants valides.",
        confidence=0.8, evidence_run_id="r1", details={"facts": ["2 journeys", "all devices"]},
    )
    assert (incident.state, incident.journey, incident.opened_at, incident.is_open) == (
        "firing", "shop-login", T, True)
    assert incident.details == {"facts": ["2 journeys", "all devices"]}
    now[0] = T + timedelta(minutes=5)
    store.update_incident(incident.id, last_notified_at=now[0], confidence=0.9)
    acked = store.acknowledge_incident(incident.id)
    assert (acked.state, acked.acknowledged_at, acked.confidence) == ("acknowledged", now[0], 0.9)
    assert acked.last_notified_at == now[0]
    now[0] = T + timedelta(minutes=30)
    resolved = store.resolve_incident(incident.id)
    assert (resolved.state, resolved.resolved_at, resolved.is_open) == ("resolved", now[0], False)
    with pytest.raises(InvalidTransition, match="resolved -> acknowledged"):
        store.update_incident(incident.id, state="acknowledged")
    with pytest.raises(ValueError, match="cannot update incident field"):
        store.update_incident(incident.id, opened_at=T)
    with pytest.raises(UnknownIncident):
        store.resolve_incident(999_999)


def test_one_open_incident_per_dedup_key(timed: tuple[Store, list[datetime]]) -> None:
    store, now = timed
    first = store.open_incident("k", kind="app", rule="availability", journey="shop-login")
    with pytest.raises(DuplicateIncident):
        store.open_incident("k", kind="app", rule="availability", journey="shop-login")
    assert store.find_open_incident("k") == first
    store.resolve_incident(first.id)
    assert store.find_open_incident("k") is None
    now[0] = T + timedelta(hours=1)
    second = store.open_incident("k", kind="app", rule="availability", journey="shop-login")
    assert second.id != first.id and second.state == "firing"
    with pytest.raises(ValueError, match="kind"):
        store.open_incident("other", kind="weather", rule="r")


def test_listing_open_and_recent_incidents(timed: tuple[Store, list[datetime]]) -> None:
    store, now = timed
    app = store.open_incident("a", kind="app", rule="r", journey="shop-login")
    now[0] = T + timedelta(minutes=1)
    robot = store.open_incident("b", kind="robot", rule="errors", device="sim-2")
    now[0] = T + timedelta(minutes=2)
    old = store.open_incident("c", kind="app", rule="r", journey="shop-search")
    store.resolve_incident(old.id)
    assert [i.id for i in store.open_incidents()] == [app.id, robot.id]
    assert [i.id for i in store.open_incidents(kind="robot")] == [robot.id]
    assert [i.id for i in store.open_incidents(journey="shop-login")] == [app.id]
    assert [i.id for i in store.incidents()] == [app.id, robot.id, old.id]
    assert [i.id for i in store.incidents(states=["resolved"])] == [old.id]
    assert [i.id for i in store.incidents(limit=2)] == [robot.id, old.id]
    # since: incidents opened since then, plus any still open
    assert [i.id for i in store.incidents(since=T + timedelta(minutes=2))] == [
        app.id, robot.id, old.id]
    assert [i.id for i in store.incidents(since=T + timedelta(minutes=3))] == [app.id, robot.id]


def test_notifications_are_recorded_per_attempt(timed: tuple[Store, list[datetime]]) -> None:
    store, now = timed
    incident = store.open_incident("a", kind="app", rule="r", journey="shop-login")
    store.record_notification(incident.id, "qa-mail", "firing", False, attempt=1,
                              error="SMTP refused")
    now[0] = T + timedelta(seconds=30)
    store.record_notification(incident.id, "qa-mail", "firing", True, attempt=2)
    store.record_notification(incident.id, "alertmanager", "firing", True)
    store.record_notification(None, "sre-slack", "test", True)
    sent = store.notifications(incident.id)
    assert [(n.channel, n.kind, n.attempt, n.ok, n.error) for n in sent] == [
        ("qa-mail", "firing", 1, False, "SMTP refused"), ("qa-mail", "firing", 2, True, None),
        ("alertmanager", "firing", 1, True, None)]
    assert sent[1].sent_at == now[0]
    assert [n.kind for n in store.notifications(channel="sre-slack")] == ["test"]
    with pytest.raises(ValueError, match="notification kind"):
        store.record_notification(incident.id, "qa-mail", "paged", True)
    with pytest.raises(UnknownIncident):
        store.record_notification(424242, "qa-mail", "firing", True)


def test_latest_incident_prefers_the_open_one(timed: tuple[Store, list[datetime]]) -> None:
    from storage import incidents

    store, now = timed
    assert incidents.latest_incident(store.db, "k") is None
    first = store.open_incident("k", kind="app", rule="r")
    store.resolve_incident(first.id)
    now[0] = T + timedelta(minutes=10)
    second = store.open_incident("k", kind="app", rule="r")
    now[0] = T + timedelta(minutes=20)
    assert incidents.latest_incident(store.db, "k").id == second.id  # type: ignore[union-attr]
    store.resolve_incident(second.id)
    assert incidents.latest_incident(store.db, "k").id == second.id  # type: ignore[union-attr]


def test_latest_incidents_of_many_keys_is_latest_incident_of_each(
    timed: tuple[Store, list[datetime]],
) -> None:
    from storage import incidents

    store, now = timed
    old = store.open_incident("a", kind="app", rule="r")
    store.resolve_incident(old.id)
    now[0] = T + timedelta(minutes=5)
    store.open_incident("a", kind="app", rule="r")  # open: preferred to the resolved one
    for minute in (1, 2):  # two resolved ones: the most recently opened
        now[0] = T + timedelta(minutes=minute)
        store.resolve_incident(store.open_incident("b", kind="app", rule="r").id)
    keys = ["a", "b", "none"]
    many = incidents.latest_incidents(store.db, keys)
    assert set(many) == {"a", "b"}
    for key in ("a", "b"):
        assert many[key] == incidents.latest_incident(store.db, key)
