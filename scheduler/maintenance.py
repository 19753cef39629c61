"""Maintenance windows (`maintenance:` in ronde.yaml): when runs are skipped and never alert.

`active_windows` is pure: the scheduler calls it before every run, and the alert engine
imports it to silence incidents. `ronde.config` reads the windows into `MaintenanceWindow`s:

- one-off: `start` and `end` (aware datetimes), or `start` and `duration_ms`;
- recurring: `cron` (5-field crontab, in `timezone`, an IANA name, else UTC) and
  `duration_ms`: active from each cron time for that long;
- scope: `journeys` (journey ids or `tag:<journey tag>`) and `devices` (device names or
  `tag:<device tag>`). An empty scope means everything; both given means both must match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from journeys.model import Journey
from robots.devices import DeviceSpec

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """A time when failures are expected: runs are skipped and nobody is paged.

    Either `cron` + `duration_ms` (a recurring window, in `timezone`) or `start`/`end`
    (one window, timezone-aware). `journeys` / `devices` select what it covers: ids or
    names, or `tag:<tag>`; empty means everything. Whether one is in force is decided in one
    place, `scheduler.maintenance.active_windows`.
    """

    name: str
    cron: str | None = None
    duration_ms: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    journeys: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    timezone: str = "UTC"
    line: int | None = None


def active_windows(
    windows: Iterable[MaintenanceWindow],
    journey: Journey | str | None,
    device: DeviceSpec | str | None,
    at: datetime,
) -> list[MaintenanceWindow]:
    """The windows in force at `at` for this journey on this device, in config order.

    `journey` is a Journey (its id and tags are matched) or a bare journey id; `device` a
    DeviceSpec (name and tags) or a bare name. `None` means "not known yet": then only the
    windows with no scope on that side apply, e.g. `device=None` before a device is leased
    returns the windows that silence the journey whatever device it runs on. `at` must be
    timezone-aware.
    """
    if at.tzinfo is None:
        raise ValueError("active_windows: `at` must be timezone-aware")
    return [
        w
        for w in windows
        if _journey_in_scope(w, journey) and _device_in_scope(w, device) and is_active(w, at)
    ]


def is_active(window: MaintenanceWindow, at: datetime) -> bool:
    """Whether the window's time range covers `at` (scope aside)."""
    cron = window.cron
    duration = _duration(window)
    if cron:
        if duration is None or duration <= timedelta(0):
            return False
        trigger = _cron(cron, _zone(window.timezone))
        # Active iff some cron time s has s <= at < s + duration.
        first = trigger.get_next_fire_time(None, at - duration + _TICK)
        return first is not None and first <= at
    start = window.start
    if start is None:
        return False
    end = window.end
    if end is None and duration is not None:
        end = start + duration
    return start <= at < end if end is not None else start <= at


def _duration(window: MaintenanceWindow) -> timedelta | None:
    ms = window.duration_ms
    return timedelta(milliseconds=ms) if ms is not None else None


def _journey_in_scope(window: MaintenanceWindow, journey: Journey | str | None) -> bool:
    scope = window.journeys
    if not scope:
        return True
    if journey is None:
        return False
    if isinstance(journey, str):
        return journey in scope
    return any(
        (item[4:] in journey.tags) if item.startswith("tag:") else item == journey.id
        for item in scope
    )


def _device_in_scope(window: MaintenanceWindow, device: DeviceSpec | str | None) -> bool:
    scope = window.devices
    if not scope:
        return True
    if device is None:
        return False
    if isinstance(device, str):
        return device in scope
    return any(device.matches(item) for item in scope)


def _zone(value: object) -> tzinfo:
    """A window's `timezone`: a tzinfo, an IANA name (ronde.config's windows), or UTC."""
    if isinstance(value, tzinfo):
        return value
    if isinstance(value, str) and value:
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
    return UTC


@lru_cache(maxsize=256)
def _cron(expression: str, tz: tzinfo) -> BaseTrigger:
    # imported here: ronde.config reads windows for every `ronde run`, which never evaluates
    # one, and APScheduler costs that call ~40 ms
    from scheduler.crontab import cron_trigger

    return cron_trigger(expression, tz)
