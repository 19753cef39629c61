"""Durations and percentages: every form the format allows, and the ones it refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.cron import check_cron
from journeys.durations import format_duration, parse_duration, parse_percent
from journeys.parser import load_journey


@pytest.mark.parametrize(("given", "ms"), [
    ("250ms", 250), ("15s", 15_000), ("5m", 300_000), ("1h", 3_600_000),
    ("7d", 604_800_000), (1500, 1500), ("1500", 1500), (0, 0), ("1.5s", 1500),
    ("1h30m", 5_400_000), (" 2m ", 120_000),
])
def test_duration_forms(given: object, ms: int) -> None:
    assert parse_duration(given) == ms


@pytest.mark.parametrize("given", ["5 minutes", "-5s", "1.0005s", "5x", "", "ms", True,
                                   None, -1, 1.5, "1,5s"])
def test_bad_durations_say_what_is_expected(given: object) -> None:
    with pytest.raises(ValueError, match=r"duration|milliseconds|negative"):
        parse_duration(given)


@pytest.mark.parametrize(("given", "pct"), [
    ("95%", 95.0), (95, 95.0), ("95", 95.0), (99.5, 99.5), ("99.9%", 99.9), ("0%", 0.0),
    ("100", 100.0),
])
def test_percent_forms(given: object, pct: float) -> None:
    assert parse_percent(given) == pct


@pytest.mark.parametrize("given", ["101%", -1, "ninety", True, None, "95%%"])
def test_bad_percentages(given: object) -> None:
    with pytest.raises(ValueError, match="percentage"):
        parse_percent(given)


@pytest.mark.parametrize(("ms", "text"), [
    (300_000, "5m"), (1500, "1500ms"), (5_400_000, "1h30m"), (0, "0s"), (86_400_000, "1d"),
])
def test_format_duration_is_the_shortest_exact_form(ms: int, text: str) -> None:
    assert format_duration(ms) == text
    assert parse_duration(text) == ms


def test_durations_and_percentages_in_a_file(write: Callable[..., Path]) -> None:
    journey = load_journey(write("""appId: com.a
monitor:
  every: 90s
  jitter: 1500
  timeout: 2m
  step_timeout: "20000"
  slow: 2.5s
  alert:
    availability_below: 99.5
    window: 1d
    slow_for: 1h30m
---
- extendedWaitUntil: {visible: a, timeout: 250ms}
"""))
    mon = journey.monitor
    assert (mon.every_ms, mon.jitter_ms, mon.timeout_ms, mon.step_timeout_ms, mon.slow_ms) == (
        90_000, 1500, 120_000, 20_000, 2500)
    assert mon.alert.availability_below == 99.5
    assert (mon.alert.window_ms, mon.alert.slow_for_ms) == (86_400_000, 5_400_000)
    assert journey.commands[0].timeout_ms == 250  # type: ignore[attr-defined]


@pytest.mark.parametrize("expression", [
    "*/5 * * * *", "0 2 * * *", "0 9 * * 1-5", "30 6 1,15 * sun", "0 0 * jan-mar 7",
    "0-30/10 8-18 * * MON-FRI", "0 0 31 12 0",
])
def test_valid_cron_expressions(expression: str) -> None:
    check_cron(expression)


@pytest.mark.parametrize(("expression", "message"), [
    ("* * * *", "expected 5 fields (minute hour day month weekday), got 4"),
    ("60 * * * *", "minute: 60 is out of range (0-59)"),
    ("* 24 * * *", "hour: 24 is out of range (0-23)"),
    ("* * 0 * *", "day of month: 0 is out of range (1-31)"),
    ("* * * 13 *", "month: 13 is out of range (1-12)"),
    ("* * * * 8", "day of week: 8 is out of range (0-7)"),
    ("* * * * mun", "day of week: 'mun' is not a number or a name (sun, mon, tue, ...)"),
    ("*/0 * * * *", "minute: a step of 0 in '*/0'"),
    ("5-1 * * * *", "minute: the range '5-1' is backwards"),
    ("? * * * *", "minute: '?' is not *, a number, a range or a step"),
])
def test_invalid_cron_expressions(expression: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_cron(expression)
    assert str(caught.value) == message
