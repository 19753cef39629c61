"""Errors of the scheduler: each says what went wrong and what to do about it."""

from __future__ import annotations


class SchedulerError(Exception):
    """Base class of every error raised by `scheduler`."""


class ActiveHoursError(SchedulerError, ValueError):
    """`monitor.active_hours` is not `HH:MM-HH:MM[,HH:MM-HH:MM...]`."""


class ScheduleError(SchedulerError, ValueError):
    """A journey's `every`/`cron` cannot become a trigger."""


class NoJourneys(SchedulerError):
    """Nothing to schedule: the path holds no valid journey."""
