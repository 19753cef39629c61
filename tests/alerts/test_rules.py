"""The alert rules, as pure functions of hand-made runs and a fixed clock."""

from __future__ import annotations

from scheduler.alerts.model import Outcome
from scheduler.alerts.rules import build_checks, evaluate_journey, evaluate_robot
from scheduler.alerts.settings import AlertSettings, effective_policy
from tests.alerts.builders import at, check, facts, monitor

SETTINGS = AlertSettings()
GRACE = SETTINGS.confirm_grace_ms


def runs_of(*checks: list) -> list:
    return [r for c in checks for r in c]


def decide(runs, now_minute, **policy):
    pol = effective_policy(monitor(**policy), SETTINGS)
    return {d.key.rsplit(":", 1)[1]: d for d in
            evaluate_journey("shop-login", runs, pol, at(now_minute), grace_ms=GRACE)}


def test_checks_group_confirmations_and_say_flake_or_down() -> None:
    runs = runs_of(check(0, "up"), check(1, "flake"), check(2, "down"), check(3, "error"),
                   check(4, "pending"))
    outcomes = [c.outcome for c in build_checks(runs, retries=1, now=at(4.1), grace_ms=GRACE)]
    assert outcomes == [Outcome.UP, Outcome.FLAKE, Outcome.DOWN, Outcome.ERROR, Outcome.PENDING]
    # without confirmation configured, or once the grace is over, a failure stands alone
    alone = check(0, "pending")
    assert build_checks(alone, retries=0, now=at(0.1), grace_ms=GRACE)[0].outcome is Outcome.DOWN
    late = build_checks(alone, retries=1, now=at(11), grace_ms=GRACE)
    assert late[0].outcome is Outcome.DOWN


def test_consecutive_confirmed_failures_fire_at_the_threshold() -> None:
    one = runs_of(check(0, "up"), check(1, "down"))
    assert not decide(one, 1.6)["failing"].holds  # default: 2 consecutive
    two = one + check(2, "down", transaction="Login")
    d = decide(two, 2.6)["failing"]
    assert d.holds and d.rules == ("consecutive_failures",)
    assert d.since == at(1) and d.transaction == "Login"
    assert d.device == "sim-1,sim-2"
    assert "2 confirmed failures in a row" in d.facts[0][0]
    three = decide(runs_of(check(0, "down"), check(1, "down")), 1.6, consecutive_failures=3)
    assert not three["failing"].holds


def test_flakes_and_errors_never_count_as_outage() -> None:
    runs = runs_of(check(0, "flake"), check(1, "flake"), check(2, "flake"))
    assert not decide(runs, 3)["failing"].holds
    # errors are skipped: they neither break nor extend a streak
    runs = runs_of(check(0, "down"), check(1, "error"), check(2, "error"), check(3, "down"))
    d = decide(runs, 3.6)["failing"]
    assert d.holds and len(d.evidence) == 4  # two checks, each with two failed attempts
    only_errors = runs_of(*(check(m, "error") for m in range(5)))
    assert not decide(only_errors, 5)["failing"].holds


def test_pending_confirmation_does_not_fire_yet() -> None:
    runs = runs_of(check(0, "down"), check(1, "pending"))
    assert not decide(runs, 1.1)["failing"].holds
    assert decide(runs, 12)["failing"].holds  # the confirmation never came


def test_availability_below_threshold_over_the_sliding_window() -> None:
    # 1 failure in 10 checks = 90% < 95% over the last hour
    runs = runs_of(*(check(m * 6, "up") for m in range(9)), check(54, "down"))
    d = decide(runs, 55, availability_below=95.0, window_ms=3_600_000)["failing"]
    assert d.holds and d.rules == ("availability",)
    assert round(d.availability, 1) == 90.0
    assert "availability 90.0% over 60 min, below 95%" in d.facts[0][0]
    # an hour later, the failure has slid out of the window
    later = runs + runs_of(*(check(60 + m * 6, "up") for m in range(10)))
    d2 = decide(later, 115, availability_below=95.0, window_ms=3_600_000)["failing"]
    assert not d2.holds and d2.availability == 100.0
    # flakes count as available
    flaky = runs_of(*(check(m, "flake") for m in range(5)))
    assert decide(flaky, 6, availability_below=99.0)["failing"].availability == 100.0


def test_degraded_for_a_duration() -> None:
    runs = runs_of(check(0, "up"), *(check(m, "degraded") for m in (5, 10, 15)))
    not_yet = decide(runs, 16, slow_ms=3000, slow_for_ms=15 * 60_000)
    assert not not_yet["slow"].holds  # degraded since minute 5: 11 min
    d = decide(runs, 20, slow_ms=3000, slow_for_ms=15 * 60_000)["slow"]
    assert d.holds and d.since == at(5) and d.rules == ("slow",)
    assert "degraded on 3 checks in a row for 15 min" in d.facts[0][0]
    # a passing check ends the streak; no slow rule when `slow` is not set
    assert not decide(runs + check(21, "up"), 22, slow_ms=3000,
                      slow_for_ms=60_000)["slow"].holds
    assert "slow" not in decide(runs, 20)


def test_passes_after_failures_are_counted_for_hysteresis() -> None:
    runs = runs_of(check(0, "down"), check(1, "down"), check(2, "up"), check(3, "flake"))
    d = decide(runs, 4)["failing"]
    assert not d.holds and d.passes == 2


def test_robot_rule_per_device_needs_persistent_errors() -> None:
    runs = [facts(m, "error", device="sim-2", category="session") for m in range(3)]
    runs += [facts(m, "passed", device="sim-1") for m in range(3)]
    decisions = {d.key: d for d in evaluate_robot(runs, at(5), errors=3)}
    assert decisions["robot:device:sim-2"].holds
    assert not decisions["robot:device:sim-1"].holds
    assert decisions["robot:device:sim-2"].since == at(0)
    two = {d.key: d for d in evaluate_robot(runs[1:], at(5), errors=3)}
    assert not two["robot:device:sim-2"].holds
    # the device works again
    back = [*runs, facts(4, "failed", device="sim-2")]
    d = {d.key: d for d in evaluate_robot(back, at(5), errors=3)}["robot:device:sim-2"]
    assert not d.holds and d.passes == 1
    # no device could be leased at all: per journey
    none = [facts(m, "error", device="", category="no_device") for m in range(3)]
    assert {d.key for d in evaluate_robot(none, at(5), errors=3) if d.holds} == {
        "robot:journey:shop-login"}


def test_error_runs_never_raise_an_app_alert() -> None:
    runs = [facts(m, "error", category="session") for m in range(10)]
    assert not decide(runs, 10, availability_below=99.0)["failing"].holds
    assert decide(runs, 10, availability_below=99.0)["failing"].availability is None


def test_defaults_apply_without_monitor_alert() -> None:
    pol = effective_policy(monitor(), SETTINGS)
    assert pol.consecutive_failures == 2 and pol.availability_below is None
    assert pol.slow_for_ms is None
    pol = effective_policy(monitor(slow_ms=3000), SETTINGS)
    assert pol.slow_for_ms == SETTINGS.default_slow_for_ms
    pol = effective_policy(monitor(availability_below=99.0), SETTINGS)
    assert pol.consecutive_failures is None and pol.availability_below == 99.0


def test_robot_causes_that_are_not_the_device_are_per_journey() -> None:
    # a secret not set on the robot: every device fails the same way; one journey cause
    runs = [facts(m, "error", device=f"sim-{m % 2}", category="robot") for m in range(4)]
    held = [d for d in evaluate_robot(runs, at(5), errors=2) if d.holds]
    assert [d.key for d in held] == ["robot:journey:shop-login"]
    assert "could not be run on journey shop-login" in held[0].facts[0][0]
    # a robot stopped mid-run (aborted) neither makes nor breaks a streak
    aborted = [facts(0, "error", device="sim-1", category="aborted"),
               facts(1, "error", device="sim-1", category="aborted")]
    assert not [d for d in evaluate_robot(aborted, at(5), errors=2) if d.holds]
