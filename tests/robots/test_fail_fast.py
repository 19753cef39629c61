"""Fail fast: a failure the screen already shows fails the waiting check within a poll."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from emulators import faults
from journeys.model import Journey
from journeys.results import Category, RunResult, Status

pytestmark = pytest.mark.appium

LOGIN = """
appId: com.ronde.demo.shop
env: {{SHOP_USER: qa-robot@example.com}}
monitor: {{id: fast, step_timeout: 15s, timeout: 1m, secrets: [SHOP_PASSWORD]{extra}}}
---
- launchApp: {{clearState: true}}
- tapOn: {{id: login}}
- tapOn: {{id: email}}
- inputText: ${{SHOP_USER}}
- tapOn: {{id: password}}
- inputText: ${{SHOP_PASSWORD}}
- tapOn: {{text: Valider, label: Login}}
- {check}
"""


def _failed_step_ms(result: RunResult) -> float:
    failed = [s for s in result.steps if s.status is Status.FAILED]
    assert failed, result
    return failed[-1].duration_ms


def test_refused_login_fails_the_check_within_a_second(
        journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
        sim_udid: str) -> None:
    faults.set_fault(sim_udid, "login_refused")
    journey = journey_file(LOGIN.format(extra="", check="assertVisible: {id: welcome_banner}"))
    started = time.monotonic()
    result = run_sim(journey)
    took = _failed_step_ms(result)
    print(f"\nfail-fast: the refused login failed its check after {took:.0f} ms "
          f"(step_timeout 15 s; whole run {time.monotonic() - started:.1f} s)")
    assert result.status is Status.FAILED
    assert result.category is Category.AUTHENTICATION
    assert took <= 1000, took
    assert "fail_fast" in (result.error or "")


def test_server_error_dialog_fails_at_once_as_backend(
        journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
        sim_udid: str) -> None:
    faults.set_fault(sim_udid, "error_dialog", text="Erreur 500", on="submit")
    result = run_sim(journey_file(LOGIN.format(extra="",
                                               check="assertVisible: {id: welcome_banner}")))
    assert (result.status, result.category) == (Status.FAILED, Category.BACKEND)
    assert _failed_step_ms(result) <= 1000


def test_a_text_the_journey_expects_never_fails_fast(
        journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
        sim_udid: str) -> None:
    """The journey checks that a wrong password is refused: the credentials message is what it
    waits for, and a waiting `assertNotVisible` on it is no failure either."""
    faults.set_fault(sim_udid, "login_refused")
    check = ("assertVisible: Identifiants invalides\n"
             "- assertNotVisible: {id: welcome_banner}")
    result = run_sim(journey_file(LOGIN.format(extra="", check=check)))
    assert result.status is Status.PASSED, result.error


@pytest.mark.parametrize("extra", [", fail_fast: false"])
def test_fail_fast_can_be_turned_off(
        journey_file: Callable[..., Journey], run_sim: Callable[..., RunResult],
        sim_udid: str, extra: str, **_: Any) -> None:
    faults.set_fault(sim_udid, "login_refused")
    journey = journey_file(LOGIN.format(extra=extra + ", step_timeout: 2s",
                                        check="assertVisible: {id: welcome_banner}")
                           .replace("step_timeout: 15s, ", ""))
    assert journey.monitor.fail_fast is False
    result = run_sim(journey)
    assert result.category is Category.AUTHENTICATION
    assert _failed_step_ms(result) >= 1900
