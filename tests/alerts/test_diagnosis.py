"""The pre-diagnosis: each scenario gets its cause, a confidence and the facts behind it."""

from __future__ import annotations

from dataclasses import replace

from scheduler.alerts.prediagnosis import diagnose
from scheduler.alerts.rules import evaluate_journey, evaluate_robot
from scheduler.alerts.settings import AlertSettings, effective_policy
from tests.alerts.builders import at, check, facts, monitor

SETTINGS = AlertSettings()
LOOKBACK = 30 * 60_000
JOURNEYS = ("shop-login", "shop-search", "shop-checkout")


def diagnosis_for(history, now_minute, journey="shop-login", key="failing", **policy):
    pol = effective_policy(monitor(journey, **policy), SETTINGS)
    decisions = {d.key.rsplit(":", 1)[1]: d for d in evaluate_journey(
        journey, history, pol, at(now_minute), grace_ms=SETTINGS.confirm_grace_ms)}
    decision = decisions[key]
    assert decision.holds, decision
    return diagnose(decision, history, at(now_minute), lookback_ms=LOOKBACK)


def healthy(minutes, journeys=JOURNEYS, devices=("sim-1", "sim-2")):
    return [r for m in minutes for j in journeys for r in check(m, "up", journey=j,
                                                                devices=devices)]


def text_of(d) -> str:
    return " | ".join(f.en for f in d.facts)


def test_every_journey_failing_on_every_device_is_a_backend_outage() -> None:
    history = healthy(range(0, 10, 2))
    for m in (10, 12):
        for j in JOURNEYS:
            history += check(m, "down", journey=j, category="backend", step="assertVisible")
    d = diagnosis_for(history, 13)
    assert d.cause == "backend_outage"
    assert "all at the same step type (assertVisible)" in text_of(d)
    assert d.confidence >= 0.85
    assert "3 of 3 journeys fail since 10:10 UTC" in text_of(d)
    assert "on every device (sim-1, sim-2)" in text_of(d)
    assert "of category backend" in text_of(d)
    assert "3 parcours sur 3 échouent" in " ".join(f.fr for f in d.facts)


def test_every_journey_failing_with_network_errors_is_a_network_outage() -> None:
    history = healthy(range(0, 10, 2))
    for m in (10, 12):
        for j in JOURNEYS:
            history += check(m, "down", journey=j, category="network")
    d = diagnosis_for(history, 13)
    assert d.cause == "network_outage"
    assert d.title_fr == "Panne réseau"


def test_failures_on_one_device_only_blame_that_device() -> None:
    history = healthy(range(0, 10, 2))
    for m in (10, 12):
        history += check(m, "down", devices=("sim-1", "sim-1"))
        history += check(m + 1, "up", journey="shop-search", devices=("sim-2",))
    d = diagnosis_for(history, 14)
    assert d.cause == "device"
    assert (d.title_en, d.scope) == ("Display on device sim-1 only (passes on sim-2)", "sim-1")
    assert "all 4 failures (display) are on device sim-1" in text_of(d)
    assert "journeys pass on sim-2 since 10:10 UTC" in text_of(d)
    assert d.confidence >= 0.7


def test_login_transactions_only_point_to_authentication() -> None:
    history = healthy(range(0, 10, 2))
    for m in (10, 12):
        history += check(m, "down", category="authentication", transaction="Login",
                         is_login=True)
        history += check(m, "up", journey="shop-search")
    d = diagnosis_for(history, 13)
    assert d.cause == "authentication"
    assert "only the login transaction fails (Login)" in text_of(d)
    assert "journeys without that login still pass: shop-search" in text_of(d)
    assert d.confidence >= 0.8


def test_failures_right_after_a_new_version_are_a_release_regression() -> None:
    history = healthy(range(0, 10, 2), journeys=("shop-login",))
    for m in (10, 12):
        history += check(m, "down", app_version="1.1.0", category="crash",
                         logcat="java.lang.NullPointerException: cart is null")
    d = diagnosis_for(history, 13)
    assert d.cause == "release_regression"
    assert d.title_en == "Regression in app release 1.1.0"
    assert "app version 1.1.0 was first seen at 10:10 UTC" in text_of(d)
    assert "the last passing run used version 1.0.0" in text_of(d)
    assert "logcat: java.lang.NullPointerException: cart is null" in text_of(d)
    assert ("app_crash", 0.85) in d.alternatives


def test_a_crash_names_the_logcat_exception() -> None:
    history = healthy(range(0, 10, 2), journeys=("shop-login",))
    for m in (10, 12):
        history += check(m, "down", category="crash", transaction="Checkout",
                         logcat="java.lang.IllegalStateException: payment view gone")
    d = diagnosis_for(history, 13)
    assert d.cause == "app_crash"
    assert "the app died during Checkout (4 runs)" in text_of(d)
    assert "logcat: java.lang.IllegalStateException: payment view gone" in text_of(d)
    assert d.confidence == 0.85


def test_a_third_party_step_blames_the_provider() -> None:
    history = healthy(range(0, 10, 2), journeys=("shop-checkout",))
    for m in (10, 12):
        history += check(m, "down", journey="shop-checkout", category="third_party",
                         transaction="Payer")
    d = diagnosis_for(history, 13, journey="shop-checkout")
    assert d.cause == "third_party"
    assert d.title_en == "Payment or third-party provider"
    assert "hands over to another app or site: Payer" in text_of(d)


def test_slow_everywhere_is_backend_latency() -> None:
    history = healthy(range(0, 10, 2))
    for m in range(10, 30, 2):
        for j in JOURNEYS:
            history += check(m, "degraded", journey=j)
    d = diagnosis_for(history, 30, key="slow", slow_ms=3000, slow_for_ms=10 * 60_000)
    assert d.cause == "backend_latency"
    assert "3 journeys are slow" in text_of(d)
    assert "degraded on 10 checks in a row" in text_of(d)  # the rule's own fact


def test_a_display_failure_alone_is_a_weak_guess() -> None:
    history = healthy(range(0, 10, 2), journeys=("shop-login",), devices=("sim-1",))
    for m in (10, 12):
        history += check(m, "down", category="display", devices=("sim-1",))
    d = diagnosis_for(history, 13)
    assert d.cause == "display"
    assert d.confidence < 0.5
    assert "failing transaction: Checkout" in text_of(d)


def test_an_unavailable_device_is_a_robot_cause() -> None:
    history = [facts(m, "error", device="sim-2", category="session",
                     ) for m in range(10, 13)]
    history += [facts(m, "passed", device="sim-1") for m in range(10, 13)]
    decision = next(d for d in evaluate_robot(history, at(13), errors=3) if d.holds)
    d = diagnose(decision, history, at(13), lookback_ms=LOOKBACK)
    assert d.cause == "device_unavailable"
    assert d.title_en == "Device sim-2 is unavailable"
    assert "other devices run journeys fine: sim-1" in text_of(d)


def test_text_is_plain_english_and_french() -> None:
    history = healthy(range(0, 10, 2))
    for m in (10, 12):
        for j in JOURNEYS:
            history += check(m, "down", journey=j, category="backend")
    d = diagnosis_for(history, 13)
    en, fr = d.text("en"), d.text("fr")
    assert en.startswith("Backend outage (every journey fails) (confidence ")
    assert "Facts: 3 of 3 journeys fail" in en
    assert fr.startswith("Panne du serveur (tous les parcours échouent) (confiance ")
    assert "Constats : " not in fr and "Constats: 3 parcours sur 3" in fr


def test_a_network_or_server_error_at_login_is_not_blamed_on_authentication() -> None:
    for category, cause in (("network", "network"), ("backend", "backend_errors")):
        history = healthy(range(0, 10, 2), journeys=("shop-login",))
        for m in (10, 12):
            history += check(m, "down", category=category, transaction="Open login",
                             is_login=True)
        d = diagnosis_for(history, 13)
        assert d.cause == cause, category
        assert "authentication" not in dict(d.alternatives)


def test_a_robot_side_failure_says_so() -> None:
    history = [facts(m, "error", device="sim-1", category="robot", run_id=f"x{m}")
               for m in range(10, 12)]
    history = [replace(h, error="secret SHOP_PASSWORD is not set") for h in history]
    decision = next(d for d in evaluate_robot(history, at(13), errors=2) if d.holds)
    d = diagnose(decision, history, at(13), lookback_ms=LOOKBACK)
    assert d.cause == "robot" and d.title_en == "Ronde itself cannot run journey shop-login"
    assert "last error: secret SHOP_PASSWORD is not set" in text_of(d)
