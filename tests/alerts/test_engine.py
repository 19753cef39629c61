"""The engine on a real store (SQLite and PostgreSQL), fixed clock, real Apprise delivery to a
recording HTTP endpoint: lifecycle, dedup, re-notify, maintenance, robot alerts, retries."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ronde.config import MaintenanceWindow
from tests.alerts.builders import at, journey
from tests.alerts.harness import Harness, make_harness
from tests.fixtures.alertmanager import HttpRecorder


@pytest.fixture
def harness(store_url: str, tmp_path: Path, http_recorder: HttpRecorder) -> Iterator[Harness]:
    h = make_harness(store_url, tmp_path, {"hook": _json_url(http_recorder)},
                     journeys=[journey("shop-login"), journey("shop-search")])
    yield h
    h.engine.close()
    h.store.close()


def _json_url(recorder: HttpRecorder) -> str:
    return recorder.url.replace("http://", "json://") + "/hook"


def titles(recorder: HttpRecorder) -> list[str]:
    return [r.body["title"] for r in recorder.received]


def test_lifecycle_one_incident_one_firing_one_resolved(
    harness: Harness, http_recorder: HttpRecorder
) -> None:
    h = harness
    h.check(0, "up")
    h.check(1, "down", transaction="Checkout")
    assert not h.store.open_incidents()  # one confirmed failure: below the default of 2
    h.check(2, "down", transaction="Checkout")
    h.check(3, "down", transaction="Checkout")
    h.check(4, "down", transaction="Checkout")
    h.drain()
    [incident] = h.store.open_incidents()
    assert (incident.journey, incident.state, incident.kind) == ("shop-login", "firing", "app")
    assert incident.dedup_key == "app:shop-login:failing"
    assert incident.transaction == "Checkout" and incident.opened_at == at(2.25)
    assert incident.diagnosis and 0 < incident.confidence <= 1
    assert titles(http_recorder) == [
        "[FIRING] shop-login is failing — Checkout (The app shows an unexpected screen)"]
    body = http_recorder.received[0].body["message"]
    assert "Failing transaction: Checkout" in body and "Availability: 33.3% over 60 min" in body
    assert "Pre-diagnosis: " in body and "Pré-diagnostic : " not in body
    assert "Pré-diagnostic: " in body  # French follows English
    assert f"ronde alerts ack {incident.id}" in body

    h.check(4.5, "up")
    h.drain()
    assert h.store.open_incidents()  # 1 good check: resolve_after is 2
    h.check(6, "up")
    h.drain()
    assert not h.store.open_incidents()  # although the 1 h availability is still low
    [resolved] = h.store.incidents()
    assert resolved.state == "resolved" and resolved.resolved_at == at(6)
    assert titles(http_recorder)[1] == "[RESOLVED] shop-login is failing — Checkout"
    assert "Recovered at: 2026-11-25 10:06:00 UTC (after 4 min)" in (
        http_recorder.received[1].body["message"])
    sent = h.store.notifications(incident_id=resolved.id)
    assert [(n.channel, n.kind, n.ok) for n in sent] == [
        ("hook", "firing", True), ("hook", "resolved", True)]


def test_opening_and_resolving_are_logged_for_the_robot_console(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    with caplog.at_level(logging.INFO, logger="scheduler.alerts.engine"):
        for minute in (0, 1, 2):
            h.check(minute, "down")
        for minute in (6, 7):
            h.check(minute, "up")
        h.drain()
    logged = [r for r in caplog.records if getattr(r, "event", "").startswith("incident_")]
    assert [(r.levelname, getattr(r, "event", None), getattr(r, "journey", None))
            for r in logged] == [("WARNING", "incident_firing", "shop-login"),
                                 ("INFO", "incident_resolved", "shop-login")]
    assert logged[0].getMessage().startswith("incident #")


def test_re_notified_while_firing_until_acknowledged(
    harness: Harness, http_recorder: HttpRecorder
) -> None:
    h = harness
    h.check(0, "down")
    h.check(1, "down")
    h.clock.to(20)
    h.engine.tick()
    h.drain()
    assert len(http_recorder.received) == 1  # before the 30 min interval
    h.clock.to(32)
    h.engine.tick()
    h.drain()
    assert titles(http_recorder)[1].startswith("[STILL FIRING] shop-login is failing")
    [incident] = h.store.open_incidents()
    h.engine.acknowledge(incident.id, by="alice")
    h.clock.to(70)
    h.engine.tick()
    h.drain()
    assert len(http_recorder.received) == 2
    [acked] = h.store.open_incidents()
    assert acked.state == "acknowledged" and acked.details["acknowledged_by"] == "alice"


def test_error_runs_raise_a_robot_alert_and_no_app_alert(
    harness: Harness, http_recorder: HttpRecorder
) -> None:
    h = harness
    h.check(0, "up", devices=("sim-1",))
    for minute in (1, 2, 3, 4):
        h.check(minute, "error", devices=("sim-2",), error="session refused: device offline")
        h.check(minute + 0.5, "up", journey="shop-search", devices=("sim-1",))
    h.drain()
    [incident] = h.store.open_incidents()
    assert (incident.kind, incident.dedup_key, incident.device) == (
        "robot", "robot:device:sim-2", "sim-2")
    assert incident.cause == "device_unavailable"
    assert titles(http_recorder) == [
        "[FIRING] shop-login cannot be run by the robot (Device sim-2 is unavailable)"]
    assert "session refused: device offline" in http_recorder.received[0].body["message"]


def test_maintenance_windows_silence_and_their_failures_never_count(
    store_url: str, tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    window = MaintenanceWindow(name="deploy", start=at(0), end=at(10), journeys=("shop-login",))
    h = make_harness(store_url, tmp_path, {"hook": _json_url(http_recorder)},
                     journeys=[journey("shop-login")], maintenance=(window,))
    try:
        for minute in (1, 3, 5, 7, 9):
            h.check(minute, "down")
        h.drain()
        assert not h.store.incidents() and not http_recorder.received
        h.check(11, "down")  # the failures inside the window do not make a streak
        h.drain()
        assert not h.store.incidents()
        h.check(12, "down")
        h.drain()
        [incident] = h.store.open_incidents()
        assert incident.opened_at == at(12.25)
        assert len(http_recorder.received) == 1
    finally:
        h.engine.close()
        h.store.close()


def test_failed_deliveries_are_retried_with_backoff_and_recorded(
    harness: Harness, http_recorder: HttpRecorder
) -> None:
    h = harness
    http_recorder.fail_next = 2
    h.check(0, "down")
    h.check(1, "down")
    h.drain()
    [incident] = h.store.open_incidents()
    sent = h.store.notifications(incident_id=incident.id)
    assert [(n.attempt, n.ok) for n in sent] == [(1, False), (2, False), (3, True)]
    assert "hook" in sent[0].error and "500" in sent[0].error
    assert len(http_recorder.received) == 1 and http_recorder.failed == 2


def test_a_broken_channel_never_blocks_the_robot(
    store_url: str, tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    from tests.fixtures.net import free_port

    dead = f"json://127.0.0.1:{free_port()}/nobody"
    h = make_harness(store_url, tmp_path, {"dead": dead, "hook": _json_url(http_recorder)},
                     journeys=[journey("shop-login")])
    h.engine.notifier.worker.attempts = 3
    try:
        h.check(0, "down")
        start = time.monotonic()
        h.check(1, "down")
        assert time.monotonic() - start < 2.0
        h.drain()
        [incident] = h.store.open_incidents()
        rows = h.store.notifications(incident_id=incident.id)
        assert [(n.channel, n.attempt, n.ok) for n in rows if n.channel == "dead"] == [
            ("dead", 1, False), ("dead", 2, False), ("dead", 3, False)]
        assert any(n.channel == "hook" and n.ok for n in rows)
        assert all(dead not in (n.error or "") for n in rows)  # names, never URLs
    finally:
        h.engine.close()
        h.store.close()


def test_secrets_never_reach_a_notification(
    store_url: str, tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    h = make_harness(store_url, tmp_path, {"hook": _json_url(http_recorder)},
                     journeys=[journey("shop-login", secrets=("SHOP_PASSWORD",))],
                     environ={"SHOP_PASSWORD": "demo-secret"})
    try:
        leak = "password demo-secret refused"
        h.check(0, "down", transaction="Login with demo-secret", error=leak)
        h.check(1, "down", transaction="Login with demo-secret", error=leak)
        h.drain()
        [received] = http_recorder.received
        text = received.body["title"] + received.body["message"]
        assert "demo-secret" not in text
        assert "Login with •••" in text
        [incident] = h.store.open_incidents()
        assert "demo-secret" not in (incident.diagnosis or "") + (incident.transaction or "x")
    finally:
        h.engine.close()
        h.store.close()


def test_only_the_journeys_channels_are_notified(
    store_url: str, tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    other = HttpRecorder()
    try:
        h = make_harness(
            store_url, tmp_path,
            {"sre": _json_url(http_recorder), "qa": _json_url(other)},
            journeys=[journey("shop-login", notify=("sre",))],
        )
        h.check(0, "down")
        h.check(1, "down")
        h.drain()
        assert len(http_recorder.received) == 1 and not other.received
        h.engine.close()
        h.store.close()
    finally:
        other.close()


def test_a_slow_schedule_reads_enough_history_for_its_streak(
    store_url: str, tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    h = make_harness(store_url, tmp_path, {"hook": _json_url(http_recorder)},
                     journeys=[journey("nightly", every_ms=40 * 60_000)])
    try:
        h.check(0, "down", journey="nightly")
        h.check(80, "down", journey="nightly")  # the first one is older than the hour read
        h.drain()
        [incident] = h.store.open_incidents()
        assert incident.journey == "nightly" and incident.opened_at == at(80.25)
    finally:
        h.engine.close()
        h.store.close()


def test_the_default_settings_alert_and_speak_both_languages(
    tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    h = make_harness(f"sqlite:///{tmp_path / 'r.db'}", tmp_path,
                     {"hook": _json_url(http_recorder)}, journeys=[journey("shop-login")],
                     settings=None)
    try:
        assert h.engine.settings.lang == "en,fr"
        h.check(0, "down")
        h.check(1, "down")
        h.drain()
        [received] = http_recorder.received
        assert "Failing transaction:" in received.body["message"]
        assert "Transaction en échec:" in received.body["message"]
    finally:
        h.engine.close()
        h.store.close()


def test_a_flapping_journey_reopens_its_one_incident(harness: Harness,
                                                     http_recorder: HttpRecorder) -> None:
    h = harness
    # two confirmed failures, two passes, again and again, for 40 minutes
    for cycle in range(10):
        base = cycle * 4
        h.check(base, "down")
        h.check(base + 1, "down")
        h.check(base + 2, "up")
        h.check(base + 3, "up")
    h.drain()
    got = titles(http_recorder)
    firing = [t for t in got if t.startswith("[FIRING]")]
    resolved = [t for t in got if t.startswith("[RESOLVED]")]
    print(f"\n10 flips in 40 min -> {len(firing)} firing and {len(resolved)} resolved notices, "
          f"{len(h.store.incidents())} incident")
    assert len(firing) == 10 and len(resolved) == 10  # each recovery is told at once
    [one] = h.store.incidents()  # but it stays one incident, reopened and marked flapping
    assert one.details["flaps"] == 9 and one.state == "resolved"
    flapping = http_recorder.received[2].body["message"]
    assert "Flapping: this cause fired 2 times in a short while" in flapping


def test_two_robots_on_one_database_open_the_incident_once(
    store_url: str, tmp_path: Path, http_recorder: HttpRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    from scheduler.alerting import alert_engine

    h = make_harness(store_url, tmp_path, {"hook": _json_url(http_recorder)},
                     journeys=[journey("shop-login")])
    other = alert_engine(h.store, h.engine.config, h.journeys.values(), clock=h.clock,
                        settings=h.engine.settings, environ={})
    try:
        h.check(0, "down")
        first = h.check(1, "down")[-1].incident
        # the other robot evaluates the same runs but lost the race to open it
        original, many = other.incidents.latest, other.incidents.latest_many
        other.incidents.latest = lambda key: None  # type: ignore[method-assign]
        other.incidents.latest_many = lambda keys: dict.fromkeys(keys)  # type: ignore[method-assign]
        opened = other.incidents.open
        other.incidents.open = lambda: []  # type: ignore[method-assign]
        caplog.set_level("INFO", logger="scheduler.alerts.engine")
        steps = other.tick()
        other.incidents.latest = original  # type: ignore[method-assign]
        other.incidents.latest_many = many  # type: ignore[method-assign]
        other.incidents.open = opened  # type: ignore[method-assign]
        other.notifier.worker.drain(10)
        h.drain()
        assert steps == [] and first is not None
        assert "incident app:shop-login:failing already opened by another robot" in caplog.text
        assert len(h.store.incidents()) == 1 and len(http_recorder.received) == 1
    finally:
        other.close()
        h.engine.close()
        h.store.close()
