"""Durations (`250ms`, `15s`, `5m`, `1h`, `7d`, `1h30m`, bare int = ms) and percentages.

Also the one home of the bounds every duration and count of the journey language and of
ronde.yaml is checked against (the spec table in `journeys.spec` names them per key), so a
value `validate` accepts never overflows a timer, a `timedelta` or a SQL interval later.
"""

from __future__ import annotations

import re
from fractions import Fraction

UNITS_MS: dict[str, int] = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
DURATION_PATTERN = r"^\s*(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d)\s*)+$|^\s*[0-9]+\s*$"
PERCENT_PATTERN = r"^\s*[0-9]+(?:\.[0-9]+)?\s*%?\s*$"
DURATION_EXPECTED = "expected a duration like 250ms, 15s, 5m, 1h, 7d or an integer of milliseconds"
PERCENT_EXPECTED = "expected a percentage like 95% or 99.5, between 0 and 100"

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

MAX_DURATION_MS = 3650 * DAY
"""No duration anywhere is longer (ten years): what a `timedelta` or a timer can hold, with room."""
MAX_DURATION_TEXT = 40
"""Longer texts are refused before any parsing (`1h30m15s250ms` is 13 characters)."""
MAX_COUNT = 1_000_000
"""No count anywhere (repeat times, indexes, characters) is larger."""

# Per-key bounds, named once here and used by the spec table and by ronde.yaml's reader.
EVERY_MIN, EVERY_MAX = SECOND, 31 * DAY
JITTER_MAX = DAY
JOURNEY_TIMEOUT_MAX = 6 * HOUR
STEP_TIMEOUT_MAX = HOUR
COMMAND_TIMEOUT_MAX = HOUR
SWIPE_MAX = MINUTE
SLOW_MAX = HOUR
WINDOW_MIN, WINDOW_MAX = MINUTE, 90 * DAY
SLOW_FOR_MAX = 90 * DAY
REMIND_MIN, REMIND_MAX = MINUTE, 31 * DAY
MAINTENANCE_MAX = 366 * DAY
RETRIES_MAX = 10
CONSECUTIVE_FAILURES_MAX = 1000
RESOLVE_AFTER_MAX = 100
TAP_REPEAT_MAX = 100
REPEAT_TIMES_MAX = 10_000
INDEX_MAX = 10_000
ERASE_MAX = 10_000
PIXELS_MAX = 100_000  # a selector's width/height/tolerance, a point in pixels
RETRY_MAX = 1_000  # retry.maxRetries (Maestro caps it at 3 when it runs)
SCROLL_SETTING_MAX = 1_000  # speed, visibilityPercentage (0-100 once they run, as Maestro)
RANDOM_LENGTH_MAX = 10_000  # inputRandomText/Number length
TRAVEL_SPEED_MAX = 300_000_000  # m/s: nothing travels faster than light

_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")
_DURATION = re.compile(DURATION_PATTERN)
_PERCENT = re.compile(PERCENT_PATTERN)


def parse_duration(value: object, maximum: int = MAX_DURATION_MS) -> int:
    """Milliseconds from a YAML value, at most `maximum` (never above MAX_DURATION_MS);
    ValueError (with what was expected) otherwise."""
    maximum = min(maximum, MAX_DURATION_MS)
    if isinstance(value, bool) or value is None:
        raise ValueError(DURATION_EXPECTED)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{_show(value)} is negative ({DURATION_EXPECTED})")
        return _capped(value, value, maximum)
    if isinstance(value, str) and len(value) > MAX_DURATION_TEXT:
        raise ValueError(f"{_show(value)} is too long to be a duration ({DURATION_EXPECTED})")
    if not isinstance(value, str) or not _DURATION.match(value):
        raise ValueError(f"{_show(value)} is not a duration ({DURATION_EXPECTED})")
    text = value.strip()
    if text.isdigit():
        return _capped(value, int(text), maximum)
    total = Fraction(0)  # exact: 0.1s + 0.2s is 300ms, and 10**20 days stays a big number
    for number, unit in _PART.findall(text.replace(" ", "")):
        total += Fraction(number) * UNITS_MS[unit]
    if total.denominator != 1:
        raise ValueError(f"{_show(value)} is not a whole number of milliseconds")
    return _capped(value, int(total), maximum)


def _capped(value: object, ms: int, maximum: int) -> int:
    if ms > maximum:
        raise ValueError(f"{_show(value)} is too long (expected at most "
                         f"{format_duration(maximum)})")
    return ms


def check_bounds(ms: int, minimum: int | None, maximum: int | None, *,
                 duration: bool = True) -> str | None:
    """Why `ms` (or a count) is out of [minimum, maximum], or None when it is within."""
    def show(n: int) -> str:
        return format_duration(n) if duration and n >= 0 else _show(n)

    if minimum is not None and ms < minimum:
        return f"{show(ms)} is too small (expected at least {show(minimum)})"
    if maximum is not None and ms > maximum:
        return f"{show(ms)} is too large (expected at most {show(maximum)})"
    return None


def parse_percent(value: object) -> float:
    """A percentage 0-100 from `95%`, `95`, `99.5`; ValueError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(PERCENT_EXPECTED)
    if isinstance(value, int) and not -1000 < value < 1000:  # float() of 10**400 overflows
        raise ValueError(f"{_show(value)} is out of range ({PERCENT_EXPECTED})")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and len(value) <= MAX_DURATION_TEXT and _PERCENT.match(value):
        number = float(value.strip().rstrip("%").strip())
    else:
        raise ValueError(f"{_show(value)} is not a percentage ({PERCENT_EXPECTED})")
    if not 0.0 <= number <= 100.0:
        raise ValueError(f"{_show(value)} is out of range ({PERCENT_EXPECTED})")
    return number


def format_duration(ms: int) -> str:
    """The shortest exact form: 300000 -> `5m`, 1500 -> `1500ms`, 5400000 -> `1h30m`."""
    if ms == 0:
        return "0s"
    if ms % 1000:
        return f"{ms}ms"
    parts: list[str] = []
    rest = ms
    for unit in ("d", "h", "m", "s"):
        size = UNITS_MS[unit]
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


__all__ = [
    "DURATION_EXPECTED",
    "DURATION_PATTERN",
    "PERCENT_EXPECTED",
    "PERCENT_PATTERN",
    "check_bounds",
    "format_duration",
    "parse_duration",
    "parse_percent",
]
