"""One incident per cause and scope (grouping), resolution after `resolve_after` good rounds,
separate causes apart, and a flaky device in a pool: the engine on a real store, fixed clock,
real Apprise delivery to a recording endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.alerts import grouping
from tests.alerts.builders import journey
from tests.alerts.harness import Harness, make_harness
from tests.fixtures.alertmanager import HttpRecorder

JOURNEYS = ["shop-login", "shop-search", "shop-cart", "shop-checkout", "shop-account",
            "shop-orders"]


def _url(recorder: HttpRecorder) -> str:
    return recorder.url.replace("http://", "json://") + "/hook"


@pytest.fixture
def harness(store_url: str, tmp_path: Path, http_recorder: HttpRecorder) -> Iterator[Harness]:
    h = make_harness(store_url, tmp_path, {"hook": _url(http_recorder)},
                     journeys=[journey(j, consecutive_failures=1, availability_below=95.0)
                               for j in JOURNEYS])
    yield h
    h.engine.close()
    h.store.close()


def titles(recorder: HttpRecorder) -> list[str]:
    return [r.body["title"] for r in recorder.received]


def round_of(h: Harness, minute: float, outcome: str, journeys: list[str] = JOURNEYS,
             **kw: object) -> None:
    for i, jid in enumerate(journeys):
        h.check(minute + i * 0.01, outcome, journey=jid, **kw)


def test_one_outage_across_six_journeys_is_one_incident_listing_them(
        harness: Harness, http_recorder: HttpRecorder) -> None:
    h = harness
    round_of(h, 0, "up")
    round_of(h, 5, "down", category="backend", transaction="Checkout")
    round_of(h, 10, "down", category="backend", transaction="Checkout")
    h.drain()
    [incident] = h.store.incidents()
    assert sorted(incident.details["journeys"]) == sorted(JOURNEYS)
    assert incident.cause == "backend_outage"
    sent = titles(http_recorder)
    print(f"\n6 journeys down for one cause -> {len(h.store.incidents())} incident, notices: "
          f"{sent}")
    assert sent[0].startswith("[FIRING]")
    assert sent[-1].startswith("[UPDATED] 6 journeys are failing")
    assert len(sent) <= 6  # one notice, then updates as its scope grows: never one per journey
    body = http_recorder.received[-1].body["message"]
    assert "Journeys affected (6): " + ", ".join(sorted(JOURNEYS)) in body

    # recovery: the resolved notice within 2 rounds, although 1 h availability is still low
    round_of(h, 15, "up")
    h.drain()
    assert h.store.open_incidents()  # one good round: resolve_after is 2
    round_of(h, 20, "up")
    h.drain()
    assert not h.store.open_incidents()
    resolved = [r.body for r in http_recorder.received if r.body["title"].startswith("[RES")]
    assert len(resolved) == 1
    assert "Recovered at: 2026-11-25 10:20:" in resolved[0]["message"]
    assert "Lasted: " in resolved[0]["message"]
    assert "Failing transaction" not in resolved[0]["message"]  # never the stale firing text


def test_two_causes_at_once_are_two_incidents(harness: Harness) -> None:
    """Logins refused everywhere while one phone shows a blank screen on its own journey."""
    h = harness
    others = [j for j in JOURNEYS if j not in ("shop-login", "shop-orders")]
    round_of(h, 0, "up")
    for minute in (5, 10):
        h.check(minute, "down", journey="shop-login", category="authentication",
                transaction="Login")
        h.check(minute + 0.1, "down", journey="shop-orders", category="display",
                transaction="Orders", devices=("sim-3", "sim-3"))
        round_of(h, minute + 0.2, "up", others)
    h.drain()
    by_cause = {i.cause: i.details["journeys"] for i in h.store.open_incidents()}
    assert by_cause == {"authentication": ["shop-login"], "device": ["shop-orders"]}, by_cause


def test_resolve_after_is_configurable(store_url: str, tmp_path: Path,
                                       http_recorder: HttpRecorder) -> None:
    h = make_harness(store_url, tmp_path, {"hook": _url(http_recorder)},
                     journeys=[journey("shop-login", consecutive_failures=1, resolve_after=3)])
    try:
        h.check(0, "down")
        for minute in (1, 2):
            h.check(minute, "up")
            assert h.store.open_incidents(), minute
        h.check(3, "up")
        assert not h.store.open_incidents()
    finally:
        h.engine.close()
        h.store.close()


def test_a_flaky_device_in_a_pool_raises_a_device_incident(
        harness: Harness, http_recorder: HttpRecorder) -> None:
    """Its first attempts keep failing, their confirmations on other phones pass: flakes one by
    one (no app incident), a robot incident naming the device together."""
    h = harness
    for n, jid in enumerate(JOURNEYS[:4]):
        h.check(n, "flake", journey=jid, devices=("sim-bad", f"sim-{n % 2}"), category="crash")
    h.drain()
    [incident] = h.store.open_incidents()
    assert (incident.kind, incident.dedup_key, incident.device) == (
        "robot", "robot:flaky:sim-bad", "sim-bad")
    assert incident.cause == "flaky_device"
    assert "sim-bad" in (incident.diagnosis or "") and "crash" in (incident.diagnosis or "")
    # it recovers: its first attempts pass again
    h.check(5, "up", devices=("sim-bad",))
    h.check(6, "up", journey="shop-search", devices=("sim-bad",))
    assert not h.store.open_incidents()


def test_group_keys_name_cause_and_scope() -> None:
    from scheduler.alerts.model import Decision, Kind
    from scheduler.signals import Diagnosis

    d = Decision(key="app:shop-login:failing", kind=Kind.APP, journey="shop-login", holds=True)
    shared = Diagnosis("device", "x", "x", 0.9, scope="sim-3")
    local = Diagnosis("display", "x", "x", 0.35)
    assert grouping.group_key(d, shared) == "app:device:sim-3"
    assert grouping.group_key(d, local) == "app:shop-login:failing"


def test_resolve_after_and_fail_fast_are_journey_keys(tmp_path: Path) -> None:
    from journeys.errors import JourneyError
    from journeys.parser import load_journey

    path = tmp_path / "j.yaml"
    path.write_text("appId: a.b\nmonitor:\n  fail_fast: false\n  alert: {resolve_after: 3}\n"
                    "---\n- launchApp\n", encoding="utf-8")
    parsed = load_journey(path)
    assert parsed.monitor.fail_fast is False and parsed.monitor.alert.resolve_after == 3
    path.write_text("appId: a.b\nmonitor:\n  alert: {resolve_after: 0}\n---\n- launchApp\n",
                    encoding="utf-8")
    with pytest.raises(JourneyError, match=r"j.yaml:3:\d+: monitor.alert.resolve_after"):
        load_journey(path)
