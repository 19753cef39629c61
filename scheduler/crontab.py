"""Standard 5-field crontab → APScheduler 3 CronTrigger, with cron's day-of-week numbering.

APScheduler 3's `CronTrigger.from_crontab` reads a numeric day of week as 0 = Monday, while
cron (and every user) means 0 = Sunday: `0 9 * * 1` would fire on Tuesdays. Numbers in the
day-of-week field are rewritten as day names first, so `0`/`7` = Sunday as in crontab(5).
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expression: str, tz: tzinfo) -> CronTrigger:
    """A CronTrigger for `minute hour day month day_of_week`; ValueError if invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=_weekdays(weekday), timezone=tz)


def _weekdays(field: str) -> str:
    return ",".join(_weekday_item(item) for item in field.split(","))


def _weekday_item(item: str) -> str:
    body, _, step_text = item.partition("/")
    step = int(step_text) if step_text.isdigit() else None
    if step_text and step is None:
        raise ValueError(f"day of week: bad step in {item!r}")
    if body == "*":
        if step is None:
            return "*"
        return ",".join(_DAYS[d] for d in range(0, 7, step))
    start, dash, end = body.partition("-")
    if not (start.isdigit() and (not dash or end.isdigit())):
        return item  # names (mon-fri), or let APScheduler report the mistake
    first, last = int(start), int(end) if dash else int(start)
    if first > 7 or last > 7:
        raise ValueError(f"day of week: {item!r} is out of range (0-7, 0 and 7 are Sunday)")
    if not dash and step is None:
        return _DAYS[first]
    if not dash:
        last = 7 if step else first
    days = [_DAYS[d] for d in range(first, last + 1, step or 1)]
    return ",".join(dict.fromkeys(days))
