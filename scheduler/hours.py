"""Active hours (`monitor.active_hours: "07:00-23:00"`): when a journey may run in a day.

Pure and timezone-explicit: the caller gives aware datetimes in the timezone the hours are
meant in (the scheduler's), so a test can use UTC and a fixed instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from scheduler.errors import ActiveHoursError

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class ActiveHours:
    """Minute-of-day ranges `[start, end)`; a range whose end is before its start wraps midnight."""

    ranges: tuple[tuple[int, int], ...]
    text: str = ""

    def contains(self, at: datetime) -> bool:
        minute = at.hour * 60 + at.minute
        for start, end in self.ranges:
            if start < end and start <= minute < end:
                return True
            if start > end and (minute >= start or minute < end):
                return True
            if start == end:  # "00:00-24:00"-like: the whole day
                return True
        return False

    def next_start(self, at: datetime) -> datetime:
        """`at` itself when inside the hours, else the next moment the hours begin."""
        if self.contains(at):
            return at
        candidates: list[datetime] = []
        for day in (0, 1):
            base = at.date() + timedelta(days=day)
            for start, _end in self.ranges:
                moment = datetime.combine(base, time(start // 60, start % 60), tzinfo=at.tzinfo)
                if moment > at:
                    candidates.append(moment)
        return min(candidates)


def parse_active_hours(text: str) -> ActiveHours:
    """`"07:00-23:00"` or several ranges separated by commas; `24:00` is accepted as an end."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if not match:
            raise ActiveHoursError(
                f"active_hours: expected HH:MM-HH:MM (e.g. 07:00-23:00), got {part.strip()!r}"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise ActiveHoursError(f"active_hours: {part.strip()!r} is not a time of day")
        ranges.append((h1 * 60 + m1, (h2 * 60 + m2) % (24 * 60)))
    return ActiveHours(tuple(ranges), text)
