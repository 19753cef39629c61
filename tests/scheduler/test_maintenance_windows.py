"""Maintenance windows: one-off and recurring, scoped by journey, tag and device."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ronde.config import MaintenanceWindow
from scheduler.maintenance import active_windows
from tests.scheduler.helpers import journey, sim

NIGHTLY = MaintenanceWindow("nightly", cron="0 2 * * *", duration_ms=30 * 60_000,
                            journeys=("tag:checkout",))
ONE_OFF = MaintenanceWindow("migration", start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
                            end=datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
LAB = MaintenanceWindow("lab-rewiring", cron="0 9 * * 1", duration_ms=3_600_000,
                        devices=("tag:lab",))
PARIS = MaintenanceWindow("paris-deploy", cron="0 2 * * *", duration_ms=600_000,
                          journeys=("shop-search",), timezone="Europe/Paris")

CHECKOUT = journey("shop-pay", tags=("checkout",))
SEARCH = journey("shop-search", tags=("smoke",))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_recurring_window_covers_its_duration_only() -> None:
    windows = [NIGHTLY]
    assert active_windows(windows, CHECKOUT, None, at(3, 1, 59)) == []
    assert active_windows(windows, CHECKOUT, None, at(3, 2, 0)) == [NIGHTLY]
    assert active_windows(windows, CHECKOUT, None, at(3, 2, 29)) == [NIGHTLY]
    assert active_windows(windows, CHECKOUT, None, at(3, 2, 30)) == []
    assert active_windows(windows, SEARCH, None, at(3, 2, 10)) == []  # not tagged checkout


def test_one_off_window_and_scope_by_id() -> None:
    assert active_windows([ONE_OFF], SEARCH, sim("a"), at(2, 10, 30)) == [ONE_OFF]
    assert active_windows([ONE_OFF], "shop-search", "a", at(2, 11, 0)) == []
    assert active_windows([PARIS], SEARCH, None, at(3, 1, 5)) == [PARIS]  # 02:05 in Paris
    assert active_windows([PARIS], SEARCH, None, at(3, 2, 5)) == []
    assert active_windows([PARIS], CHECKOUT, None, at(3, 1, 5)) == []


def test_device_scoped_windows_apply_once_the_device_is_known() -> None:
    monday_9 = at(2, 9, 15)  # 2026-03-02 is a Monday
    lab, field = sim("lab-1", "lab", "android"), sim("field-1", "android")
    assert active_windows([LAB], SEARCH, lab, monday_9) == [LAB]
    assert active_windows([LAB], SEARCH, field, monday_9) == []
    # Device not known yet: a device-scoped window does not skip the whole journey.
    assert active_windows([LAB], SEARCH, None, monday_9) == []
    assert active_windows([LAB], SEARCH, lab, monday_9 + timedelta(days=1)) == []


def test_order_is_kept_and_naive_times_are_refused() -> None:
    windows = [ONE_OFF, MaintenanceWindow("all-day", start=at(2, 0), end=at(3, 0))]
    assert [w.name for w in active_windows(windows, SEARCH, None, at(2, 10, 30))] == [
        "migration", "all-day"]
    with pytest.raises(ValueError, match="timezone-aware"):
        active_windows(windows, SEARCH, None, datetime(2026, 3, 2, 10, 30))
