"""Active hours: ranges, midnight wrap, the whole day, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.errors import ActiveHoursError
from scheduler.hours import parse_active_hours


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def test_simple_range_is_half_open() -> None:
    hours = parse_active_hours("07:00-23:00")
    assert not hours.contains(at(6, 59))
    assert hours.contains(at(7, 0))
    assert hours.contains(at(22, 59))
    assert not hours.contains(at(23, 0))
    assert hours.next_start(at(23, 30)) == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    assert hours.next_start(at(3, 0)) == at(7, 0)
    assert hours.next_start(at(9, 0)) == at(9, 0)


def test_wrapping_midnight_and_several_ranges() -> None:
    night = parse_active_hours("22:00-06:00")
    assert night.contains(at(23)) and night.contains(at(2)) and not night.contains(at(12))
    split = parse_active_hours("08:00-12:00, 14:00-18:00")
    assert split.contains(at(9)) and not split.contains(at(13)) and split.contains(at(15))
    assert split.next_start(at(12, 30)) == at(14, 0)
    assert parse_active_hours("00:00-24:00").contains(at(23, 59))


@pytest.mark.parametrize("text", ["7h-23h", "07:00", "25:00-26:00", "07:60-08:00", ""])
def test_bad_hours_say_what_is_expected(text: str) -> None:
    with pytest.raises(ActiveHoursError, match=r"HH:MM|time of day"):
        parse_active_hours(text)
