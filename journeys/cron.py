"""Checks 5-field crontab expressions as cron(5) reads them (0 or 7 = Sunday).

Only validation lives here: the scheduler builds the triggers (`scheduler.crontab`).
"""

from __future__ import annotations

import re

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names for lowest..)
FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?$")


def check_cron(expression: str) -> None:
    """ValueError saying which field is wrong, for anything cron would refuse."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    for text, (name, low, high, names) in zip(fields, FIELDS, strict=True):
        for item in text.lower().split(","):
            match = _ITEM.match(item)
            if not match:
                raise ValueError(f"{name}: {item!r} is not *, a number, a range or a step")
            body, step = match.groups()
            if step is not None and int(step) == 0:
                raise ValueError(f"{name}: a step of 0 in {item!r}")
            if body == "*":
                continue
            bounds = [_value(part, name, low, high, names) for part in body.split("-")]
            if len(bounds) == 2 and bounds[0] > bounds[1]:
                raise ValueError(f"{name}: the range {body!r} is backwards")


def _value(part: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if part.isdigit():
        number = int(part)
    elif part in names:
        number = names.index(part) + low
    else:
        raise ValueError(f"{name}: {part!r} is not a number" + (
            f" or a name ({', '.join(names[:3])}, ...)" if names else ""))
    if not low <= number <= high:
        raise ValueError(f"{name}: {number} is out of range ({low}-{high})")
    return number


__all__ = ["check_cron"]
