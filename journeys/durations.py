"""Durations (`250ms`, `15s`, `5m`, `1h`, `7d`, `1h30m`, bare int = ms) and percentages."""

from __future__ import annotations

import re

UNITS_MS: dict[str, int] = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
DURATION_PATTERN = r"^\s*(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d)\s*)+$|^\s*[0-9]+\s*$"
PERCENT_PATTERN = r"^\s*[0-9]+(?:\.[0-9]+)?\s*%?\s*$"
DURATION_EXPECTED = "expected a duration like 250ms, 15s, 5m, 1h, 7d or an integer of milliseconds"
PERCENT_EXPECTED = "expected a percentage like 95% or 99.5, between 0 and 100"

_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")
_DURATION = re.compile(DURATION_PATTERN)
_PERCENT = re.compile(PERCENT_PATTERN)


def parse_duration(value: object) -> int:
    """Milliseconds from a YAML value; ValueError (with what was expected) otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(DURATION_EXPECTED)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative ({DURATION_EXPECTED})")
        return value
    if not isinstance(value, str) or not _DURATION.match(value):
        raise ValueError(f"{_show(value)} is not a duration ({DURATION_EXPECTED})")
    text = value.strip()
    if text.isdigit():
        return int(text)
    total = 0.0
    for number, unit in _PART.findall(text.replace(" ", "")):
        total += float(number) * UNITS_MS[unit]
    if total != int(total):
        raise ValueError(f"{_show(value)} is not a whole number of milliseconds")
    return int(total)


def parse_percent(value: object) -> float:
    """A percentage 0-100 from `95%`, `95`, `99.5`; ValueError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(PERCENT_EXPECTED)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _PERCENT.match(value):
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
    return repr(value) if isinstance(value, str) else str(value)


__all__ = [
    "DURATION_EXPECTED",
    "DURATION_PATTERN",
    "PERCENT_EXPECTED",
    "PERCENT_PATTERN",
    "format_duration",
    "parse_duration",
    "parse_percent",
]
