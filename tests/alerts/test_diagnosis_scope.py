"""The narrowest cause the evidence supports, and where it lies: one endpoint, one device, one
OS version — and an outage headline that never contradicts its own facts."""

from __future__ import annotations

from dataclasses import replace

from scheduler.alerts.prediagnosis import diagnose
from scheduler.alerts.rules import build_checks, failing_decision
from scheduler.alerts.settings import AlertSettings, effective_policy
from tests.alerts.builders import at, check, journey


def _diagnosis(history, journey_id: str, minute: float):
    own = [r for r in history if r.journey == journey_id]
    policy = effective_policy(journey(journey_id, consecutive_failures=1).monitor,
                              AlertSettings())
    checks = build_checks(own, retries=1, now=at(minute), grace_ms=600_000)
    decision = failing_decision(journey_id, checks, policy, at(minute))
    assert decision.holds
    return diagnose(decision, history, at(minute), lookback_ms=1_800_000)


def test_one_endpoint_failing_is_named_not_the_backend() -> None:
    history = []
    for m in (0, 5):
        for j in ("shop-login", "shop-account", "shop-search", "shop-catalogue"):
            history += check(m, "up", journey=j)
    for m in (10, 15):
        for j in ("shop-login", "shop-account"):
            history += check(m, "down", journey=j, category="backend", transaction="Login")
        for j in ("shop-search", "shop-catalogue"):
            history += check(m + 1, "up", journey=j)
    d = _diagnosis(history, "shop-login", 17)
    assert (d.cause, d.scope) == ("backend_endpoint", "Login")
    assert d.title_en.startswith("The backend fails on Login (2 journeys); shop-catalogue")
    assert d.confidence >= 0.8


def test_a_crash_on_one_device_names_where_it_happens_and_where_not() -> None:
    history = []
    for m in (10, 15):
        history += check(m, "down", journey="shop-login", devices=("sim-3", "sim-3"),
                         category="crash")
        history += check(m + 1, "up", journey="shop-cart", devices=("sim-1",))
        history += check(m + 2, "up", journey="shop-search", devices=("sim-2",))
    d = _diagnosis(history, "shop-login", 18)
    assert (d.cause, d.scope) == ("device", "sim-3")
    assert d.title_en == "Crash on device sim-3 only (passes on sim-1, sim-2)"


def test_failures_on_one_os_version_name_the_build() -> None:
    history = []
    for m in (10, 15):
        down = check(m, "down", journey="shop-login", devices=("sim-a", "sim-b"))
        history += [replace(r, os_version="15") for r in down]
        other_app = check(m + 1, "up", journey="food-order", devices=("iphone",))
        history += [replace(r, os_version="17.4") for r in other_app]
    # another app passing on another OS says nothing about this build
    assert _diagnosis(history, "shop-login", 17).cause != "device_build"
    for m in (11, 12):
        up = check(m, "up", journey="shop-login", devices=("sim-c",))
        history += [replace(r, os_version="14") for r in up]
    d = _diagnosis(history, "shop-login", 17)
    assert (d.cause, d.scope) == ("device_build", "15")


def test_an_outage_headline_says_what_still_passes() -> None:
    history = []
    for m in (10, 15):
        for j in ("a", "b", "c"):
            history += check(m, "down", journey=j, category="backend", transaction=f"T{j}")
        history += check(m + 1, "up", journey="d")
    d = _diagnosis(history, "a", 17)
    assert d.cause == "backend_outage"
    assert "3 of 4 journeys fail" in d.title_en and "every journey" not in d.title_en
    assert any("still passing: d" in f.en for f in d.facts)
